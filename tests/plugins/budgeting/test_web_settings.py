"""The budgeting phase's settings in the back office: each ballot type's own fields wrapped with the type they apply
to (core.shown_when), the tie-break offered as orders in words (core.one_of) and stored as the same comma string."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from core.models import AuditEntry, Phase

from .web_support import setup_phase, voter

DEFAULT_ORDER = "min_cost,max_votes,id"


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")  # the test tenant's time zone is UTC


def settings_form(phase: Any, **config: str) -> dict[str, str]:
    """The phase form as the browser submits it: every budgeting field, whichever ballot type is chosen."""
    values = {
        "ballot_type": "knapsack",
        "min_spend_percent": "0",
        "min_spend_amount": "0.00",
        "min_choices": "0",
        "max_choices": "0",
        "points": "10",
        "max_points_per_option": "0",
        "rank_count": "3",
        "tie_break": DEFAULT_ORDER,
        **config,
    }
    return {
        "title.en": "Vote on the budget",
        "starts_at": _local(phase.starts_at),
        "ends_at": _local(phase.ends_at),
        "method": "budgeting",
        "config_for": "budgeting",
        "perm.budgeting.vote.level": "registered",
        **{f"config.{key}": value for key, value in values.items()},
    }


async def test_each_ballot_types_fields_are_wrapped_with_it_and_the_tie_break_is_a_choice_in_words(
    client: Any, factory: Any, tenant: Any
) -> None:
    s = await setup_phase(factory, tenant, ballot_type="approval")
    await voter(factory, client, tenant, role="admin")
    page = await client.get(f"/admin/projects/{s.project.id}/phases/{s.phase.id}")
    assert page.status_code == 200
    html = page.text
    expected = {
        "min_spend_percent": "knapsack",
        "min_spend_amount": "knapsack",
        "min_choices": "approval",
        "max_choices": "approval",
        "points": "cumulative",
        "max_points_per_option": "cumulative",
        "rank_count": "ranked",
    }
    for field, ballot_type in expected.items():
        wrapper = re.search(
            r'<div class="shown-when" data-shown-when-field="config\.ballot_type" '
            rf"data-shown-when-values='\[\"{ballot_type}\"\]'>\s*<div class=\"field\">\s*"
            rf'<label for="config\.{field}">',
            html,
        )
        assert wrapper, field
    assert html.count("data-shown-when-field") == len(expected)
    # No JavaScript: every field shows, saying which ballot type it is for; the labels lost their parentheticals.
    assert "Applies to: Approval: choose the options you support. 0 means no limit." in html
    assert '<label for="config.max_choices">Most options a ballot may choose <span' in html
    assert "approval ballots" not in html and "0 = no limit" not in html
    assert "Applies to: Cumulative: spread your points." in html and " hidden" not in html.split("method-fields")[1]

    # The tie-break is a select of orders in words, the default chosen; no free text any more.
    assert 'name="config.tie_break" type="text"' not in html
    assert re.search(r'<select id="config\.tie_break" name="config\.tie_break"', html)
    assert (
        f'<option value="{DEFAULT_ORDER}" selected>Cheaper option first, then more votes, then the option&#39;s code'
        in html
    )
    assert '<option value="max_votes,min_cost,id">More votes first, then the cheaper option' in html
    assert "When options tie, this order decides which one wins." in html

    # A stored order outside the list is still offered (in words) and chosen, so saving the page keeps it.
    async with factory.db.session(tenant.id, write=True) as session:
        (await session.get(Phase, s.phase.id)).config = {"ballot_type": "approval", "tie_break": "max_votes,min_votes"}
    html = (await client.get(f"/admin/projects/{s.project.id}/phases/{s.phase.id}")).text
    assert '<option value="max_votes,min_votes" selected>Other order: more votes, then fewer votes</option>' in html


async def test_a_chosen_tie_break_is_stored_as_its_criteria_and_junk_is_refused_in_the_readers_language(
    client: Any, factory: Any, tenant: Any, csrf: Any
) -> None:
    s = await setup_phase(factory, tenant)
    await voter(factory, client, tenant, role="admin")
    headers = await csrf(client)
    url = f"/admin/projects/{s.project.id}/phases/{s.phase.id}"

    refused = await client.post(
        f"/nl{url}", data=settings_form(s.phase, tie_break="min_cost,drop table"), headers=headers
    )
    assert refused.status_code == 422
    assert "Kies een van de aangeboden opties." in refused.text and 'href="#config.tie_break"' in refused.text
    assert (await factory.reload(Phase, s.phase.id, tenant.id)).config == {"ballot_type": "knapsack"}
    assert await factory.count(AuditEntry, tenant.id) == 0

    # A knapsack phase saved with another order; the approval fields (hidden in the browser) keep what was sent.
    saved = await client.post(
        url,
        data=settings_form(s.phase, tie_break="max_votes,min_cost,id", max_choices="4"),
        headers=headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    config = (await factory.reload(Phase, s.phase.id, tenant.id)).config
    assert config["tie_break"] == "max_votes,min_cost,id" and config["max_choices"] == 4
    assert config["ballot_type"] == "knapsack"
