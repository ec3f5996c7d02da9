"""The municipality's back office, through HTTP: who may reach it, and what each page changes (or refuses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
import pytest
from msgspec import Meta
from sqlalchemy import select

from core import ActionSpec, MethodSpec, MultiLoc, PhasePanel, hookimpl
from core.db.base import utcnow
from core.models import (
    ApiToken,
    Area,
    AuditEntry,
    AuthSession,
    Phase,
    ProfileQuestion,
    Project,
    ProjectArea,
    ProjectModerator,
    ProjectTopic,
    Tenant,
    Topic,
    User,
    Webhook,
)
from core.testing import HTMX_HEADERS

# --- a tiny method plugin for these tests ----------------------------------------------------------------------

LOCK_REASON = "ballots have already been cast"
LOCKED_PHASES: set[int] = set()


class Rules(msgspec.Struct, kw_only=True):
    per_person: Annotated[int, Meta(ge=1, le=20)] = 3


class DummyConfig(msgspec.Struct, kw_only=True):
    open_for_input: bool = True
    max_items: Annotated[int, Meta(ge=0, le=100)] = 10
    layout: Literal["cards", "list"] = "cards"
    note: str = ""
    rules: Rules = msgspec.field(default_factory=Rules)
    welcome: MultiLoc = {}


async def _render(pctx: Any) -> PhasePanel:
    return PhasePanel(template="error.html", context={"title": "dummy", "detail": ""})


async def _locked(session: Any, phase: Any) -> str | None:
    return LOCK_REASON if phase.id in LOCKED_PHASES else None


class DummyPlugin:
    @hookimpl
    def register_methods(self) -> list[Any]:
        return [
            MethodSpec(
                key="dummyvote",
                label="Dummy vote",
                description="A method for tests",
                config=DummyConfig,
                render_phase=_render,
                actions=(
                    ActionSpec("dummyvote.post", "Post", "registered", needs_account=False),
                    ActionSpec("dummyvote.vote", "Vote", "verified"),
                ),
                config_labels={"max_items": "Most items per person", "layout:list": "As a list"},
                config_locked=_locked,
                dates_locked=True,
            ),
            MethodSpec(
                key="otherway",
                label="Other way",
                description="A second method, not enabled by default in some tests",
                config=Rules,
                render_phase=_render,
            ),
        ]


PLUGIN = DummyPlugin()


@pytest.fixture
def townhall_plugins() -> list[Any]:
    return [PLUGIN]


@pytest.fixture
def townhall_settings(townhall_settings: Any) -> Any:
    # Only this module's plugin: the method list and enabled methods stay the same whatever else is installed.
    return msgspec.structs.replace(townhall_settings, load_entry_points=False)


@pytest.fixture(autouse=True)
def _unlock() -> Any:
    LOCKED_PHASES.clear()
    yield
    LOCKED_PHASES.clear()


@pytest.fixture
async def admin(factory: Any, tenant: Any) -> Any:
    return await factory.user(tenant, role="admin", display_name="Ada Admin", email="ada@example.org")


@pytest.fixture
async def admin_client(client: Any, factory: Any, admin: Any) -> Any:
    await factory.login(client, admin)
    return client


def token(client: Any) -> str:
    return client.cookies.get("csrftoken", "")


async def post(client: Any, path: str, data: dict | list | None = None, **kwargs: Any) -> Any:
    if "csrftoken" not in client.cookies:
        await client.get("/")
    items = list(data.items()) if isinstance(data, dict) else list(data or [])
    flat: list[tuple[str, str]] = []
    for key, value in items:
        for v in value if isinstance(value, list) else [value]:
            flat.append((key, str(v)))
    flat.append(("_csrf_token", token(client)))
    headers = kwargs.pop("headers", {})
    if "files" in kwargs:
        return await client.post(path, data=dict(flat), headers=headers, follow_redirects=False, **kwargs)
    return await client.post(
        path,
        content=_urlencode(flat),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def _urlencode(items: list[tuple[str, str]]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(items).encode()


async def audit_actions(factory: Any, tenant: Any) -> list[str]:
    async with factory.db.session(tenant.id) as session:
        return list((await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all())


def local(dt: datetime, tz: str = "UTC") -> str:
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


def phase_form(start: str, end: str, method: str = "dummyvote", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"title.en": "Vote phase", "starts_at": start, "ends_at": end, "method": method}
    data.update(extra)
    return data


# --- access --------------------------------------------------------------------------------------------------

GET_PATHS = [
    "/admin",
    "/admin/settings",
    "/admin/embed",
    "/admin/tokens",
    "/admin/webhooks",
    "/admin/demographics",
    "/admin/insights",
    "/admin/insights/export?format=csv",
    "/admin/areas",
    "/admin/areas/new",
    "/admin/areas/{area}",
    "/admin/topics",
    "/admin/topics/new",
    "/admin/topics/{topic}",
    "/admin/projects",
    "/admin/projects/new",
    "/admin/projects/{project}",
    "/admin/projects/{project}/phases/new",
    "/admin/projects/{project}/phases/{phase}",
    "/admin/projects/{project}/phases/method-fields?method=dummyvote",
    "/admin/projects/{project}/retention",
    "/admin/users",
    "/admin/users/{user}",
    "/admin/audit",
    "/admin/style",
]
POST_PATHS = [
    "/admin/settings",
    "/admin/embed",
    "/admin/tokens",
    "/admin/tokens/{token}/revoke",
    "/admin/webhooks",
    "/admin/webhooks/{webhook}/delete",
    "/admin/demographics",
    "/admin/demographics/{question}/reference",
    "/admin/demographics/{question}/reference/file",
    "/admin/demographics/{question}/delete",
    "/admin/areas/new",
    "/admin/areas/{area}",
    "/admin/areas/{area}/delete",
    "/admin/topics/new",
    "/admin/topics/{topic}",
    "/admin/topics/{topic}/delete",
    "/admin/projects/new",
    "/admin/projects/{project}",
    "/admin/projects/{project}/publish",
    "/admin/projects/{project}/phases/new",
    "/admin/projects/{project}/phases/{phase}",
    "/admin/projects/{project}/phases/{phase}/delete",
    "/admin/users/{user}/role",
    "/admin/users/{user}/verify",
    "/admin/users/{user}/ban",
]


@pytest.fixture
async def world(factory: Any, tenant: Any) -> dict[str, int]:
    """One of everything in the tenant, so every admin route has a real id to aim at."""
    project = await factory.project(tenant)
    phase = await factory.phase(project, "dummyvote")
    user = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        area, topic = Area(name={"en": "North"}), Topic(name={"en": "Parks"})
        token = ApiToken(name="Warehouse", token_hash="0" * 64, prefix="th_0", scopes=["exports:read"])
        hook = Webhook(url="https://hooks.example/x", events=["phase.opened"], secret="s" * 64)
        question = ProfileQuestion(kind="gender", label={"en": "Gender"}, purpose={"en": "To compare"})
        session.add_all([area, topic, token, hook, question])
        await session.flush()
        ids = {"area": area.id, "topic": topic.id, "token": token.id, "webhook": hook.id, "question": question.id}
    return {"project": project.id, "phase": phase.id, "user": user.id, **ids}


def test_every_admin_route_is_listed() -> None:
    """The access tests below cover every route the admin router mounts."""
    from core.web import admin

    mounted = set()
    for route in admin.admin_router.routes:
        for method in route.methods - {"HEAD", "OPTIONS"}:
            mounted.add((method, route.path.rstrip("/")))
    listed = {("GET", p.split("?")[0]) for p in GET_PATHS} | {("POST", p) for p in POST_PATHS}
    normalised = {
        (
            m,
            p.replace("{project_id:int}", "{project}")
            .replace("{phase_id:int}", "{phase}")
            .replace("{user_id:int}", "{user}")
            .replace("{token_id:int}", "{token}")
            .replace("{webhook_id:int}", "{webhook}")
            .replace("{question_id:int}", "{question}")
            .replace("{term_id:int}", "{area}" if "/areas/" in p else "{topic}"),
        )
        for m, p in mounted
    }
    assert normalised == listed


async def test_non_admins_are_kept_out_of_every_route(client: Any, factory: Any, tenant: Any, world: dict) -> None:
    for path in GET_PATHS:
        response = await client.get(path.format(**world), follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2Fadmin"), path
    attempt = {"title.en": "x", "name.en": "x", "role": "admin", "verified": "1"}
    for path in POST_PATHS:
        assert (await post(client, path.format(**world), attempt)).status_code == 401, path
    await factory.login(client, await factory.user(tenant))
    for path in GET_PATHS:
        assert (await client.get(path.format(**world), follow_redirects=False)).status_code == 403, path
    for path in POST_PATHS:
        assert (await post(client, path.format(**world), attempt)).status_code == 403, path
    assert await audit_actions(factory, tenant) == []
    assert await factory.count(User, tenant.id, User.role == "admin") == 0
    assert await factory.count(User, tenant.id, User.verified.is_(True)) == 0
    assert await factory.count(Phase, tenant.id) == 1 and await factory.count(Area, tenant.id) == 1


async def test_admin_sees_every_page(admin_client: Any, world: dict) -> None:
    for path in GET_PATHS:
        response = await admin_client.get(path.format(**world))
        assert response.status_code == 200, path
        assert "<h1>" in response.text or 'id="method-fields"' in response.text or "/export" in path, path


async def test_admin_of_another_tenant_gets_404_for_ids_here(
    client: Any, factory: Any, tenant: Any, other_tenant: Any, world: dict
) -> None:
    other_admin = await factory.user(other_tenant, role="admin")
    await factory.login(client, other_admin)
    host = {"Host": "other.test"}
    for path in GET_PATHS:
        if "{" not in path:
            continue
        response = await client.get(path.format(**world), headers=host)
        assert response.status_code == 404, path
    await client.get("/", headers=host)
    for path in POST_PATHS:
        if "{" not in path:
            continue
        response = await post(
            client, path.format(**world), {"title.en": "Hijack", "name.en": "Hijack", "role": "admin"}, headers=host
        )
        assert response.status_code == 404, path
    project = await factory.reload(Project, world["project"], tenant.id)
    assert project.title == {"en": "A project"}
    assert await factory.count(Phase, tenant.id) == 1
    assert await factory.count(Area, tenant.id) == 1 and await factory.count(Topic, tenant.id) == 1
    assert await audit_actions(factory, tenant) == []


# --- dashboard, areas, topics --------------------------------------------------------------------------------


async def test_dashboard_lists_projects_by_status_with_phases(admin_client: Any, factory: Any, tenant: Any) -> None:
    draft = await factory.project(tenant, status="draft", title={"en": "Draft plan"})
    await factory.project(tenant, status="archived", title={"en": "Old plan"})
    await factory.phase(draft, "dummyvote", title={"en": "Voting round"})
    await factory.phase(await factory.project(tenant, title={"en": "Live plan"}), "gone")
    response = await admin_client.get("/admin")
    assert response.status_code == 200
    text = response.text
    assert text.index("Draft plan") < text.index("Live plan") < text.index("Old plan")
    assert "Voting round" in text and "Open now" in text
    assert "Method unavailable: gone" in text


async def test_areas_create_edit_delete_with_audit(admin_client: Any, factory: Any, tenant: Any) -> None:
    response = await post(
        admin_client, "/admin/areas/new", {"name.en": "Centre", "name.nl": "Centrum", "position": "2"}
    )
    assert response.status_code == 303
    async with factory.db.session(tenant.id) as session:
        area = await session.scalar(select(Area))
    assert area.name == {"en": "Centre", "nl": "Centrum"} and area.position == 2
    listing = await admin_client.get("/admin/areas")
    assert "Centre" in listing.text
    response = await post(admin_client, f"/admin/areas/{area.id}", {"name.en": "City centre", "position": "1"})
    assert response.status_code == 303
    assert (await factory.reload(Area, area.id, tenant.id)).name == {"en": "City centre"}
    response = await post(admin_client, f"/admin/areas/{area.id}/delete")
    assert response.status_code == 303
    assert await factory.count(Area, tenant.id) == 0
    assert await audit_actions(factory, tenant) == ["area.created", "area.updated", "area.deleted"]


async def test_topic_name_is_required_in_the_default_locale(admin_client: Any, factory: Any, tenant: Any) -> None:
    response = await post(admin_client, "/admin/topics/new", {"name.nl": "Alleen Nederlands", "position": "1"})
    assert response.status_code == 422
    assert 'id="name.en-error"' in response.text and "error-summary" in response.text
    response = await post(admin_client, "/admin/topics/new", {"name.en": "Mobility", "position": "x"})
    assert response.status_code == 422
    assert await factory.count(Topic, tenant.id) == 0
    response = await post(admin_client, "/admin/topics/new", {"name.en": "Mobility"})
    assert response.status_code == 303
    assert await factory.count(Topic, tenant.id) == 1


# --- settings ------------------------------------------------------------------------------------------------

GOOD_SETTINGS = {
    "name.en": "Springfield",
    "name.nl": "Springveld",
    "logo_url": "https://example.org/logo.png",
    "primary_color": "#112233",
    "accent_color": "#445566",
    "locales": ["en", "nl"],
    "default_locale": "nl",
    "timezone": "Europe/Amsterdam",
    "currency": "eur",
    "population": "12345",
    "enabled_methods": ["dummyvote"],
    "south": "52.0",
    "west": "4.5",
    "north": "52.5",
    "east": "5.0",
}


async def test_settings_are_saved(admin_client: Any, factory: Any, tenant: Any) -> None:
    response = await post(admin_client, "/admin/settings", GOOD_SETTINGS)
    assert response.status_code == 303, response.text
    saved = await factory.reload(Tenant, tenant.id, tenant.id)
    assert saved.name == {"en": "Springfield", "nl": "Springveld"}
    assert (saved.primary_color, saved.accent_color) == ("#112233", "#445566")
    assert saved.locales == ["en", "nl"] and saved.default_locale == "nl"
    assert (saved.timezone, saved.currency, saved.population) == ("Europe/Amsterdam", "EUR", 12345)
    assert saved.enabled_methods == ["dummyvote"]
    assert saved.bounds == {"south": 52.0, "west": 4.5, "north": 52.5, "east": 5.0}
    assert saved.logo_url == "https://example.org/logo.png"
    assert await audit_actions(factory, tenant) == ["tenant.settings_changed"]
    page = await admin_client.get("/admin/settings")
    assert 'value="Europe/Amsterdam"' in page.text
    theme = await admin_client.get("/theme.css")
    assert "#112233" in theme.text


BAD_SETTINGS_CASES = [
    ("primary_color", "red"),
    ("primary_color", "#12345g"),
    ("accent_color", "#1234567"),
    ("accent_color", "#123\x00ab"),
    ("timezone", "Mars/Olympus"),
    ("timezone", ""),
    ("currency", "XYZ"),
    ("currency", "EURO"),
    ("population", "-5"),
    ("population", "many"),
    ("population", "9" * 30),
    ("default_locale", "fr"),
    ("locales", ["en", "xx"]),
    ("locales", []),
    ("enabled_methods", ["dummyvote", "notinstalled"]),
    ("south", "abc"),
    ("north", "51.0"),
    ("east", "200"),
    ("west", "nan"),
    ("logo_url", "javascript:alert(1)"),
    ("logo_url", "//evil.example/x.png"),
    ("name.nl", ""),
    ("name.nl", "x" * 30000),
]


async def test_bad_settings_are_refused_and_nothing_changes(admin_client: Any, factory: Any, tenant: Any) -> None:
    for field, value in BAD_SETTINGS_CASES:
        response = await post(admin_client, "/admin/settings", {**GOOD_SETTINGS, field: value})
        assert response.status_code == 422, (field, value)
        assert "error-summary" in response.text
        saved = await factory.reload(Tenant, tenant.id, tenant.id)
        assert saved.timezone == tenant.timezone and saved.primary_color == tenant.primary_color
        assert saved.name == tenant.name and saved.bounds is None
        assert await audit_actions(factory, tenant) == []


# --- projects ------------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_project_create_with_areas_topics_moderators_and_image(
    admin_client: Any, factory: Any, tenant: Any, world: dict, admin: Any
) -> None:
    response = await post(
        admin_client,
        "/admin/projects/new",
        {
            "title.en": "Green squares",
            "title.fr": "Places vertes",
            "description.en": "Plant **trees**.",
            "slug": "",
            "status": "published",
            "areas": [world["area"]],
            "topics": [world["topic"]],
            "moderators": [world["user"]],
        },
        files={"image": ("photo.txt", PNG, "text/plain")},
    )
    assert response.status_code == 303, response.text
    async with factory.db.session(tenant.id) as session:
        project = await session.scalar(select(Project).where(Project.slug == "green-squares"))
        assert project is not None
        assert project.title == {"en": "Green squares", "fr": "Places vertes"}
        assert project.status == "published"
        assert (await session.scalars(select(ProjectArea.area_id))).all() == [world["area"]]
        assert (await session.scalars(select(ProjectTopic.topic_id))).all() == [world["topic"]]
        assert (await session.scalars(select(ProjectModerator.user_id))).all() == [world["user"]]
    assert project.image_path and project.image_path.endswith(".png") and "photo" not in project.image_path
    image = await admin_client.get(f"/media/projects/{project.image_path}")
    assert image.status_code == 200 and image.content == PNG and image.headers["content-type"] == "image/png"
    assert "project.created" in await audit_actions(factory, tenant)

    # Edit: drop the area and the moderator, keep the topic; the image stays.
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}",
        {"title.en": "Green squares", "slug": "green-squares", "status": "archived", "topics": [world["topic"]]},
    )
    assert response.status_code == 303
    async with factory.db.session(tenant.id) as session:
        assert (await session.scalars(select(ProjectArea.area_id))).all() == []
        assert (await session.scalars(select(ProjectModerator.user_id))).all() == []
        assert (await session.scalars(select(ProjectTopic.topic_id))).all() == [world["topic"]]
    edited = await factory.reload(Project, project.id, tenant.id)
    assert edited.status == "archived" and edited.image_path == project.image_path
    actions = await audit_actions(factory, tenant)
    assert actions[-1] == "project.updated"


async def test_project_image_is_not_served_to_another_tenant(
    admin_client: Any, factory: Any, tenant: Any, other_tenant: Any
) -> None:
    response = await post(
        admin_client,
        "/admin/projects/new",
        {"title.en": "Pics", "status": "published"},
        files={"image": ("a.png", PNG, "image/png")},
    )
    assert response.status_code == 303
    async with factory.db.session(tenant.id) as session:
        name = (await session.scalar(select(Project))).image_path
    assert (await admin_client.get(f"/media/projects/{name}")).status_code == 200
    assert (await admin_client.get(f"/media/projects/{name}", headers={"Host": "other.test"})).status_code == 404
    assert (await admin_client.get("/media/projects/..%2f..%2fetc%2fpasswd")).status_code == 404


BAD_PROJECT_CASES = [
    ({"title.en": ""}, None, "title.en"),
    ({"title.en": "x" * 201}, None, "title.en"),
    ({"title.en": "a\x00b"}, None, "_form"),
    ({"title.en": "ok", "description.en": "y" * 25000}, None, "_form"),
    ({"title.en": "ok", "slug": "Bad Slug!"}, None, "slug"),
    ({"title.en": "ok", "slug": "taken"}, None, "slug"),
    ({"title.en": "ok", "status": "secret"}, None, "status"),
    ({"title.en": "ok", "areas": ["999999"]}, None, "areas"),
    ({"title.en": "ok", "topics": ["abc"]}, None, "topics"),
    ({"title.en": "ok", "moderators": ["424242"]}, None, "moderators"),
    ({"title.en": "ok"}, {"image": ("x.png", b"GIF89a" + b"\x00" * 20, "image/png")}, "image"),
    ({"title.en": "ok"}, {"image": ("x.png", PNG + b"\x00" * (6 * 1024 * 1024), "image/png")}, "image"),
]


async def test_bad_project_input_is_refused(admin_client: Any, factory: Any, tenant: Any) -> None:
    await factory.project(tenant, slug="taken")
    for data, files, field in BAD_PROJECT_CASES:
        payload = {"status": "draft", **data}
        kwargs = {"files": files} if files else {}
        response = await post(admin_client, "/admin/projects/new", payload, **kwargs)
        assert response.status_code == 422, field
        assert "error-summary" in response.text
        assert f'href="#{field}"' in response.text or field == "_form"
        assert await factory.count(Project, tenant.id) == 1
        assert await audit_actions(factory, tenant) == []


async def test_project_from_another_tenant_cannot_be_linked(
    admin_client: Any, factory: Any, tenant: Any, other_tenant: Any
) -> None:
    async with factory.db.session(other_tenant.id, write=True) as session:
        foreign = Area(name={"en": "Elsewhere"})
        session.add(foreign)
        await session.flush()
        foreign_id = foreign.id
    foreign_user = await factory.user(other_tenant)
    for data in ({"areas": [foreign_id]}, {"moderators": [foreign_user.id]}):
        response = await post(admin_client, "/admin/projects/new", {"title.en": "x", "status": "draft", **data})
        assert response.status_code == 422
    assert await factory.count(Project, tenant.id) == 0


# --- phases --------------------------------------------------------------------------------------------------


@pytest.fixture
async def project(factory: Any, tenant: Any) -> Any:
    return await factory.project(tenant, title={"en": "Budget 2027"})


async def test_phase_dates_are_read_in_the_tenant_time_zone(
    admin_client: Any, factory: Any, tenant: Any, project: Any
) -> None:
    async with factory.db.session(unscoped=True, write=True) as session:
        row = await session.get(Tenant, tenant.id)
        row.timezone = "Europe/Amsterdam"
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/new",
        phase_form(
            "2027-01-10T09:00",
            "2027-07-01T18:30",
            **{"config_for": "dummyvote"},
            **{
                "config.open_for_input": "1",
                "config.max_items": "5",
                "config.layout": "list",
                "config.note": "",
                "config.rules.per_person": "2",
                "perm.dummyvote.post.level": "registered",
                "perm.dummyvote.vote.level": "verified",
            },
        ),
    )
    assert response.status_code == 303, response.text
    async with factory.db.session(tenant.id) as session:
        phase = await session.scalar(select(Phase))
    assert phase.starts_at == datetime(2027, 1, 10, 8, 0, tzinfo=UTC)  # CET, UTC+1
    assert phase.ends_at == datetime(2027, 7, 1, 16, 30, tzinfo=UTC)  # CEST, UTC+2
    assert phase.config == {
        "open_for_input": True,
        "max_items": 5,
        "layout": "list",
        "note": "",
        "rules": {"per_person": 2},
        "welcome": {},
    }
    page = await admin_client.get(f"/admin/projects/{project.id}/phases/{phase.id}")
    assert 'value="2027-01-10T09:00"' in page.text and 'value="2027-07-01T18:30"' in page.text
    assert "Most items per person" in page.text and "As a list" in page.text
    actions = await audit_actions(factory, tenant)
    assert actions[:2] == ["phase.created", "phase.config_changed"]


async def test_phase_without_config_fields_gets_the_method_defaults(
    admin_client: Any, factory: Any, tenant: Any, project: Any
) -> None:
    now = utcnow()
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/new",
        phase_form(local(now + timedelta(days=1)), local(now + timedelta(days=5))),
    )
    assert response.status_code == 303
    async with factory.db.session(tenant.id) as session:
        phase = await session.scalar(select(Phase))
    assert phase.config == msgspec.to_builtins(DummyConfig())
    assert phase.permissions == {
        "dummyvote.post": {"level": "registered", "areas": []},
        "dummyvote.vote": {"level": "verified", "areas": []},
    }


BAD_PERIOD_CASES = [
    ("2027-03-05T10:00", "2027-03-05T09:00", "ends_at", "The end must be after the start."),
    ("2027-03-05T10:00", "2027-03-05T10:00", "ends_at", "The end must be after the start."),
    ("2027-02-20T00:00", "2027-03-02T00:00", "starts_at", "overlaps the phase"),
    ("2027-03-01T12:00", "2027-03-01T13:00", "starts_at", "overlaps the phase"),
    ("", "2027-03-05T09:00", "starts_at", "Enter a date and time."),
    ("tomorrow", "2027-03-05T09:00", "starts_at", "Enter a date and time."),
    ("2027-13-01T10:00", "2027-14-05T09:00", "starts_at", "Enter a date and time."),
    ("1850-01-01T10:00", "2027-03-05T09:00", "starts_at", "Enter a date and time."),
]


async def test_bad_phase_periods_are_refused(admin_client: Any, factory: Any, tenant: Any, project: Any) -> None:
    await factory.phase(
        project,
        "dummyvote",
        title={"en": "First round"},
        starts_at=datetime(2027, 2, 1, tzinfo=UTC),
        ends_at=datetime(2027, 3, 2, tzinfo=UTC),
    )
    for start, end, field, message in BAD_PERIOD_CASES:
        response = await post(admin_client, f"/admin/projects/{project.id}/phases/new", phase_form(start, end))
        assert response.status_code == 422, (start, end)
        assert f'id="{field}-error"' in response.text
        assert message in response.text
        if "overlaps" in message:
            assert "First round" in response.text
        assert await factory.count(Phase, tenant.id) == 1
        assert await audit_actions(factory, tenant) == []


async def test_back_to_back_phases_are_allowed_and_editing_ignores_itself(
    admin_client: Any, factory: Any, tenant: Any, project: Any
) -> None:
    first = await factory.phase(
        project, "dummyvote", starts_at=datetime(2027, 2, 1, tzinfo=UTC), ends_at=datetime(2027, 3, 1, tzinfo=UTC)
    )
    response = await post(
        admin_client, f"/admin/projects/{project.id}/phases/new", phase_form("2027-03-01T00:00", "2027-04-01T00:00")
    )
    assert response.status_code == 303
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/{first.id}",
        phase_form("2027-01-15T00:00", "2027-03-01T00:00"),
    )
    assert response.status_code == 303
    assert (await factory.reload(Phase, first.id, tenant.id)).starts_at == datetime(2027, 1, 15, tzinfo=UTC)


async def test_method_must_be_installed_and_enabled(admin_client: Any, factory: Any, tenant: Any, project: Any) -> None:
    async with factory.db.session(unscoped=True, write=True) as session:
        row = await session.get(Tenant, tenant.id)
        row.enabled_methods = ["dummyvote"]
    for method in ("otherway", "nosuchmethod", ""):
        response = await post(
            admin_client,
            f"/admin/projects/{project.id}/phases/new",
            phase_form("2027-01-01T00:00", "2027-02-01T00:00", method=method),
        )
        assert response.status_code == 422, method
        assert 'id="method-error"' in response.text
    form_page = await admin_client.get(f"/admin/projects/{project.id}/phases/new")
    assert 'value="dummyvote"' in form_page.text and 'value="otherway"' not in form_page.text
    fragment = await admin_client.get(
        f"/admin/projects/{project.id}/phases/method-fields?method=otherway", headers=HTMX_HEADERS
    )
    assert fragment.status_code == 404
    assert await factory.count(Phase, tenant.id) == 0


async def test_a_phase_keeps_a_method_disabled_later(
    admin_client: Any, factory: Any, tenant: Any, project: Any
) -> None:
    phase = await factory.phase(project, "otherway", state="upcoming")
    async with factory.db.session(unscoped=True, write=True) as session:
        row = await session.get(Tenant, tenant.id)
        row.enabled_methods = ["dummyvote"]
    page = await admin_client.get(f"/admin/projects/{project.id}/phases/{phase.id}")
    assert page.status_code == 200 and 'value="otherway" selected' in page.text
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/{phase.id}",
        phase_form(
            local(phase.starts_at),
            local(phase.ends_at),
            method="otherway",
            **{"config_for": "otherway", "config.per_person": "7"},
        ),
    )
    assert response.status_code == 303, response.text
    assert (await factory.reload(Phase, phase.id, tenant.id)).config == {"per_person": 7}


async def test_method_change_fragment_for_htmx(admin_client: Any, project: Any) -> None:
    response = await admin_client.get(
        f"/admin/projects/{project.id}/phases/method-fields?method=otherway", headers=HTMX_HEADERS
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="method-fields">')
    assert 'name="config_for" value="otherway"' in response.text
    assert 'name="config.per_person"' in response.text and "<html" not in response.text
    page = await admin_client.get(f"/admin/projects/{project.id}/phases/new")
    assert f'hx-get="/admin/projects/{project.id}/phases/method-fields"' in page.text


async def test_config_round_trip_and_audit(admin_client: Any, factory: Any, tenant: Any, project: Any) -> None:
    phase = await factory.phase(project, "dummyvote", state="upcoming", config={"max_items": 4})
    page = await admin_client.get(f"/admin/projects/{project.id}/phases/{phase.id}")
    assert 'name="config.max_items" type="number" value="4"' in page.text
    assert 'min="0" max="100" step="1"' in page.text
    data = phase_form(
        local(phase.starts_at),
        local(phase.ends_at),
        **{
            "config_for": "dummyvote",
            "config.max_items": "12",
            "config.layout": "list",
            "config.note": "Bring a friend",
            "config.rules.per_person": "5",
            "perm.dummyvote.post.level": "registered",
            "perm.dummyvote.vote.level": "verified",
        },
    )
    response = await post(admin_client, f"/admin/projects/{project.id}/phases/{phase.id}", data)
    assert response.status_code == 303
    saved = await factory.reload(Phase, phase.id, tenant.id)
    assert saved.config == {
        "open_for_input": False,
        "max_items": 12,
        "layout": "list",
        "note": "Bring a friend",
        "rules": {"per_person": 5},
        "welcome": {},
    }
    async with factory.db.session(tenant.id) as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "phase.config_changed"))
    assert entry.public is True
    assert entry.data["before"] == {"max_items": 4}
    assert entry.data["after"]["max_items"] == 12
    page = await admin_client.get(f"/admin/projects/{project.id}/phases/{phase.id}")
    assert 'value="Bring a friend"' in page.text and 'value="list" selected' in page.text
    # Saving the same values again is not a config change.
    response = await post(admin_client, f"/admin/projects/{project.id}/phases/{phase.id}", data)
    assert response.status_code == 303
    assert (await audit_actions(factory, tenant)).count("phase.config_changed") == 1


BAD_CONFIG_CASES = [
    ("config.max_items", "101", "Enter a number of at most 100."),
    ("config.max_items", "ten", "Enter a whole number."),
    ("config.max_items", "", "This field is required."),
    ("config.layout", "grid", "Choose one of the offered options."),
    ("config.rules.per_person", "0", "Enter a number of at least 1."),
    ("perm.dummyvote.vote.level", "gods", "Choose one of the offered options."),
    ("perm.dummyvote.vote.areas", "999999", "Choose among the offered options."),
]


async def test_bad_config_is_refused_on_its_field(admin_client: Any, factory: Any, tenant: Any, project: Any) -> None:
    phase = await factory.phase(project, "dummyvote", state="upcoming")
    for field, value, message in BAD_CONFIG_CASES:
        data = phase_form(
            local(phase.starts_at),
            local(phase.ends_at),
            **{
                "config_for": "dummyvote",
                "config.max_items": "3",
                "config.layout": "cards",
                "config.rules.per_person": "2",
                "perm.dummyvote.post.level": "registered",
                "perm.dummyvote.vote.level": "verified",
            },
        )
        data[field] = value
        response = await post(admin_client, f"/admin/projects/{project.id}/phases/{phase.id}", data)
        assert response.status_code == 422, field
        assert message in response.text and f'href="#{field}"' in response.text, field
        # The submitted (wrong) value is shown again, not the stored one.
        if field == "config.max_items" and value:
            assert f'value="{value}"' in response.text
        saved = await factory.reload(Phase, phase.id, tenant.id)
        assert saved.config == {} and saved.permissions == {}
        assert await audit_actions(factory, tenant) == []


async def test_locked_config_is_refused_with_the_reason(
    admin_client: Any, factory: Any, tenant: Any, project: Any
) -> None:
    phase = await factory.phase(project, "dummyvote", config={"max_items": 4})
    LOCKED_PHASES.add(phase.id)
    base = {
        "config_for": "dummyvote",
        "config.layout": "cards",
        "config.rules.per_person": "3",
        "perm.dummyvote.post.level": "registered",
        "perm.dummyvote.vote.level": "verified",
    }
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/{phase.id}",
        phase_form(local(phase.starts_at), local(phase.ends_at), **base, **{"config.max_items": "9"}),
    )
    assert response.status_code == 422
    assert LOCK_REASON in response.text
    assert (await factory.reload(Phase, phase.id, tenant.id)).config == {"max_items": 4}
    # Switching the method away is a config change too.
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/{phase.id}",
        phase_form(local(phase.starts_at), local(phase.ends_at), method="otherway"),
    )
    assert response.status_code == 422 and LOCK_REASON in response.text
    # Deleting is refused as well.
    response = await post(admin_client, f"/admin/projects/{project.id}/phases/{phase.id}/delete")
    assert response.status_code == 409 and LOCK_REASON in response.text
    assert await factory.count(Phase, tenant.id) == 1
    # Other edits (the title) that leave the config alone still work.
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/{phase.id}",
        phase_form(
            local(phase.starts_at),
            local(phase.ends_at),
            **{**base, "config.max_items": "4", "config.open_for_input": "1", "title.en": "Renamed"},
        ),
    )
    assert response.status_code == 303, response.text
    assert (await factory.reload(Phase, phase.id, tenant.id)).title == {"en": "Renamed"}
    # The method froze the dates with the settings (dates_locked): moving the end is refused with the reason.
    ends_at = (await factory.reload(Phase, phase.id, tenant.id)).ends_at
    same_config = {**base, "config.max_items": "4", "config.open_for_input": "1"}
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/{phase.id}",
        phase_form(local(phase.starts_at), local(ends_at + timedelta(days=3)), **same_config),
    )
    assert response.status_code == 422 and LOCK_REASON in response.text
    assert "dates of this phase can no longer change" in response.text
    assert (await factory.reload(Phase, phase.id, tenant.id)).ends_at == ends_at


async def test_phase_delete(admin_client: Any, factory: Any, tenant: Any, project: Any) -> None:
    phase = await factory.phase(project, "dummyvote")
    response = await post(admin_client, f"/admin/projects/{project.id}/phases/{phase.id}/delete")
    assert response.status_code == 303
    assert await factory.count(Phase, tenant.id) == 0
    assert await audit_actions(factory, tenant) == ["phase.deleted"]


async def test_phase_of_another_project_is_not_reachable_through_this_one(
    admin_client: Any, factory: Any, tenant: Any, project: Any
) -> None:
    other = await factory.project(tenant)
    phase = await factory.phase(other, "dummyvote")
    assert (await admin_client.get(f"/admin/projects/{project.id}/phases/{phase.id}")).status_code == 404
    response = await post(admin_client, f"/admin/projects/{project.id}/phases/{phase.id}/delete")
    assert response.status_code == 404
    assert await factory.count(Phase, tenant.id) == 1


async def test_permissions_are_saved_and_enforced(
    admin_client: Any, app: Any, factory: Any, tenant: Any, project: Any
) -> None:
    from core import permissions

    async with factory.db.session(tenant.id, write=True) as session:
        north, south = Area(name={"en": "North"}), Area(name={"en": "South"})
        session.add_all([north, south])
        await session.flush()
        north_id, south_id = north.id, south.id
    phase = await factory.phase(project, "dummyvote")
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/{phase.id}",
        phase_form(
            local(phase.starts_at),
            local(phase.ends_at),
            **{
                "config_for": "dummyvote",
                "config.max_items": "3",
                "config.layout": "cards",
                "config.rules.per_person": "2",
                "perm.dummyvote.post.level": "everyone",
                "perm.dummyvote.vote.level": "registered",
                "perm.dummyvote.vote.areas": [str(north_id)],
            },
        ),
    )
    assert response.status_code == 303, response.text
    saved = await factory.reload(Phase, phase.id, tenant.id)
    assert saved.permissions == {
        "dummyvote.post": {"level": "everyone", "areas": []},
        "dummyvote.vote": {"level": "registered", "areas": [north_id]},
    }
    assert "phase.permissions_changed" in await audit_actions(factory, tenant)
    page = await admin_client.get(f"/admin/projects/{project.id}/phases/{phase.id}")
    assert 'value="everyone" selected' in page.text

    north_user = await factory.user(tenant, area_id=north_id)
    south_user = await factory.user(tenant, area_id=south_id)
    registry = app.state.townhall.registry
    pm = registry.pm
    vote_default = registry.actions["dummyvote.vote"].default_level
    assert vote_default == "verified"

    def verdict(user: Any, action: str) -> Any:
        spec = registry.actions[action]
        return permissions.check(
            user, action, saved, default_level=spec.default_level, needs_account=spec.needs_account, pm=pm
        )

    assert verdict(None, "dummyvote.post").allowed
    assert verdict(None, "dummyvote.vote").reason == "not_signed_in"
    assert verdict(north_user, "dummyvote.vote").allowed  # registered is enough now, without verification
    assert verdict(south_user, "dummyvote.vote").reason == "not_in_area"

    # The same through PhaseContext.can, as a method's handlers ask it.
    from core.projects import PhaseContext

    class FakeCtx:
        def __init__(self, user: Any) -> None:
            self.user = user
            self.app = app.state.townhall

    def can(user: Any, action: str) -> Any:
        pctx = PhaseContext(
            ctx=FakeCtx(user),  # type: ignore[arg-type]
            project=project,
            phase=saved,
            spec=registry.method("dummyvote"),
            config=None,
            moderator=False,
        )
        return pctx.can(action)

    assert can(north_user, "dummyvote.vote").allowed
    assert can(south_user, "dummyvote.vote").reason == "not_in_area"
    assert can(None, "dummyvote.post").allowed


async def test_everyone_is_neither_offered_nor_saved_for_an_action_that_needs_an_account(
    admin_client: Any, factory: Any, project: Any
) -> None:
    phase = await factory.phase(project, "dummyvote")
    page = await admin_client.get(f"/admin/projects/{project.id}/phases/{phase.id}")
    post_select = page.text.split('name="perm.dummyvote.post.level"', 1)[1].split("</select>", 1)[0]
    vote_select = page.text.split('name="perm.dummyvote.vote.level"', 1)[1].split("</select>", 1)[0]
    assert 'value="everyone"' in post_select  # needs_account=False
    assert 'value="everyone"' not in vote_select
    assert 'value="registered"' in vote_select

    response = await post(
        admin_client,
        f"/nl/admin/projects/{project.id}/phases/{phase.id}",
        phase_form(
            local(phase.starts_at),
            local(phase.ends_at),
            **{
                "config_for": "dummyvote",
                "config.max_items": "3",
                "config.layout": "cards",
                "config.rules.per_person": "2",
                "perm.dummyvote.post.level": "registered",
                "perm.dummyvote.vote.level": "everyone",
            },
        ),
    )
    assert response.status_code == 422
    assert "Alleen mensen met een account kunnen dit doen: kies een ander niveau." in response.text
    saved = await factory.reload(Phase, phase.id, project.tenant_id)
    assert saved.permissions == phase.permissions


async def test_a_multilingual_setting_is_edited_in_each_language_of_the_municipality(
    admin_client: Any, factory: Any, project: Any
) -> None:
    phase = await factory.phase(project, "dummyvote", config={"welcome": {"nl": "Welkom"}})
    page = await admin_client.get(f"/admin/projects/{project.id}/phases/{phase.id}")
    assert '<label for="config.welcome.ar" lang="ar">العربية</label>' in page.text
    assert 'name="config.welcome.nl" type="text" lang="nl" dir="auto" value="Welkom"' in page.text
    fields = {
        "config_for": "dummyvote",
        "config.max_items": "3",
        "config.layout": "cards",
        "config.rules.per_person": "2",
        "config.welcome.nl": "Welkom!",
        "config.welcome.ar": "أهلا",
        "config.welcome.xx": "ignored",
        "perm.dummyvote.post.level": "registered",
        "perm.dummyvote.vote.level": "registered",
    }
    path = f"/admin/projects/{project.id}/phases/{phase.id}"
    response = await post(admin_client, path, phase_form(local(phase.starts_at), local(phase.ends_at), **fields))
    assert response.status_code == 303, response.text
    saved = await factory.reload(Phase, phase.id, project.tenant_id)
    assert saved.config["welcome"] == {"nl": "Welkom!", "ar": "أهلا"}

    fields["config.welcome.de"] = "bad\x00"
    response = await post(admin_client, path, phase_form(local(phase.starts_at), local(phase.ends_at), **fields))
    assert response.status_code == 422
    assert 'value="Welkom!"' in response.text  # what was submitted comes back
    assert (await factory.reload(Phase, phase.id, project.tenant_id)).config["welcome"] == saved.config["welcome"]


async def test_htmx_invalid_phase_form_still_answers_422(admin_client: Any, project: Any) -> None:
    response = await post(
        admin_client,
        f"/admin/projects/{project.id}/phases/new",
        phase_form("2027-03-05T10:00", "2027-03-05T09:00"),
        headers=HTMX_HEADERS,
    )
    assert response.status_code == 422
    assert "The end must be after the start." in response.text


# --- users and audit -----------------------------------------------------------------------------------------


async def test_user_search_and_pagination(admin_client: Any, factory: Any, tenant: Any, other_tenant: Any) -> None:
    for i in range(30):
        await factory.user(tenant, display_name=f"Resident {i:02d}", email=f"r{i:02d}@example.org")
    await factory.user(tenant, display_name="Zoë 100%_special", email="zoe@example.org")
    await factory.user(other_tenant, display_name="Resident from elsewhere", email="far@example.org")
    page1 = await admin_client.get("/admin/users")
    assert page1.status_code == 200
    assert "32 accounts" in page1.text and "Page 1 of 2" in page1.text
    assert "elsewhere" not in page1.text
    page2 = await admin_client.get("/admin/users?page=2")
    assert "Zoë" in page2.text and "Resident 00" not in page2.text
    found = await admin_client.get("/admin/users?q=r07@")
    assert "Resident 07" in found.text and "Resident 08" not in found.text and "1 account" in found.text
    literal = await admin_client.get("/admin/users?q=100%25_")
    assert "Zoë" in literal.text and "Resident 0" not in literal.text and "1 account" in literal.text
    fragment = await admin_client.get("/admin/users?q=Zo", headers=HTMX_HEADERS)
    assert fragment.text.lstrip().startswith('<div id="users-table">')
    assert (await admin_client.get("/admin/users?page=abc")).status_code == 400
    assert (await admin_client.get("/admin/users?q=%00")).status_code == 400  # NUL is refused before any handler


async def test_role_verification_and_ban(admin_client: Any, factory: Any, tenant: Any, admin: Any) -> None:
    resident = await factory.user(tenant)
    path = f"/admin/users/{resident.id}"
    assert (await post(admin_client, path + "/role", {"role": "admin"})).status_code == 303
    assert (await factory.reload(User, resident.id, tenant.id)).role == "admin"
    assert (await post(admin_client, path + "/role", {"role": "resident"})).status_code == 303
    assert (await post(admin_client, path + "/verify", {"verified": "1"})).status_code == 303
    assert (await factory.reload(User, resident.id, tenant.id)).verified is True
    assert (await post(admin_client, path + "/verify", {})).status_code == 303
    assert (await factory.reload(User, resident.id, tenant.id)).verified is False
    until = (utcnow() + timedelta(days=10)).date().isoformat()
    assert (await post(admin_client, path + "/ban", {"banned_until": until})).status_code == 303
    banned = await factory.reload(User, resident.id, tenant.id)
    assert banned.banned_until is not None and banned.banned_until > utcnow() + timedelta(days=8)
    assert until in (await admin_client.get(path)).text
    assert (await post(admin_client, path + "/ban", {"banned_until": ""})).status_code == 303
    assert (await factory.reload(User, resident.id, tenant.id)).banned_until is None
    actions = await audit_actions(factory, tenant)
    assert actions == [
        "user.role_changed",
        "user.role_changed",
        "user.verified",
        "user.unverified",
        "user.banned",
        "user.unbanned",
    ]


BAD_USER_CASES = [
    ("role", {"role": "superuser"}),
    ("role", {"role": ""}),
    ("ban", {"banned_until": "2001-01-01"}),
    ("ban", {"banned_until": "next week"}),
    ("ban", {"banned_until": "2030-02-30"}),
    ("ban", {"banned_until": "20300-01-01"}),
    ("verify", {"verified": "1", "junk": "a\x00b"}),
]


async def test_bad_user_changes_are_refused(admin_client: Any, factory: Any, tenant: Any) -> None:
    resident = await factory.user(tenant)
    for action, data in BAD_USER_CASES:
        response = await post(admin_client, f"/admin/users/{resident.id}/{action}", data)
        assert response.status_code == 422, (action, data)
        assert "error-summary" in response.text
        again = await factory.reload(User, resident.id, tenant.id)
        assert (again.role, again.verified, again.banned_until) == ("resident", False, None)
        assert await audit_actions(factory, tenant) == []


async def test_admin_cannot_remove_own_admin_role(admin_client: Any, factory: Any, tenant: Any, admin: Any) -> None:
    response = await post(admin_client, f"/admin/users/{admin.id}/role", {"role": "resident"})
    assert response.status_code == 422
    assert "You cannot remove your own administrator role." in response.text
    assert (await factory.reload(User, admin.id, tenant.id)).role == "admin"


async def test_audit_log_newest_first_and_paginated(admin_client: Any, factory: Any, tenant: Any, admin: Any) -> None:
    async with factory.db.session(tenant.id, write=True) as session:
        for i in range(30):
            session.add(
                AuditEntry(
                    actor_id=admin.id,
                    action=f"test.entry{i:02d}",
                    created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
                )
            )
    page1 = await admin_client.get("/admin/audit")
    assert page1.status_code == 200
    assert page1.text.index("test.entry29") < page1.text.index("test.entry28")
    assert "test.entry04" not in page1.text and "Ada Admin" in page1.text
    page2 = await admin_client.get("/admin/audit?page=2")
    assert "test.entry04" in page2.text and "test.entry29" not in page2.text


async def test_admin_pages_work_under_a_locale_prefix(admin_client: Any, project: Any) -> None:
    response = await admin_client.get("/nl/admin")
    assert response.status_code == 200
    assert f'href="/nl/admin/projects/{project.id}"' in response.text


async def test_a_ban_that_blocks_signing_in_ends_the_sessions_and_refuses_login_in_dutch(
    app: Any, admin_client: Any, factory: Any, tenant: Any, admin: Any
) -> None:
    from litestar.testing import AsyncTestClient
    from markupsafe import escape

    from core.i18n import Catalogs
    from core.testing.factories import DEFAULT_PASSWORD
    from core.testing.fixtures import TEST_HOST

    resident = await factory.user(tenant, email="banned@example.org")
    path = f"/admin/users/{resident.id}"
    until = (utcnow() + timedelta(days=10)).date().isoformat()
    async with AsyncTestClient(app=app, base_url=f"http://{TEST_HOST}") as phone:
        await factory.login(phone, resident)
        assert (await phone.get("/account", follow_redirects=False)).status_code == 200
        assert (await post(admin_client, path + "/ban", {"banned_until": until})).status_code == 303
        assert (await phone.get("/account", follow_redirects=False)).status_code == 200  # "may not post" only
        assert 'name="block_sign_in"' in (await admin_client.get(path)).text

        heavy = await post(admin_client, path + "/ban", {"banned_until": until, "block_sign_in": "1"})
        assert heavy.status_code == 303
        assert (await phone.get("/account", follow_redirects=False)).status_code != 200
        assert await factory.count(AuthSession, tenant.id, AuthSession.user_id == resident.id) == 0
        assert await factory.count(AuthSession, tenant.id, AuthSession.user_id == admin.id) == 1
        refused = await post(phone, "/nl/login", {"email": "banned@example.org", "password": DEFAULT_PASSWORD})
        message = "Your account is suspended until %(date)s. You cannot sign in before then."
        dutch = Catalogs([]).get("nl").ugettext(message)
        assert refused.status_code == 403 and dutch != message
        assert str(escape(dutch.split("%(date)s")[0])) in refused.text
        assert await factory.count(AuthSession, tenant.id, AuthSession.user_id == resident.id) == 0

        assert (await post(admin_client, path + "/ban", {"banned_until": ""})).status_code == 303
        again = await post(phone, "/login", {"email": "banned@example.org", "password": DEFAULT_PASSWORD})
        assert again.status_code == 303
    actions = await audit_actions(factory, tenant)
    assert actions == ["user.banned", "user.signed_out", "user.banned", "user.unbanned"]
    async with factory.db.session(tenant.id) as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert entries[2].data == {"until": entries[2].data["until"], "sign_in": True}
