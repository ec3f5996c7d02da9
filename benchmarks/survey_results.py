"""Survey results page and XLSX export of 20,000 responses x 30 questions, against plain SQL aggregation.

Usage::

    python benchmarks/survey_results.py [--responses 20000] [--repeat 3] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder unless ``--database-url`` names an empty PostgreSQL database),
seeds one ended survey phase whose results are public, with 30 questions (10 single choice, 10 linear scales,
5 multiple choice, 5 short texts) and ``--responses`` responses, then in the same process and run times:

1. ``GET /p/{phase}/survey/results`` through the full Townhall app as an administrator (every question summarised,
   charts and tables rendered);
2. ``GET /p/{phase}/survey/results.xlsx`` (one column per question and option);
3. the baseline: plain SQL that counts, per question, the responses per answer value (``GROUP BY`` over the JSON
   answer, one statement per question: the least any results page must ask of the database);

and prints the seconds of each and the ratios Townhall / SQL, and the SQL statements of one results page for an
anonymous visitor and a signed-in resident (issue 16: at most 6 and 8, whatever the number of responses).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import timedelta
from typing import Any

from _app import HOST, client_for, fresh_app, statements_line, visitor_statements  # benchmarks/ is on sys.path

OPTIONS = [[f"o{i}", {"en": f"Answer {i}"}] for i in range(1, 6)]
WORDS = ["bench", "tree", "bus", "bike", "park", "light", "road", "school", "market", "river"]


async def seed(state: Any, n_responses: int) -> tuple[int, Any, Any, list[Any]]:
    from sqlalchemy import insert

    from core.db.base import utcnow
    from core.models import Phase, Project
    from core.testing.factories import Factory
    from plugins.survey.models import SurveyQuestion, SurveyResponse, random_id

    factory = Factory(state)
    tenant = await factory.tenant(HOST)
    admin = await factory.user(tenant, role="admin")
    resident = await factory.user(tenant)
    rng = random.Random(1)
    async with state.db.session(tenant.id, write=True) as session:
        project = Project(slug="bench", title={"en": "Bench"}, description={"en": "x"}, status="published")
        session.add(project)
        await session.flush()
        now = utcnow()
        phase = Phase(project_id=project.id, title={"en": "Survey"}, description={}, method="survey",
                      config={"results_public": True}, permissions={}, starts_at=now - timedelta(days=30),
                      ends_at=now - timedelta(days=1))  # fmt: skip
        session.add(phase)
        await session.flush()
        kinds = ["single"] * 10 + ["scale"] * 10 + ["multiple"] * 5 + ["short"] * 5
        questions = []
        for position, kind in enumerate(kinds):
            question = SurveyQuestion(phase_id=phase.id, position=position, page=1 + position // 10, kind=kind,
                                      text={"en": f"Question {position + 1}"},
                                      options=OPTIONS if kind in ("single", "multiple") else [],
                                      settings={"max": 5})  # fmt: skip
            session.add(question)
            questions.append(question)
        await session.flush()
        rows = []
        for index in range(n_responses):
            answers: dict[str, Any] = {}
            for q in questions:
                if rng.random() < 0.1:
                    continue
                if q.kind == "single":
                    answers[str(q.id)] = f"o{rng.randint(1, 5)}"
                elif q.kind == "scale":
                    answers[str(q.id)] = rng.randint(1, 5)
                elif q.kind == "multiple":
                    answers[str(q.id)] = sorted(rng.sample([o[0] for o in OPTIONS], rng.randint(1, 3)))
                else:
                    answers[str(q.id)] = " ".join(rng.sample(WORDS, 3))
            rows.append({"id": random_id(), "tenant_id": tenant.id, "phase_id": phase.id,
                         "submission_key": f"bench-{index}", "source": "online", "answers": answers})  # fmt: skip
        for start in range(0, len(rows), 2000):
            await session.execute(insert(SurveyResponse), rows[start : start + 2000])
    return phase.id, admin, resident, questions


async def sql_baseline(state: Any, phase_id: int, questions: list[Any]) -> float:
    """Counts per answer value, per question, in SQL (JSON arrays counted as a whole value for brevity)."""
    from sqlalchemy import text

    dialect = state.db.dialect
    started = time.perf_counter()
    async with state.db.session(unscoped=True) as session:
        for q in questions:
            if dialect == "postgresql":
                stmt = text("SELECT answers->>:key AS v, count(*) FROM survey_response WHERE phase_id = :phase "
                            "GROUP BY v")  # fmt: skip
            else:
                stmt = text("SELECT json_extract(answers, '$.\"' || :key || '\"') AS v, count(*) FROM survey_response "
                            "WHERE phase_id = :phase GROUP BY v")  # fmt: skip
            (await session.execute(stmt, {"key": str(q.id), "phase": phase_id})).all()
    return time.perf_counter() - started


async def timed(client: Any, path: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        response = await client.get(path)
        assert response.status_code == 200, response.status_code
        best = min(best, time.perf_counter() - started)
    return best


async def main(args: argparse.Namespace) -> None:
    from core.testing.factories import Factory

    app = fresh_app("survey", args.database_url)
    state = app.state.townhall
    started = time.perf_counter()
    phase_id, admin, resident, questions = await seed(state, args.responses)
    print(f"seeded {args.responses} responses x {len(questions)} questions in {time.perf_counter() - started:.1f} s")
    async with client_for(app) as client:
        await Factory(state).login(client, admin)
        page = await timed(client, f"/p/{phase_id}/survey/results", args.repeat)
        xlsx = await timed(client, f"/p/{phase_id}/survey/results.xlsx", args.repeat)
    visitors = await visitor_statements(app, f"/p/{phase_id}/survey/results", resident)
    sql = min([await sql_baseline(state, phase_id, questions) for _ in range(args.repeat)])
    await state.db.dispose()
    print(f"database: {state.db.dialect}; best of {args.repeat}")
    print(f"plain SQL aggregation (30 GROUP BY): {sql:8.3f} s")
    print(f"Townhall results page:               {page:8.3f} s  ratio Townhall/SQL {page / sql:.1f}")
    print(f"Townhall XLSX export:                {xlsx:8.3f} s  ratio Townhall/SQL {xlsx / sql:.1f}")
    print(statements_line("results page", visitors))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
