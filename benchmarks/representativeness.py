"""Representativeness page, staff dashboard and raking for 50,000 participants x 5 profile questions, against plain
SQL GROUP BYs of the same data.

Usage::

    python benchmarks/representativeness.py [--participants 50000] [--repeat 3] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder unless ``--database-url`` names an empty PostgreSQL database),
seeds one project whose phase has ``--participants`` people with a comment each (dated over the last 12 weeks; the
people live in one of three areas) and answers to 5 profile questions (year of birth, gender, three single-choice
questions; 10% skip a question, 3% prefer not to say), every question with population shares, then in the same
process and run times:

1. ``GET /admin/projects/{id}/representativeness`` through the full Townhall app as an administrator (participants
   from the SQL union, counts per question by GROUP BY, raking of every participant in numpy, chart and tables);
2. the raking alone (``core.demographics.service.weighting`` on the loaded answers);
3. the baseline: one plain SQL statement counting, per question and answer, the answers of the project's
   participants (``GROUP BY`` over the answers joined with the comments: the least any such page must ask);
4. ``GET /admin/insights`` (the staff dashboard: distinct people per week, project, method and area);
5. its baseline: four plain SQL statements counting distinct comment authors per week, project, method and area
   straight from the comment table;

and prints the seconds of each and the ratios Townhall / SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import timedelta
from typing import Any

from _app import analyze, fresh_app  # benchmarks/ is on sys.path when a script runs

HOST = "bench.test"
CHOICES = [{"key": f"o{i}", "label": {"en": f"Answer {i}"}} for i in range(1, 5)]


async def seed(state: Any, n: int) -> tuple[int, Any]:
    from sqlalchemy import insert, select

    from core.db.base import utcnow
    from core.demographics.service import AGE_BANDS
    from core.models import Area, Comment, Phase, ProfileAnswer, ProfileQuestion, Project, User
    from core.testing.factories import Factory

    factory = Factory(state)
    tenant = await factory.tenant(HOST)
    admin = await factory.user(tenant, role="admin")
    rng = random.Random(1)
    now = utcnow()
    async with state.db.session(tenant.id, write=True) as session:
        project = Project(slug="bench", title={"en": "Bench"}, description={"en": "x"}, status="published")
        session.add(project)
        await session.flush()
        phase = Phase(project_id=project.id, title={"en": "Ideas"}, description={}, method="ideation", config={},
                      permissions={}, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30))  # fmt: skip
        session.add(phase)
        areas = [Area(name={"en": name}, position=i) for i, name in enumerate(("North", "South", "Centre"))]
        session.add_all(areas)
        bands = {key: 1 / len(AGE_BANDS) for _f, _l, key in AGE_BANDS}
        questions = [
            ProfileQuestion(kind="birth_year", label={"en": "Year of birth"}, purpose={"en": "x"}, reference=bands),
            ProfileQuestion(
                kind="gender",
                label={"en": "Gender"},
                purpose={"en": "x"},
                reference={"woman": 0.5, "man": 0.49, "other": 0.01},
            ),
        ]
        for i in range(3):
            reference = {"o1": 0.4, "o2": 0.3, "o3": 0.2, "o4": 0.1}
            label = {"en": f"Choice {i}"}
            questions.append(
                ProfileQuestion(kind="choice", label=label, purpose={"en": "x"}, options=CHOICES, reference=reference)
            )
        session.add_all(questions)
        await session.flush()
        users = [{"tenant_id": tenant.id, "email": f"p{i}@bench.example", "password_hash": "!",
                  "display_name": f"P {i}", "area_id": areas[i % 3].id if i % 10 else None}
                 for i in range(n)]  # fmt: skip
        for start in range(0, n, 5000):
            await session.execute(insert(User), users[start : start + 5000])
        ids = list((await session.scalars(select(User.id).where(User.email.like("p%@bench.example")))).all())
        comments, answers = [], []
        for user_id in ids:
            comments.append({"tenant_id": tenant.id, "item_kind": "ideation.idea", "item_id": 1,
                             "phase_id": phase.id, "author_id": user_id, "body": "x",
                             "created_at": now - timedelta(minutes=rng.randrange(12 * 7 * 24 * 60))})  # fmt: skip
            for q in questions:
                roll = rng.random()
                if roll < 0.1:
                    continue
                if roll < 0.13:
                    value = "prefer_not"
                elif q.kind == "birth_year":
                    value = str(now.year - int(rng.triangular(16, 90, 60)))
                elif q.kind == "gender":
                    value = rng.choices(["woman", "man", "other"], [0.4, 0.58, 0.02])[0]
                else:
                    value = rng.choices(["o1", "o2", "o3", "o4"], [0.1, 0.2, 0.3, 0.4])[0]
                answers.append({"tenant_id": tenant.id, "user_id": user_id, "question_id": q.id, "value": value})
        for start in range(0, len(comments), 5000):
            await session.execute(insert(Comment), comments[start : start + 5000])
        for start in range(0, len(answers), 5000):
            await session.execute(insert(ProfileAnswer), answers[start : start + 5000])
    return project.id, admin


async def sql_baseline(state: Any, project_id: int) -> float:
    from sqlalchemy import text

    started = time.perf_counter()
    async with state.db.session(unscoped=True) as session:
        stmt = text(
            "SELECT a.question_id, a.value, count(*) FROM profile_answer a WHERE a.user_id IN "
            "(SELECT c.author_id FROM comment c JOIN phase p ON p.id = c.phase_id WHERE p.project_id = :project) "
            "GROUP BY a.question_id, a.value"
        )
        (await session.execute(stmt, {"project": project_id})).all()
    return time.perf_counter() - started


async def dashboard_baseline(state: Any) -> float:
    """Distinct comment authors per week, project, method and area: four plain statements on the comment table."""
    from sqlalchemy import text

    week = (
        "date(c.created_at, 'weekday 0', '-6 days')"
        if state.db.dialect == "sqlite"
        else "CAST(date_trunc('week', c.created_at) AS DATE)"
    )
    statements = [
        f"SELECT {week} AS w, count(DISTINCT c.author_id) FROM comment c GROUP BY w",
        "SELECT p.project_id, count(DISTINCT c.author_id) FROM comment c JOIN phase p ON p.id = c.phase_id "
        "GROUP BY p.project_id",
        "SELECT p.method, count(DISTINCT c.author_id) FROM comment c JOIN phase p ON p.id = c.phase_id "
        "GROUP BY p.method",
        "SELECT u.area_id, count(*) FROM user_account u WHERE u.id IN (SELECT author_id FROM comment) "
        "GROUP BY u.area_id",
    ]
    started = time.perf_counter()
    async with state.db.session(unscoped=True) as session:
        for stmt in statements:
            (await session.execute(text(stmt))).all()
    return time.perf_counter() - started


async def raking_alone(state: Any, project_id: int, tenant_id: int) -> float:
    from core.demographics import service as svc
    from core.models import Area

    async with state.db.session(tenant_id) as session:
        qs = await svc.questions(session)
        options = {q.id: svc.answer_options(q, list[Area](), "en", "en") for q in qs}
        rows = await svc.answer_rows(session, svc.participants_query(project_id))
    started = time.perf_counter()
    result = svc.weighting(qs, options, rows, svc.current_year())
    elapsed = time.perf_counter() - started
    assert result.result is not None
    print(f"raking: {result.size} people, {result.result.iterations} sweeps, converged {result.result.converged}, "
          f"effective sample size {result.result.effective_size:.0f}")  # fmt: skip
    return elapsed


async def timed(client: Any, path: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        response = await client.get(path)
        assert response.status_code == 200, response.status_code
        best = min(best, time.perf_counter() - started)
    return best


async def main(args: argparse.Namespace) -> None:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)
    from core.testing.factories import Factory

    app = fresh_app("representativeness", args.database_url)
    state = app.state.townhall
    started = time.perf_counter()
    project_id, admin = await seed(state, args.participants)
    await analyze(state)  # without statistics PostgreSQL ran nested loops over 50,000 people
    print(f"seeded {args.participants} participants x 5 questions in {time.perf_counter() - started:.1f} s")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{HOST}") as client:
        await Factory(state).login(client, admin)
        page = await timed(client, f"/admin/projects/{project_id}/representativeness", args.repeat)
        board = await timed(client, "/admin/insights", args.repeat)
    rake = min([await raking_alone(state, project_id, admin.tenant_id) for _ in range(args.repeat)])
    sql = min([await sql_baseline(state, project_id) for _ in range(args.repeat)])
    board_sql = min([await dashboard_baseline(state) for _ in range(args.repeat)])
    await state.db.dispose()
    print(f"database: {state.db.dialect}; best of {args.repeat}")
    print(f"plain SQL GROUP BY:              {sql:8.3f} s")
    print(f"raking alone (numpy):            {rake:8.3f} s")
    print(f"Townhall representativeness page: {page:8.3f} s  ratio Townhall/SQL {page / sql:.1f}")
    print(f"plain SQL GROUP BYs (dashboard):  {board_sql:8.3f} s")
    print(f"Townhall staff dashboard:         {board:8.3f} s  ratio Townhall/SQL {board / board_sql:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
