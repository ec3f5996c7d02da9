"""The demo: two municipalities with accounts of every role and projects that use every installed method."""

from __future__ import annotations

import inspect
import logging
import struct
import zlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import i18n
from core.accounts import create_user
from core.appstate import AppState
from core.db.base import utcnow
from core.models import Area, Phase, Project, ProjectArea, ProjectModerator, ProjectTopic, Tenant, Topic
from core.project_service import store_image
from core.settings import SUPPORTED_LOCALES
from core.tenants import create_tenant

log = logging.getLogger("townhall.demo")

DEMO_TENANTS = [
    {
        "slug": "demo-city",
        "name": {
            "en": "Demo City",
            "nl": "Demostad",
            "fr": "Ville Démo",
            "de": "Demostadt",
            "nb": "Demoby",
            "ar": "مدينة العرض",
        },
        "hosts": ["localhost", "127.0.0.1"],
        "locales": list(SUPPORTED_LOCALES),
        "default_locale": "en",
        "timezone": "Europe/Amsterdam",
        "currency": "EUR",
        "population": 120000,
    },
    {
        "slug": "other-town",
        "name": {"en": "Other Town", "nl": "Andere Stad", "fr": "Autreville"},
        "hosts": ["other.localhost"],
        "locales": ["en", "nl", "fr"],
        "default_locale": "nl",
        "timezone": "Europe/Brussels",
        "currency": "EUR",
        "population": 30000,
    },
]

AREAS = [
    {"en": "North", "nl": "Noord", "fr": "Nord", "de": "Nord", "nb": "Nord", "ar": "الشمال"},
    {"en": "South", "nl": "Zuid", "fr": "Sud", "de": "Süd", "nb": "Sør", "ar": "الجنوب"},
    {"en": "Centre", "nl": "Centrum", "fr": "Centre", "de": "Zentrum", "nb": "Sentrum", "ar": "الوسط"},
]
TOPICS = [
    {
        "en": "Green spaces",
        "nl": "Groen",
        "fr": "Espaces verts",
        "de": "Grünflächen",
        "nb": "Grøntområder",
        "ar": "المساحات الخضراء",
    },
    {"en": "Mobility", "nl": "Mobiliteit", "fr": "Mobilité", "de": "Mobilität", "nb": "Mobilitet", "ar": "التنقل"},
    {"en": "Culture", "nl": "Cultuur", "fr": "Culture", "de": "Kultur", "nb": "Kultur", "ar": "الثقافة"},
]
PLACES = ["the riverside", "our parks", "the old harbour", "city mobility", "the library", "the market square"]
ROLES = [
    ("admin", "admin", True),
    ("moderator", "resident", True),
    ("resident", "resident", False),
    ("verified", "resident", True),
]


def in_every_locale(app: AppState, tenant: Tenant, text: Any) -> dict[str, str]:
    """A lazy (translatable) string rendered in each of the tenant's languages, for multilingual demo fields."""
    result = {}
    before = i18n.current_locale()
    for code in tenant.locales:
        i18n.activate(code, app.catalogs.get(code))
        result[code] = str(text)
    i18n.activate(before, app.catalogs.get(before))
    return result


async def _seed_phase(app: AppState, session: Any, tenant: Tenant, project: Project, phase: Phase) -> None:
    for seeder in app.pm.hook.seed_demo(tenant=tenant, project=project):
        if seeder is None:
            continue
        result = seeder(session, phase)
        if inspect.isawaitable(result):
            await result


async def seed(app: AppState, password: str) -> list[tuple[str, str, str]]:
    """Create the demo data once; running again finds it and changes nothing. Returns (host, email, role)."""
    accounts: list[tuple[str, str, str]] = []
    methods = sorted(app.registry.methods)
    for spec in DEMO_TENANTS:
        async with app.db.session(unscoped=True, write=True) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == spec["slug"]))
            fresh = tenant is None
            if tenant is None:
                tenant = await create_tenant(session, enabled_methods=methods, **spec)  # type: ignore[arg-type]
                tenant.verification_help = {k: v for k, v in VERIFICATION_HELP.items() if k in tenant.locales}
                if spec["slug"] == "demo-city":
                    tenant.intro = dict(HOME_INTRO)
                    tenant.banner_path = store_image(app.settings.upload_path, banner_png(), "png", "banners")
        for name, _role, _verified in ROLES:
            accounts.append((spec["hosts"][0], f"{name}@{spec['slug']}.example", name))
        if not fresh:
            continue
        async with app.db.session(tenant.id, write=True) as session:
            await _seed_tenant(app, session, tenant, password)
        log.info("seeded demo tenant %s", spec["slug"])
    return accounts


VERIFICATION_HELP = {
    "en": "Come to the town hall desk (Market Square 1, weekdays 9:00–16:00) with an identity document that shows "
    "your address, and tell us the email address of your account. We verify it while you wait.",
    "nl": "Kom naar de balie van het stadhuis (Marktplein 1, werkdagen 9.00–16.00 uur) met een identiteitsbewijs "
    "waarop je adres staat, en geef het e-mailadres van je account. We verifiëren het terwijl je wacht.",
    "fr": "Passez au guichet de l’hôtel de ville (place du Marché 1, en semaine de 9 h à 16 h) avec une pièce "
    "d’identité indiquant votre adresse et l’adresse e-mail de votre compte. Nous le vérifions sur place.",
}


HOME_INTRO = {
    "en": "Demo City is changing, and you know your street best. Share ideas, vote on the budget and tell us what "
    "you think: every project below says what is decided and when.",
    "en-x-easy": "We want to make the city better. You can help. Send ideas. Vote. Tell us what you think.",
    "nl": "Demostad verandert, en u kent uw straat het best. Deel ideeën, stem over de begroting en zeg wat u "
    "ervan vindt: bij elk project hieronder staat wat er besloten wordt en wanneer.",
    "nl-x-easy": "We willen de stad beter maken. U kunt helpen. Stuur ideeën. Stem mee. Zeg wat u ervan vindt.",
    "fr": "Ville Démo change, et vous connaissez votre rue mieux que personne. Proposez des idées, votez le budget "
    "et donnez votre avis : chaque projet ci-dessous dit ce qui est décidé et quand.",
    "de": "Demostadt verändert sich, und Sie kennen Ihre Straße am besten. Teilen Sie Ideen, stimmen Sie über das "
    "Budget ab und sagen Sie uns Ihre Meinung: Jedes Projekt unten sagt, was wann entschieden wird.",
    "nb": "Demoby forandrer seg, og du kjenner gata di best. Del ideer, stem over budsjettet og si hva du mener: "
    "hvert prosjekt nedenfor forteller hva som skal bestemmes og når.",
    "ar": "مدينة العرض تتغيّر، وأنت أدرى بشارعك. شارك أفكارك، وصوّت على الميزانية، وأخبرنا برأيك: كل مشروع أدناه "
    "يوضح ما الذي سيُقرَّر ومتى.",
}


def banner_png(width: int = 160, height: int = 40) -> bytes:
    """A small banner for the demo, drawn here (a sky over a row of houses) so the repository carries no image:
    a paletted PNG written with zlib, a few hundred bytes."""
    palette = [(0xDB, 0xEA, 0xFE), (0x93, 0xC5, 0xFD), (0x0F, 0x76, 0x6E), (0x1D, 0x4E, 0xD8)]
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            house = x // 16
            roof = height - (12, 20, 16, 26, 14, 22, 18)[house % 7]
            colour = 0 if y < height // 2 else 1
            if y >= roof and x % 16 < 14:  # a house, with a strip of sky before the next one
                colour = 2 if house % 2 else 3
            row.append(colour)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8-bit palette indices
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", bytes(c for rgb in palette for c in rgb))
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


async def _seed_tenant(app: AppState, session: Any, tenant: Tenant, password: str) -> None:
    areas = [Area(name=name, position=i) for i, name in enumerate(AREAS)]
    topics = [Topic(name=name, position=i) for i, name in enumerate(TOPICS)]
    session.add_all(areas + topics)
    await session.flush()
    users = {}
    for name, role, verified in ROLES:
        users[name] = await create_user(
            session,
            email=f"{name}@{tenant.slug}.example",
            password=password,
            display_name=name.capitalize(),
            role=role,
            verified=verified,
            confirmed=True,
            area_id=areas[0].id,
        )
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    methods = sorted(app.registry.methods)
    for index, method in enumerate(methods):
        spec = app.registry.methods[method]
        label = str(spec.label)
        project = Project(
            slug=f"{method}-project",
            title={
                "en": f"{label}: shaping {PLACES[index % len(PLACES)]}",
                "nl": f"{label}: samen aan de slag",
            },
            description={
                "en": f"A demo project that uses the {label} method. Take part and see how it works.",
                "nl": f"Een demoproject met de methode {label}.",
            },
            status="published",
        )
        session.add(project)
        await session.flush()
        session.add(ProjectArea(project_id=project.id, area_id=areas[index % len(areas)].id))
        session.add(ProjectTopic(project_id=project.id, topic_id=topics[index % len(topics)].id))
        session.add(ProjectModerator(project_id=project.id, user_id=users["moderator"].id))
        phase = Phase(
            project_id=project.id,
            title=in_every_locale(app, tenant, spec.label),
            description={"en": "Open now: take part!", "nl": "Nu open: doe mee!"},
            method=method,
            config={},
            permissions={},
            starts_at=now - timedelta(days=7),
            ends_at=now + timedelta(days=21),
        )
        session.add(phase)
        await session.flush()
        await _seed_phase(app, session, tenant, project, phase)
    if len(methods) >= 1:
        await _seed_timeline_project(app, session, tenant, methods, now)
    from core.demographics import demo as demographics_demo

    await demographics_demo.seed(session, tenant, now.year)
    await demographics_demo.spread_activity(session, utcnow())


async def _seed_timeline_project(app: AppState, session: Any, tenant: Tenant, methods: list[str], now: Any) -> None:
    """One project whose phases run one after the other, so the timeline shows past, current and upcoming."""
    project = Project(
        slug="green-riverside",
        title={
            "en": "A greener riverside",
            "nl": "Een groenere rivieroever",
            "fr": "Des berges plus vertes",
            "de": "Ein grüneres Flussufer",
            "nb": "En grønnere elvebredd",
            "ar": "ضفة نهر أكثر خضرة",
        },
        description={
            "en": "From ideas to a budget vote: help us plan the new riverside park.",
            "nl": "Van ideeën tot budgetstemming: help ons het nieuwe rivierpark plannen.",
            # easy read (core/multiloc.py): short sentences, everyday words
            "en-x-easy": "There will be a new park by the river. First you send ideas. Then you vote on what we build.",
            "nl-x-easy": "Er komt een nieuw park bij de rivier. Eerst stuurt u ideeën. Dan stemt u over wat we bouwen.",
        },
        status="published",
    )
    session.add(project)
    await session.flush()
    order = [m for m in ("ideation", "budgeting", "referendum") if m in methods] or methods[:3]
    starts = [now - timedelta(days=30), now - timedelta(days=2), now + timedelta(days=20)]
    ends = [now - timedelta(days=2), now + timedelta(days=20), now + timedelta(days=40)]
    for method, start, end in zip(order, starts, ends, strict=False):
        spec = app.registry.methods[method]
        phase = Phase(
            project_id=project.id,
            title=in_every_locale(app, tenant, spec.label),
            description={},
            method=method,
            config={},
            permissions={},
            starts_at=start,
            ends_at=end,
        )
        session.add(phase)
        await session.flush()
        await _seed_phase(app, session, tenant, project, phase)
