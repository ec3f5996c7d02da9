"""API tokens: created by admins with scopes and shown once, stored hashed, revocable, last use kept; and what they
open — a phase's exports and offline imports through the API, for every method through the registry."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from core.api.tokens import token_hash
from core.models import ApiToken, AuditEntry, User
from plugins.ideation.models import Idea

CSV = "title,description\nMore benches,In the shade\n,No title here\nA water fountain,Near the playground\n"


async def make_token(client: Any, csrf: Any, scopes: list[str], name: str = "Warehouse") -> str:
    response = await client.post(
        "/admin/tokens", data={"name": name, "scopes": scopes}, headers=await csrf(client), follow_redirects=False
    )
    assert response.status_code == 201, response.text[:500]
    found = re.search(r'id="new-token"[^>]*value="(th_[^"]+)"', response.text)
    assert found, "the new token is shown once"
    return found.group(1)


@pytest.fixture
async def staff(client, factory, tenant) -> Any:
    admin = await factory.user(tenant, role="admin")
    await factory.login(client, admin)
    return admin


@pytest.fixture
async def ideation_phase(factory, tenant) -> Any:
    return await factory.phase(await factory.project(tenant), "ideation")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_is_shown_once_and_stored_hashed(client, factory, tenant, csrf, staff) -> None:
    token = await make_token(client, csrf, ["exports:read"])
    async with factory.db.session(tenant.id) as session:
        row = await session.scalar(select(ApiToken))
        assert row.token_hash == token_hash(token) and token not in str(row.__dict__)
        assert row.prefix == token[:10] and row.scopes == ["exports:read"] and row.created_by == staff.id
        assert "api_token.created" in (await session.scalars(select(AuditEntry.action))).all()
    listing = await client.get("/admin/tokens")
    assert token not in listing.text and token[:10] in listing.text


async def test_exports_through_a_token_in_json_csv_and_xlsx(client, factory, tenant, csrf, staff, ideation_phase):
    token = await make_token(client, csrf, ["exports:read"])
    client.cookies.clear()  # a machine: no session, no CSRF cookie
    listed = await client.get(f"/api/v1/phases/{ideation_phase.id}/exports", headers=bearer(token))
    assert listed.status_code == 200
    assert {e["key"] for e in listed.json()} == {"ideas", "comments", "reactions"}
    as_json = await client.get(f"/api/v1/phases/{ideation_phase.id}/exports/ideas", headers=bearer(token))
    assert as_json.status_code == 200 and "header" in as_json.json()
    assert as_json.headers["cache-control"] == "no-store"
    as_csv = await client.get(f"/api/v1/phases/{ideation_phase.id}/exports/ideas?format=csv", headers=bearer(token))
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    as_xlsx = await client.get(f"/api/v1/phases/{ideation_phase.id}/exports/ideas?format=xlsx", headers=bearer(token))
    assert as_xlsx.status_code == 200 and as_xlsx.content[:2] == b"PK"
    bad = await client.get(f"/api/v1/phases/{ideation_phase.id}/exports/ideas?format=exe", headers=bearer(token))
    assert bad.status_code == 400
    async with factory.db.session(tenant.id) as session:
        assert (await session.scalar(select(ApiToken))).last_used_at is not None


async def test_no_wrong_revoked_or_foreign_token_opens_an_export(
    client, factory, tenant, other_tenant, csrf, staff, ideation_phase
) -> None:
    imports_only = await make_token(client, csrf, ["imports:write"], name="Scanner")
    revoked = await make_token(client, csrf, ["exports:read"], name="Old")
    async with factory.db.session(tenant.id) as session:
        revoked_id = await session.scalar(select(ApiToken.id).where(ApiToken.name == "Old"))
    await client.post(f"/admin/tokens/{revoked_id}/revoke", headers=await csrf(client))
    foreign_admin = await factory.user(other_tenant, role="admin")
    async with factory.db.session(other_tenant.id, write=True) as session:
        session.add(
            ApiToken(
                name="B",
                token_hash=token_hash("th_foreign"),
                prefix="th_foreig",
                scopes=["exports:read"],
                created_by=foreign_admin.id,
            )
        )
    path = f"/api/v1/phases/{ideation_phase.id}/exports/ideas"
    cases = {
        "none": ({}, 401),
        "not a bearer": ({"Authorization": "Basic abc"}, 401),
        "unknown": (bearer("th_nothing"), 401),
        "other municipality": (bearer("th_foreign"), 401),
        "revoked": (bearer(revoked), 401),
        "lacks the scope": (bearer(imports_only), 403),
    }
    for label, (headers, status) in cases.items():
        response = await client.get(path, headers=headers)
        assert response.status_code == status, label
        assert response.json()["detail"], label
        assert "header" not in response.text, label  # no data leaked with the refusal
    assert (await client.get(path)).status_code == 401, "an admin's browser session is no token"


async def test_a_token_stops_when_its_admin_is_no_longer_one(client, factory, tenant, csrf, staff, ideation_phase):
    token = await make_token(client, csrf, ["exports:read"])
    async with factory.db.session(tenant.id, write=True) as session:
        (await session.get(User, staff.id)).role = "resident"
    response = await client.get(f"/api/v1/phases/{ideation_phase.id}/exports", headers=bearer(token))
    assert response.status_code == 401


async def test_offline_ideas_import_through_a_token(client, factory, tenant, csrf, staff, ideation_phase) -> None:
    token = await make_token(client, csrf, ["imports:write"])
    client.cookies.clear()
    path = f"/api/v1/phases/{ideation_phase.id}/imports/ideation.ideas"
    files = {"file": ("ideas.csv", CSV.encode(), "text/csv")}
    dry = await client.post(path + "?dry_run=true", data={"source": "Town meeting"}, files=files, headers=bearer(token))
    assert dry.status_code == 201, dry.text
    assert dry.json()["imported"] == 0 and dry.json()["problems"][0]["row"] == 3
    async with factory.db.session(tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(Idea)) == 0
    done = await client.post(path, data={"source": "Town meeting"}, files=files, headers=bearer(token))
    assert done.status_code == 201, done.text
    body = done.json()
    assert (body["imported"], body["skipped"]) == (2, 1)
    async with factory.db.session(tenant.id) as session:
        titles = (await session.scalars(select(Idea.title).order_by(Idea.id))).all()
    assert titles == ["More benches", "A water fountain"]


async def test_imports_refuse_bad_input_with_nothing_written(client, factory, tenant, csrf, staff, ideation_phase):
    token = await make_token(client, csrf, ["imports:write"])
    path = f"/api/v1/phases/{ideation_phase.id}/imports/ideation.ideas"
    cases = [
        ({"source": ""}, {"file": ("ideas.csv", CSV.encode(), "text/csv")}, 422),
        ({"source": "Meeting"}, {"file": ("ideas.exe", b"MZ\x00\x00", "application/octet-stream")}, 422),
        ({"source": "Meeting"}, {"file": ("ideas.csv", b"title\n,\n", "text/csv")}, 422),
    ]
    for data, files, status in cases:
        response = await client.post(path, data=data, files=files, headers=bearer(token))
        assert response.status_code == status, response.text
    unknown = await client.post(
        f"/api/v1/phases/{ideation_phase.id}/imports/budgeting.paper",
        data={"source": "x"},
        files={"file": ("a.csv", b"a\n1\n", "text/csv")},
        headers=bearer(token),
    )
    assert unknown.status_code == 404
    async with factory.db.session(tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(Idea)) == 0


@pytest.mark.parametrize("role", ["anonymous", "resident"])
async def test_only_admins_manage_tokens(client, factory, tenant, csrf, role) -> None:
    if role == "resident":
        await factory.login(client, await factory.user(tenant))
    headers = await csrf(client)
    assert (await client.get("/admin/tokens", follow_redirects=False)).status_code in (303, 401, 403)
    posted = await client.post("/admin/tokens", data={"name": "x", "scopes": ["exports:read"]}, headers=headers)
    assert posted.status_code in (401, 403)
    async with factory.db.session(tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(ApiToken)) == 0


async def test_token_form_refuses_without_name_or_scope(client, csrf, staff) -> None:
    response = await client.post("/admin/tokens", data={"name": "", "scopes": ["root"]}, headers=await csrf(client))
    assert response.status_code == 422 and 'id="new-token"' not in response.text
