"""Demo demographics: the profile questions with census-like population shares, and answers for the demo's accounts
(skewed older and male, as participation often is), so the representativeness page has something to say."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.models import Area, ProfileAnswer, ProfileQuestion, User

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
    await session.flush()
