"""pabulib import/export through the staff pages, and results that equal the rules engine on the same file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plugins.budgeting.models import Ballot, Budget, Option
from plugins.budgeting.rules import compute, parse_pb

from .web_support import setup_phase, voter

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "pabulib"

SMALL_PB = """META
key;value
description;Small test election
country;Testland
unit;Testville
num_projects;4
num_votes;9
budget;100
vote_type;approval
rule;equalshares/add1
currency;EUR
PROJECTS
project_id;cost;name;category
p1;60;Big park;nature
p2;30;Bike lane;mobility
p3;30;Library hours;culture
p4;10;Benches;nature
VOTES
voter_id;vote;age
v1;p1,p4;30
v2;p1;41
v3;p1,p2;25
v4;p2,p3;67
v5;p2,p3,p4;18
v6;p3;52
v7;p1,p4;33
v8;p4;29
v9;p1,p3;45
"""


async def _import(client, factory, tenant, csrf, s, text: str, name: str = "small.pb", host: str | None = None):
    headers = await csrf(client)
    if host:
        headers = headers | {"Host": host}
    return await client.post(
        f"{s.base}/manage/import",
        files={"file": (name, text.encode("utf-8"), "text/plain")},
        headers=headers,
        follow_redirects=False,
    )


async def _imported_budget(factory, tenant, phase_id: int) -> Budget:
    from sqlalchemy import select

    async with factory.db.session(tenant.id) as session:
        return (await session.scalars(select(Budget).where(Budget.phase_id == phase_id).order_by(Budget.id))).all()[-1]


async def test_import_creates_options_and_ballots_and_results_equal_compute(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, state="ended", costs=())
    await voter(factory, client, tenant, role="admin")
    response = await _import(client, factory, tenant, csrf, s, SMALL_PB)
    assert response.status_code == 303, response.text
    budget = await _imported_budget(factory, tenant, s.phase.id)
    assert budget.amount == 10000 and budget.rule == "equalshares/add1"  # EUR: minor units
    assert await factory.count(Option, tenant.id, Option.budget_id == budget.id) == 4
    assert await factory.count(Ballot, tenant.id, Ballot.source == "import") == 9

    expected = compute(parse_pb(SMALL_PB))
    page = await client.get(f"{s.base}/results")
    assert page.status_code == 200
    section = page.text[page.text.index(f'id="result-{budget.id}"') :]
    funded = re.findall(r'<tr class="winner">\s*<th scope="row">([^<]+)</th>', section)
    names = {"p1": "Big park", "p2": "Bike lane", "p3": "Library hours", "p4": "Benches"}
    assert sorted(funded) == sorted(names[p] for p in expected.selected)
    assert "How the Method of Equal Shares paid" in section and "voters paid" in section
    assert "<meter" in section and "style=" not in page.text

    csv = await client.get(f"{s.base}/results/export/csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("budget,rule,option_code")
    selected_codes = {line.split(",")[2] for line in lines[1:] if line.endswith(",1")}
    assert selected_codes == set(expected.selected)
    xlsx = await client.get(f"{s.base}/results/export/xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

    log = await client.get(s.changes_url)
    assert "Options and ballots imported from a file" in log.text and "small.pb" in log.text


async def test_export_round_trip(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, state="ended", costs=())
    await voter(factory, client, tenant, role="admin")
    assert (await _import(client, factory, tenant, csrf, s, SMALL_PB)).status_code == 303
    budget = await _imported_budget(factory, tenant, s.phase.id)
    exported = await client.get(f"{s.base}/manage/budgets/{budget.id}/export.pb")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    original, again = parse_pb(SMALL_PB), parse_pb(exported.text)
    assert list(again.projects) == list(original.projects)
    assert [p.cost for p in again.projects.values()] == [p.cost for p in original.projects.values()]
    assert [p.name for p in again.projects.values()] == [p.name for p in original.projects.values()]
    assert [(v.id, v.vote, v.fields.get("age")) for v in again.voters] == [
        (v.id, v.vote, v.fields.get("age")) for v in original.voters
    ]
    assert again.budget == original.budget and again.rule == original.rule
    assert compute(again).selected == compute(original).selected


async def test_export_includes_online_and_paper_ballots(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, ballot_type="cumulative", points=4)
    admin = await voter(factory, client, tenant, role="admin")
    headers = await csrf(client)
    await client.post(
        s.cart_url, data={"action": "points", "option_id": str(s.options[1].id), "points": "3"}, headers=headers
    )
    assert (await client.post(s.submit_url, headers=headers, follow_redirects=False)).status_code == 303
    paper = await client.post(
        s.paper_url,
        data={"reference": "P-001", f"points.{s.options[0].id}": "2", f"points.{s.options[2].id}": "2"},
        headers=headers,
        follow_redirects=False,
    )
    assert paper.status_code == 303
    text = (await client.get(f"{s.base}/manage/budgets/{s.budget.id}/export.pb")).text
    election = parse_pb(text)
    assert election.vote_type == "cumulative" and election.meta["max_sum_points"] == "4"
    by_method = {v.fields["voting_method"]: (v.vote, v.points) for v in election.voters}
    assert by_method["internet"][0] == ("2",) and by_method["internet"][1] == (3,)
    assert by_method["paper"][0] == ("1", "3")
    assert admin.id  # the admin voted online as well


async def test_bad_files_are_refused_with_a_reason_and_nothing_written(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, costs=())
    await voter(factory, client, tenant, role="admin")
    bad = await _import(client, factory, tenant, csrf, s, "hello;world\n1;2\n", name="bad.pb")
    assert bad.status_code == 422 and "not a readable pabulib file" in bad.text
    pln = await _import(client, factory, tenant, csrf, s, SMALL_PB.replace("currency;EUR", "currency;PLN"))
    assert pln.status_code == 422 and "PLN" in pln.text
    unknown = await _import(client, factory, tenant, csrf, s, SMALL_PB.replace("v9;p1,p3", "v9;p1,p9"))
    assert unknown.status_code == 422
    assert await factory.count(Budget, tenant.id) == 1 and await factory.count(Ballot, tenant.id) == 0


async def test_results_hidden_until_the_phase_ends(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant)
    await voter(factory, client, tenant)
    headers = await csrf(client)
    await client.post(s.cart_url, data={"action": "add", "option_id": str(s.options[0].id)}, headers=headers)
    await client.post(s.submit_url, headers=headers)
    page = await client.get(f"{s.base}/results")
    assert page.status_code == 200 and "Results are published when voting closes" in page.text
    assert "Option 1" not in page.text and "<meter" not in page.text
    assert (await client.get(f"{s.base}/results/export/csv")).status_code == 403

    shown = await setup_phase(factory, tenant, show_results_before_end=True)
    page = await client.get(f"{shown.base}/results")
    assert "Option 1" in page.text and "<meter" in page.text


async def test_paper_ballots_are_counted_and_reported_separately(client, factory, tenant, csrf) -> None:
    s = await setup_phase(factory, tenant, state="active", show_results_before_end=True, amount=10000)
    await voter(factory, client, tenant, role="admin")
    headers = await csrf(client)
    for number in ("A1", "A2"):
        r = await client.post(
            s.paper_url,
            data={"reference": number, "option": [str(s.options[3].id)]},
            headers=headers,
            follow_redirects=False,
        )
        assert r.status_code == 303
    twice = await client.post(s.paper_url, data={"reference": "A1", "option": [str(s.options[0].id)]}, headers=headers)
    assert twice.status_code == 422 and "already been entered" in twice.text
    too_much = await client.post(
        s.paper_url,
        data={"reference": "A3", "option": [str(o.id) for o in s.options]},
        headers=headers,
    )
    assert too_much.status_code == 422 and "more than the budget" in too_much.text
    await voter(factory, client, tenant)
    headers = await csrf(client)  # CSRF tokens are bound to the session
    await client.post(s.cart_url, data={"action": "add", "option_id": str(s.options[0].id)}, headers=headers)
    await client.post(s.submit_url, headers=headers)
    page = await client.get(f"{s.base}/results")
    assert "Online: 1" in page.text and "Paper (entered by staff): 2" in page.text
    row = page.text[page.text.index("Option 4</th>") :]
    assert row.index("Funded") < row.index("</tr>")  # the paper votes decide: option 4 wins with 2 votes


REAL_FILES = [
    "Poland_Swiecie_2023.pb",
    "Poland_Krakow_2023_Nowa_Huta.pb",
    "Poland_Katowice_2023_Ligota_-_Panewniki.pb",
    "France_Toulouse_2019.pb",
    "Netherlands_Amsterdam_309.pb",
]


@pytest.mark.parametrize("name", REAL_FILES)
async def test_real_city_file_import_reproduces_compute(client, factory, csrf, name) -> None:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"shared pabulib data not available at {SHARED}")
    election = parse_pb(path)
    currency = election.meta.get("currency", "EUR")
    host = f"{currency.lower()}.test"
    tenant = await factory.tenant(host, currency=currency)
    s = await setup_phase(factory, tenant, state="ended", costs=())
    admin = await factory.user(tenant, role="admin")
    await factory.login(client, admin)
    await client.get("/", headers={"Host": host})  # a CSRF token of this municipality (tokens are bound to it)
    headers = {"x-csrftoken": client.cookies.get("csrftoken", ""), "Host": host}
    response = await client.post(
        f"{s.base}/manage/import",
        files={"file": (name, path.read_bytes(), "text/plain")},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[-2000:]
    from plugins.budgeting import services
    from plugins.budgeting.spec import BudgetingConfig

    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        from core.models import Phase

        budget = (await session.scalars(select(Budget).where(Budget.phase_id == s.phase.id).order_by(Budget.id))).all()[
            -1
        ]
        phase = await session.get(Phase, s.phase.id)
        config = BudgetingConfig(**phase.config)
        result = await services.tally(session, config, budget, await services.options_of(session, budget.id), currency)
    expected = compute(election)
    assert result.outcome is not None and result.outcome.selected == expected.selected
    assert result.ballots == len(election.voters)
