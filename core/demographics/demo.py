"""Demo demographics: the profile questions with census-like population shares, and answers for the demo's accounts
(skewed older and male, as participation often is), so the representativeness page has something to say; the
accounts live in the area they answered, and the demo's comments and reactions are spread over their phases' weeks,
so the staff dashboard shows people per week and per area on first start."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.models import Area, Comment, Phase, ProfileAnswer, ProfileQuestion, Reaction, User

AGE_REFERENCE = {"0-17": 0.18, "18-24": 0.1, "25-34": 0.15, "35-44": 0.14, "45-54": 0.14, "55-64": 0.13, "65+": 0.16}
GENDER_REFERENCE = {"woman": 0.505, "man": 0.485, "other": 0.01}
# Cycled over the accounts: (years before this year, gender, area index or None for "prefer not to say").
PROFILES = [
    (71, "man", 0),
    (58, "man", 0),
    (66, "woman", 1),
    (60, "man", 0),
    (38, "woman", 1),
    (69, "man", 0),
    (57, "man", 1),
    (29, "woman", 0),
    (74, "man", 0),
    (62, "man", None),
    (41, "woman", 1),
    (67, "man", 0),
]

PURPOSE = {
    "en": "So we can see whether everyone's voice is heard, not only some groups'.",
    "nl": "Zo zien we of iedereen gehoord wordt, en niet alleen sommige groepen.",
    "fr": "Pour voir si toutes les voix sont entendues, et pas seulement celles de certains groupes.",
    "de": "So sehen wir, ob alle gehört werden und nicht nur einige Gruppen.",
    "nb": "Slik ser vi om alle blir hørt, ikke bare noen grupper.",
    "ar": "لنرى ما إذا كان صوت الجميع مسموعًا، وليس صوت بعض الفئات فقط.",
}
LABELS = {
    "birth_year": {
        "en": "Year of birth",
        "nl": "Geboortejaar",
        "fr": "Année de naissance",
        "de": "Geburtsjahr",
        "nb": "Fødselsår",
        "ar": "سنة الميلاد",
    },
    "gender": {"en": "Gender", "nl": "Gender", "fr": "Genre", "de": "Geschlecht", "nb": "Kjønn", "ar": "الجنس"},
    "area": {
        "en": "Where do you live?",
        "nl": "Waar woon je?",
        "fr": "Où habitez-vous ?",
        "de": "Wo wohnen Sie?",
        "nb": "Hvor bor du?",
        "ar": "أين تسكن؟",
    },
}


async def seed(session: Any, tenant: Any, this_year: int) -> None:
    """Questions and answers for every account of the tenant (run once, with the tenant's other demo data)."""
    locales = list(tenant.locales)
    areas = list((await session.scalars(select(Area).order_by(Area.position, Area.id))).all())

    def texts(value: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in value.items() if k in locales}

    area_share = {str(a.id): round(1 / len(areas), 4) for a in areas} if areas else {}
    references = {"birth_year": AGE_REFERENCE, "gender": GENDER_REFERENCE, "area": area_share}
    questions = {}
    for position, kind in enumerate(("birth_year", "gender", "area")):
        if kind == "area" and not areas:
            continue
        questions[kind] = ProfileQuestion(
            kind=kind,
            label=texts(LABELS[kind]),
            purpose=texts(PURPOSE),
            position=position,
            reference=references[kind],
            reference_source="Demo census",
            reference_year=this_year - 1,
        )
    session.add_all(questions.values())
    await session.flush()
    people = list((await session.scalars(select(User).order_by(User.id))).all())
    for i, person in enumerate(people):
        age, gender, area = PROFILES[i % len(PROFILES)]
        values = {"birth_year": str(this_year - age), "gender": gender}
        if "area" in questions:
            values["area"] = str(areas[area % len(areas)].id) if area is not None else "prefer_not"
        for kind, value in values.items():
            session.add(ProfileAnswer(user_id=person.id, question_id=questions[kind].id, value=value))
        if areas and area is not None and person.role != "admin":
            person.area_id = areas[area % len(areas)].id  # where they live, as they answered
    await session.flush()


async def spread_activity(session: Any, now: datetime) -> None:
    """Date the demo's comments and reactions across their phase's open weeks (up to now), as a real phase fills up
    over time, instead of all at the moment the demo was seeded."""
    starts = dict((await session.execute(select(Phase.id, Phase.starts_at))).all())
    for model in (Comment, Reaction):
        for row in (await session.scalars(select(model).order_by(model.id))).all():
            start = starts.get(row.phase_id)
            if start is None or start >= now:
                continue
            span = (now - start).total_seconds()
            row.created_at = start + timedelta(seconds=span * ((row.id * 37) % 100) / 100)
    await session.flush()
