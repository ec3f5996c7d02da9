"""Demo content: a three-page survey with a display condition and a page jump, and 200 believable responses."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select

from core import Phase

from . import rules, services
from .models import SurveyQuestion, SurveyResponse

YES_NO = [["yes", {"en": "Yes", "nl": "Ja", "fr": "Oui", "de": "Ja", "nb": "Ja", "ar": "نعم"}],
          ["no", {"en": "No", "nl": "Nee", "fr": "Non", "de": "Nein", "nb": "Nei", "ar": "لا"}]]  # fmt: skip
MODES = [
    ["walk", {"en": "On foot", "nl": "Te voet", "fr": "À pied", "de": "Zu Fuß", "nb": "Til fots", "ar": "سيرًا"}],
    ["bike", {"en": "By bike", "nl": "Met de fiets", "fr": "À vélo", "de": "Mit dem Rad", "nb": "Med sykkel",
              "ar": "بالدراجة"}],
    ["bus", {"en": "By bus", "nl": "Met de bus", "fr": "En bus", "de": "Mit dem Bus", "nb": "Med buss",
             "ar": "بالحافلة"}],
    ["car", {"en": "By car", "nl": "Met de auto", "fr": "En voiture", "de": "Mit dem Auto", "nb": "Med bil",
             "ar": "بالسيارة"}],
]  # fmt: skip
COMMENTS = ["More benches please", "The crossing near the school is dangerous", "Fix the potholes", "Great park!"]


async def seed(session: Any, phase: Phase) -> None:
    if phase.method != "survey":
        return
    if await session.scalar(select(SurveyQuestion.id).where(SurveyQuestion.phase_id == phase.id).limit(1)):
        return
    specs = [
        dict(page=1, kind="section", text={"en": "About you", "nl": "Over jou", "fr": "Vous"}),
        dict(page=1, kind="single", required=True, options=YES_NO,
             text={"en": "Do you live in the city?", "nl": "Woon je in de stad?", "fr": "Habitez-vous la ville ?"}),
        dict(page=2, kind="multiple", options=MODES, settings={"min": 1, "max": 3},
             text={"en": "How do you get around?", "nl": "Hoe verplaats je je?", "fr": "Comment vous déplacez-vous ?"}),
        dict(page=2, kind="scale", required=True, settings={"max": 5, "low": {"en": "Unsafe"}, "high": {"en": "Safe"}},
             text={"en": "How safe do the streets feel?", "nl": "Hoe veilig voelen de straten?",
                   "fr": "Les rues sont-elles sûres ?"}),
        dict(page=2, kind="short",
             text={"en": "Where is cycling hardest?", "nl": "Waar is fietsen het moeilijkst?",
                   "fr": "Où est-il le plus difficile de rouler à vélo ?"}),
        dict(page=3, kind="long", text={"en": "What should change?", "nl": "Wat moet er veranderen?",
                                          "fr": "Que faut-il changer ?"}),
    ]  # fmt: skip
    made = []
    for position, spec in enumerate(specs):
        question = SurveyQuestion(phase_id=phase.id, position=position, **spec)
        session.add(question)
        made.append(question)
    await session.flush()
    lives = made[1]
    # non-residents skip the mobility page; the cycling question only shows to those who cycle
    lives.jumps = [[{"question": lives.id, "op": "equals", "value": "no"}, 3]]
    made[4].condition = {"question": made[2].id, "op": "contains", "value": "bike"}
    await session.flush()
    questions = [services.as_rule(q) for q in made]
    rng = random.Random(phase.id)
    for index in range(200):
        raw: dict[str, list[str]] = {made[1].name_field: [rng.choice(["yes", "yes", "yes", "no"])]}
        if raw[made[1].name_field] == ["yes"]:
            raw[made[2].name_field] = rng.sample(["walk", "bike", "bus", "car"], rng.randint(1, 3))
            raw[made[3].name_field] = [str(rng.randint(1, 5))]
            if "bike" in raw[made[2].name_field]:
                raw[made[4].name_field] = [rng.choice(["Station square", "Ring road", "Old bridge"])]
        if rng.random() < 0.4:
            raw[made[5].name_field] = [rng.choice(COMMENTS)]
        checked = rules.check_all(questions, raw)
        if checked.errors:
            continue
        session.add(
            SurveyResponse(phase_id=phase.id, submission_key=f"demo-{index}", source="online", answers=checked.answers)
        )
    await session.flush()
