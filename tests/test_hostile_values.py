"""No 5xx on any route for any hostile value, as anonymous, resident and admin (core.testing.hostile)."""

from __future__ import annotations

import pytest

from core.testing.hostile import server_errors


# The admin walk reaches every route; the anonymous and resident walks repeat most of it in-process and run with
# -m slow, since tests/scale/test_class_walks.py walks every role against two workers on PostgreSQL in CI anyway.
@pytest.mark.parametrize(
    "role",
    [pytest.param("anonymous", marks=pytest.mark.slow), pytest.param("resident", marks=pytest.mark.slow), "admin"],
)
async def test_every_route_survives_hostile_values(app, client, factory, tenant, role: str) -> None:
    project = await factory.project(tenant, slug="hostile")
    phases = {key: (await factory.phase(project, key)).id for key in app.state.townhall.registry.methods}
    if role != "anonymous":
        await factory.login(client, await factory.user(tenant, role=role))
    failures = await server_errors(client, app, phases)
    assert not failures, "\n".join(failures[:40])


async def test_a_form_that_is_not_utf8_is_refused_and_nothing_is_stored(client, tenant, factory) -> None:
    from core.models import User

    await client.get("/register")
    csrf = client.cookies.get("csrftoken", "")
    body = (
        f"_csrf_token={csrf}&email=new%40example.org&display_name=Caf%E9&password=long+enough+password"
        "&password_confirm=long+enough+password&accept=1"
    ).encode()
    response = await client.post(
        "/nl/register", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400
    assert "geen geldige tekst" in response.text
    assert await factory.count(User, tenant.id) == 0


async def test_the_row_count_check_sees_every_table_and_a_new_row(app, tenant, factory) -> None:
    """The hostile walk's 'a refused request writes nothing' check is only as good as the tables it reads."""
    from core.testing.hostile import BOOKKEEPING, RowCounts, row_changes

    counts = RowCounts(app)
    assert {"user_account", "comment", "reaction", "ideation_idea", "budgeting_ballot"} <= set(counts.names)
    assert not BOOKKEEPING & set(counts.names)
    before = await counts.read()
    await factory.user(tenant)
    users = before["user_account"]
    assert row_changes(before, await counts.read()) == f"user_account {users}→{users + 1}"
