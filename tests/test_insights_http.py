"""The staff dashboard and a project's report through HTTP, per route and role: anonymous visitors are sent to sign
in, residents and moderators are refused (moderators read the report of their own projects), administrators see
them and download their tables; another municipality's project is a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.db.base import utcnow
from core.models import Comment, ProfileAnswer, ProfileQuestion

DASHBOARD = ("/admin/insights", "/admin/insights/export?format=csv")


def report_paths(project_id: int) -> tuple[str, ...]:
    return (f"/admin/projects/{project_id}/report", f"/admin/projects/{project_id}/report/export?format=xlsx")


@pytest.fixture
def townhall_plugins(townhall_all_plugins: list[Any]) -> list[Any]:
    return townhall_all_plugins


async def seed(factory: Any, tenant: Any) -> tuple[Any, Any]:
    project = await factory.project(tenant, title={"en": "Riverside park"})
    phase = await factory.phase(project, "ideation")
    people = [await factory.user(tenant) for _ in range(6)]
    async with factory.db.session(tenant.id, write=True) as session:
        gender = ProfileQuestion(kind="gender", label={"en": "Gender"}, purpose={"en": "x"},
                                 reference={"woman": 0.5, "man": 0.5}, reference_source="Census")  # fmt: skip
        session.add(gender)
        await session.flush()
        for i, person in enumerate(people):
            when = utcnow() - timedelta(weeks=i % 3)
            session.add(Comment(item_kind="ideation.idea", item_id=1, phase_id=phase.id, author_id=person.id,
                                created_at=when))  # fmt: skip
            session.add(ProfileAnswer(user_id=person.id, question_id=gender.id, value="man"))
    return project, phase


async def test_anonymous_visitors_are_sent_to_sign_in(client, factory, tenant) -> None:
    project, _phase = await seed(factory, tenant)
    for path in (*DASHBOARD, *report_paths(project.id)):
        got = await client.get(path, follow_redirects=False)
        assert got.status_code == 303 and got.headers["location"].startswith("/login"), path


async def test_residents_and_moderators_are_refused(client, factory, tenant) -> None:
    project, _phase = await seed(factory, tenant)
    other = await factory.project(tenant)
    await factory.login(client, await factory.user(tenant))
    for path in (*DASHBOARD, *report_paths(project.id), *report_paths(999999)):
        assert (await client.get(path)).status_code == 403, path
    client.cookies.clear()
    moderator = await factory.user(tenant)
    await factory.moderator(other, moderator)
    await factory.login(client, moderator)
    for path in (*DASHBOARD, *report_paths(project.id)):
        assert (await client.get(path)).status_code == 403, f"a moderator of another project: {path}"
    own = await client.get(f"/admin/projects/{other.id}/report")
    assert own.status_code == 200, "the report of a project they moderate, like its representativeness"
    assert 'href="/admin/settings"' not in own.text
    rep = await client.get(f"/admin/projects/{other.id}/representativeness")
    assert f'href="/admin/projects/{other.id}/report"' in rep.text, "reached from the representativeness page"


async def test_admin_reads_the_dashboard_and_downloads_it(client, factory, tenant) -> None:
    project, _phase = await seed(factory, tenant)
    await factory.login(client, await factory.user(tenant, role="admin"))
    admin = await client.get("/admin")
    assert 'href="/admin/insights"' in admin.text, "linked from the back office's navigation"
    page = await client.get("/admin/insights")
    assert page.status_code == 200
    text = page.text
    assert "Participants in all projects: 6." in text
    assert "<svg" in text and 'aria-hidden="true"' in text and text.count("<table") == 4
    assert "Riverside park" in text and f'href="/admin/projects/{project.id}/report"' in text
    assert "Ideas" in text or "Ideation" in text, "the method's name"
    assert "No area given" in text, "the municipality has no areas: all six are without one"
    csv_file = await client.get("/admin/insights/export?format=csv")
    assert csv_file.status_code == 200 and "attachment" in csv_file.headers["content-disposition"]
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Table,Row,Column,Value"
    assert "Participants per project,Riverside park,Participants,6" in lines
    xlsx = await client.get("/admin/insights/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    bad = await client.get("/admin/insights/export?format=pdf")
    assert bad.status_code == 400 and "Choose CSV or XLSX." in bad.text


async def test_admin_reads_and_downloads_a_project_report(client, factory, tenant) -> None:
    project, _phase = await seed(factory, tenant)
    await factory.login(client, await factory.user(tenant, role="admin"))
    page = await client.get(f"/admin/projects/{project.id}/report")
    assert page.status_code == 200
    text = page.text
    assert "Participants: 6." in text and "6 participants" in text
    # the ideation method's StatSpecs, shown for its phase
    assert "Ideas, comments, reactions and participants" in text and "Themes in the ideas" in text
    assert "Representativeness score" in text and "Under-represented: Woman." in text
    assert f'href="/admin/projects/{project.id}/report/export?format=csv"' in text
    csv_file = await client.get(f"/admin/projects/{project.id}/report/export?format=csv")
    assert csv_file.status_code == 200
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Table,Row,Column,Value"
    assert '"ideation phase: Ideas, comments, reactions and participants",Participants,Value,6' in lines
    assert "Participants per phase,ideation phase,Participants,6" in lines
    assert "Representativeness,Gender: Man,Participants,6" in lines
    assert "Representativeness,Gender: Woman,Participants," in lines
    assert (await client.get(f"/admin/projects/{project.id}/report/export?format=pdf")).status_code == 400
    assert (await client.get("/admin/projects/999999/report")).status_code == 404


async def test_another_municipality_gets_404(client, factory, tenant, other_tenant) -> None:
    project, _phase = await seed(factory, tenant)
    await factory.login(client, await factory.user(other_tenant, role="admin"))
    host = {"Host": "other.test"}
    for path in report_paths(project.id):
        assert (await client.get(path, headers=host)).status_code == 404, path
    page = await client.get("/admin/insights", headers=host)
    assert page.status_code == 200 and "Participants in all projects: 0." in page.text
    assert "Riverside park" not in page.text


async def test_the_demo_dashboard_is_meaningful_on_first_start(app, client, factory) -> None:
    from sqlalchemy import select

    from core.demo import seed as seed_demo
    from core.models import Tenant, User

    await seed_demo(app.state.townhall, "demo-password-1")
    async with factory.db.session(unscoped=True) as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "demo-city"))
    async with factory.db.session(tenant.id) as session:
        admin = await session.scalar(select(User).where(User.email == "admin@demo-city.example"))
    await factory.login(client, admin)
    page = await client.get("/admin/insights", headers={"Host": "localhost"})
    assert page.status_code == 200
    csv_file = await client.get("/admin/insights/export?format=csv", headers={"Host": "localhost"})
    rows = [line.split(",") for line in csv_file.content.decode("utf-8-sig").splitlines()[1:]]
    weeks = [int(r[-1]) for r in rows if r[0] == "Participants per week"]
    assert len(weeks) == 12 and sum(1 for n in weeks if n) >= 3, f"participants in several weeks: {weeks}"
    areas = {r[1]: r[-1] for r in rows if r[0] == "Participants per area of residence"}
    assert sum(1 for n in areas.values() if n) >= 2, f"at least two areas with enough people to show: {areas}"
    assert sum(1 for r in rows if r[0] == "Participants per project") >= 3
    assert sum(1 for r in rows if r[0] == "Participants per method") >= 3
