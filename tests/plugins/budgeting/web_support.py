"""Shared set-up for the budgeting web and ballot tests (not a test module itself)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugins.budgeting.models import Budget, Option


@dataclass
class Setup:
    project: Any
    phase: Any
    budget: Budget
    options: list[Option]

    @property
    def base(self) -> str:
        return f"/p/{self.phase.id}/budgeting"

    @property
    def changes_url(self) -> str:
        """The phase's public change log (a core page)."""
        return f"/projects/{self.project.slug}/phases/{self.phase.id}/changes"

    @property
    def ballot_url(self) -> str:
        return f"{self.base}/budgets/{self.budget.id}"

    @property
    def cart_url(self) -> str:
        return f"{self.ballot_url}/cart"

    @property
    def paper_url(self) -> str:
        return f"{self.base}/manage/budgets/{self.budget.id}/paper"

    @property
    def submit_url(self) -> str:
        return f"{self.ballot_url}/submit"


async def setup_phase(
    factory: Any,
    tenant: Any,
    *,
    ballot_type: str = "knapsack",
    state: str = "active",
    amount: int = 10000,
    costs: tuple[int, ...] = (3000, 4000, 5000, 6000),
    rule: str = "greedy",
    area_id: int | None = None,
    permissions: dict | None = None,
    **config: Any,
) -> Setup:
    project = await factory.project(tenant)
    phase = await factory.phase(
        project, "budgeting", state=state, config={"ballot_type": ballot_type, **config}, permissions=permissions
    )
    async with factory.db.session(tenant.id, write=True) as session:
        budget = Budget(phase_id=phase.id, name={"en": "City budget"}, amount=amount, rule=rule, area_id=area_id)
        session.add(budget)
        await session.flush()
        options = []
        for index, cost in enumerate(costs):
            option = Option(
                phase_id=phase.id,
                budget_id=budget.id,
                code=str(index + 1),
                title={"en": f"Option {index + 1}"},
                cost=cost,
                position=index,
            )
            session.add(option)
            options.append(option)
        await session.flush()
    return Setup(project, phase, budget, options)


async def voter(factory: Any, client: Any, tenant: Any, **fields: Any) -> Any:
    user = await factory.user(tenant, **fields)
    await factory.login(client, user)
    return user


async def cart(client: Any, s: Setup, headers: dict, action: str, option: Option, **extra: Any) -> Any:
    data = {"action": action, "option_id": str(option.id), **{k: str(v) for k, v in extra.items()}}
    return await client.post(s.cart_url, data=data, headers=headers, follow_redirects=False)


def refused_edit(response: Any) -> bool:
    """A cart edit refused without JavaScript: a redirect to the ballot page, which says why (post/redirect/get)."""
    return response.status_code == 303 and "refused=" in response.headers.get("location", "")


async def submit(client: Any, s: Setup, headers: dict) -> Any:
    return await client.post(s.submit_url, data={}, headers=headers, follow_redirects=False)
