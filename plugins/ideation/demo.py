"""Demo content for an ideation phase: residents' ideas in several languages, discussion, reactions, statuses and
one official answer, spread over topics and areas."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core import Area, Comment, Follow, Reaction, StatusChange, Topic, User, utcnow
from plugins.ideation.items import KIND
from plugins.ideation.models import Idea, IdeaTopic

IDEAS: list[tuple[str, str, str]] = [
    ("en", "More trees along the riverside path", "Shade in summer and a home for birds. Native species, please."),
    ("en", "Benches near the playground", "Parents and grandparents need somewhere to sit while children play."),
    ("en", "Safe bike lanes to the schools", "Separated lanes on the main routes so children can cycle alone."),
    ("en", "Open the library on Sundays", "Many people can only visit at the weekend."),
    ("en", "A community garden in the North", "Empty plot next to the sports hall could grow vegetables together."),
    ("en", "Drinking water fountains in parks", "Refill points reduce plastic bottles and help on hot days."),
    ("en", "Lower speed limit in residential streets", "30 km/h in streets where children play."),
    ("en", "Monthly night market on the square", "Local food and music bring the neighbourhood together."),
    ("en", "Better lighting in the underpass", "It feels unsafe after dark; brighter lights and murals would help."),
    ("en", "Covered bicycle parking at the station", "Bikes get wet and stolen; a guarded shelter would help."),
    ("en", "Outdoor fitness equipment in the park", "Free exercise for all ages."),
    ("en", "Public toilets in the city centre", "Especially important for older residents and families."),
    ("en", "Plant wildflowers on road verges", "Less mowing, more bees and butterflies."),
    ("en", "Free open-air cinema in summer", "Films in the park on Friday evenings."),
    ("en", "More recycling bins for plastic", "The current bins are always full on Mondays."),
    ("nl", "Meer bomen langs de rivier", "Schaduw in de zomer en meer vogels. Graag inheemse soorten."),
    ("nl", "Een speeltuin in het centrum", "Er is geen enkele speelplek voor kleine kinderen in het centrum."),
    ("nl", "Fietsenstalling bij het station uitbreiden", "Er is nooit plek en fietsen staan overal."),
    ("nl", "Buurtmoestuin bij de school", "Kinderen leren waar groente vandaan komt."),
    ("nl", "Autovrije zondag in de binnenstad", "Eén zondag per maand alleen voetgangers en fietsers."),
    ("fr", "Plus d'arbres dans les cours d'école", "Des cours plus vertes et plus fraîches pour les enfants."),
    ("fr", "Un marché de producteurs locaux", "Chaque samedi sur la place, avec des producteurs de la région."),
    ("fr", "Pistes cyclables sécurisées", "Séparer les vélos des voitures sur les grands axes."),
    ("de", "Mehr Sitzbänke am Flussufer", "Zum Ausruhen beim Spaziergang, besonders für ältere Menschen."),
    ("de", "Öffentliche Trinkbrunnen", "Kostenloses Trinkwasser im Sommer in allen Parks."),
    ("de", "Repair-Café in der Bibliothek", "Einmal im Monat Dinge gemeinsam reparieren statt wegwerfen."),
    ("nb", "Flere sykkelstier til skolene", "Tryggere skolevei for barna med egne sykkelfelt."),
    ("nb", "Grønne tak på offentlige bygg", "Mindre overvann og mer natur i byen."),
    ("ar", "مزيد من الأشجار في الحدائق", "ظل في الصيف ومكان للطيور. نرجو زراعة أنواع محلية."),
    ("ar", "ممرات آمنة للدراجات", "فصل الدراجات عن السيارات في الشوارع الرئيسية."),
]
COMMENTS = [
    ("en", "Great idea, I would use this every day."),
    ("en", "Agreed, but please think about maintenance costs."),
    ("en", "We tried something similar in my old town and it worked well."),
    ("nl", "Goed idee! Ik doe graag mee."),
    ("fr", "Excellente idée, je soutiens."),
    ("de", "Sehr gute Idee, unbedingt umsetzen."),
]
STATUS_PLAN = ["accepted", "under_consideration", "implemented", "rejected", "under_consideration"]
FEEDBACK = {
    "en": "Thank you! We will plant 40 native trees along the path this autumn, together with volunteers.",
    "nl": "Dank je! We planten dit najaar samen met vrijwilligers 40 inheemse bomen langs het pad.",
    "fr": "Merci ! Nous planterons 40 arbres indigènes le long du chemin cet automne, avec des bénévoles.",
    "de": "Danke! Wir pflanzen diesen Herbst mit Freiwilligen 40 heimische Bäume entlang des Weges.",
    "nb": "Takk! Vi planter 40 stedegne trær langs stien i høst, sammen med frivillige.",
    "ar": "شكرًا! سنزرع 40 شجرة محلية على طول الممر هذا الخريف بمساعدة المتطوعين.",
}
DEMO_PEOPLE = 14


async def _people(session: Any, tenant: Any) -> list[User]:
    people = []
    for n in range(1, DEMO_PEOPLE + 1):
        email = f"ideation-resident-{n}@{tenant.slug}.example"
        person = await session.scalar(select(User).where(User.email == email))
        if person is None:
            # No usable password: these accounts only give the demo its crowd.
            person = User(email=email, password_hash="!", display_name=f"Resident {n}")  # noqa: S106 - unusable hash
            session.add(person)
        people.append(person)
    await session.flush()
    return people


async def seed(session: Any, tenant: Any, project: Any, phase: Any) -> None:
    rng = random.Random(phase.id)
    people = await _people(session, tenant)
    staff = await session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    topics = list((await session.scalars(select(Topic).order_by(Topic.position))).all())
    areas = list((await session.scalars(select(Area).order_by(Area.position))).all())
    start = min(phase.starts_at, utcnow())
    ideas = []
    for index, (lang, title, body) in enumerate(IDEAS):
        author = people[index % len(people)]
        idea = Idea(
            phase_id=phase.id,
            author_id=author.id,
            anonymous=index % 11 == 5,
            title=title,
            body=body,
            language=lang,
            area_id=areas[index % len(areas)].id if areas else None,
            created_at=start + timedelta(hours=3 * index + 1),
            updated_at=start + timedelta(hours=3 * index + 1),
        )
        session.add(idea)
        ideas.append(idea)
    await session.flush()
    for index, idea in enumerate(ideas):
        for topic in {topics[index % len(topics)], topics[(index * 7) % len(topics)]} if topics else ():
            session.add(IdeaTopic(idea_id=idea.id, topic_id=topic.id))
        session.add(Follow(item_kind=KIND, item_id=idea.id, user_id=idea.author_id))
        likers = rng.sample(people, rng.randint(0, len(people) - 2))
        for person in likers:
            kind = "like" if rng.random() > 0.12 else "dislike"
            session.add(Reaction(item_kind=KIND, item_id=idea.id, user_id=person.id, phase_id=phase.id, kind=kind))
        for c in range(rng.randint(0, 4)):
            lang, text = COMMENTS[(index + c) % len(COMMENTS)]
            comment = Comment(
                item_kind=KIND,
                item_id=idea.id,
                phase_id=phase.id,
                author_id=people[(index + c + 3) % len(people)].id,
                body=text,
                language=lang,
                created_at=idea.created_at + timedelta(hours=c + 1),
            )
            session.add(comment)
    await session.flush()
    now = utcnow()
    for idea, status in zip(ideas[:: max(1, len(ideas) // len(STATUS_PLAN))], STATUS_PLAN, strict=False):
        idea.status = status
        idea.status_changed_at = now
    ideas[0].status = "accepted"
    session.add(
        StatusChange(
            item_kind=KIND,
            item_id=ideas[0].id,
            phase_id=phase.id,
            author_id=staff.id if staff else None,
            status="accepted",
            feedback=FEEDBACK,
        )
    )
    await session.flush()
