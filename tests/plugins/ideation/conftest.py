"""Fixtures for the ideation tests: a project with an ideation phase, topics and areas, and helpers to post."""

from __future__ import annotations

from typing import Any

import pytest

from core.models import Area, Topic


class Ideation:
    """Builds ideation data straight through the database and drives the HTTP endpoints like a browser."""

    def __init__(self, factory: Any, client: Any, tenant: Any) -> None:
        self.factory, self.client, self.tenant = factory, client, tenant
        self.db = factory.db

    async def phase(self, *, state: str = "active", project: Any = None, **config: Any) -> Any:
        project = project or await self.factory.project(self.tenant)
        return await self.factory.phase(project, "ideation", state=state, config=config)

    async def taxonomy(self) -> tuple[list[Topic], list[Area]]:
        async with self.db.session(self.tenant.id, write=True) as session:
            topics = [Topic(name={"en": n, "nl": n + " (nl)"}, position=i) for i, n in enumerate(["Green", "Mobility"])]
            areas = [Area(name={"en": n}, position=i) for i, n in enumerate(["North", "South"])]
            session.add_all(topics + areas)
            await session.flush()
        return topics, areas

    async def csrf(self) -> dict[str, str]:
        if "csrftoken" not in self.client.cookies:
            await self.client.get("/")
        return {"x-csrftoken": self.client.cookies.get("csrftoken", "")}

    async def post(self, path: str, data: dict | None = None, *, htmx: bool = False, files: Any = None) -> Any:
        headers = await self.csrf()
        if htmx:
            headers["HX-Request"] = "true"
        return await self.client.post(path, data=data or {}, files=files, headers=headers, follow_redirects=False)

    async def post_idea(
        self, phase: Any, title: str = "More trees in the park", body: str = "Shade and birds.", **extra: Any
    ) -> Any:
        return await self.post(f"/p/{phase.id}/ideation/new", {"title": title, "body": body, **extra})

    async def idea_id(self, response: Any) -> int:
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        return int(location.split("/ideas/")[1].split("?")[0])

    async def update_user(self, user: Any, **fields: Any) -> None:
        from core.models import User

        async with self.db.session(self.tenant.id, write=True) as session:
            row = await session.get(User, user.id)
            for key, value in fields.items():
                setattr(row, key, value)

    async def login(self, user: Any) -> None:
        await self.factory.login(self.client, user)


@pytest.fixture
async def ideation(factory: Any, client: Any, tenant: Any) -> Ideation:
    return Ideation(factory, client, tenant)
