"""Participation primitives tested through the dummy method's item kind ``dummy.phase`` (the phase itself)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from core.models import Comment


@dataclass
class Scene:
    client: Any
    factory: Any
    tenant: Any
    csrf: Any
    project: Any = None
    phase: Any = None

    @property
    def item(self) -> str:
        return f"/items/dummy.phase/{self.phase.id}"

    @property
    def page(self) -> str:
        return f"/projects/{self.project.slug}/phases/{self.phase.id}"

    async def setup(self, **config: Any) -> Scene:
        self.project = await self.factory.project(self.tenant)
        self.phase = await self.factory.phase(self.project, "dummy", config=config)
        return self

    async def resident(self, **fields: Any) -> Any:
        user = await self.factory.user(self.tenant, **fields)
        await self.factory.login(self.client, user)
        return user

    async def post(self, path: str, data: dict | None = None, **kwargs: Any) -> Any:
        headers = {**await self.csrf(self.client), **kwargs.pop("headers", {})}
        return await self.client.post(path, data=data or {}, headers=headers, follow_redirects=False, **kwargs)

    async def comment(self, body: str = "A thought", **data: Any) -> int:
        response = await self.post(f"{self.item}/comments", {"body": body, **data})
        assert response.status_code == 303, response.text
        return int(response.headers["location"].rsplit("#comment-", 1)[1])

    async def comments(self) -> list[Comment]:
        async with self.factory.db.session(self.tenant.id) as session:
            return list((await session.scalars(select(Comment).order_by(Comment.id))).all())


@pytest.fixture
async def scene(client, factory, tenant, csrf) -> Scene:
    return await Scene(client, factory, tenant, csrf).setup()
