"""The baseline of benchmarks/startup.py: Litestar and an async SQLAlchemy engine, one route reading one row.

    BENCH_DATABASE_URL=sqlite+aiosqlite:///x.sqlite3 uvicorn --app-dir benchmarks bare_app:app
"""

from __future__ import annotations

import os

from litestar import Litestar, get
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(os.environ.get("BENCH_DATABASE_URL", "sqlite+aiosqlite:///:memory:"))


@get("/")
async def index() -> dict[str, int]:
    async with engine.connect() as conn:
        return {"one": (await conn.execute(text("SELECT 1"))).scalar_one()}


app = Litestar([index])
