"""Resolving ``(kind, id)`` into an item the visitor may act on, and the verdict for each act.

Every primitive starts here: an unknown kind, an item of another tenant (the session is tenant-scoped), of another
method's phase, of a draft project, or a hidden item seen by a non-moderator is a 404 — before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import select

from core.models import Comment
from core.participation.registry import COMMENT_KIND, ItemKind, ParticipationRules
from core.permissions import ALLOWED, Verdict, denied
from core.projects import PhaseContext, phase_context
from core.ratelimits import CORE_LIMITS
from core.web.errors import UserFacingError


@dataclass
class Item:
    """A resolved item. For a comment, ``parent`` is the item it was written on and ``adapter`` that item's."""

    kind: str
    id: int
    obj: Any
    adapter: ItemKind
    pctx: PhaseContext
    parent: Item | None = None

    @property
    def is_comment(self) -> bool:
        return self.kind == COMMENT_KIND

    @property
    def rules(self) -> ParticipationRules:
        """Built once per item kind and request (``PhaseContext.rules_for``): a list asks for them a few times per
        item and verdict."""
        return self.pctx.rules_for(self.adapter)

    @property
    def owner(self) -> Item:
        """The method's item this one belongs to (itself, or the item a comment is on)."""
        return self.parent or self

    @property
    def title(self) -> str:
        return self.adapter.title(self.owner.obj)

    @property
    def url(self) -> str:
        base = self.adapter.url(self.pctx, self.owner.obj)
        return f"{base}#comment-{self.id}" if self.is_comment else base

    @property
    def author_id(self) -> int | None:
        return self.obj.author_id if self.is_comment else self.adapter.author_id(self.obj)

    @property
    def hidden(self) -> bool:
        return bool(self.obj.hidden) if self.is_comment else self.adapter.hidden(self.obj)

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"


def adapter_for(ctx: Any, kind: str) -> ItemKind:
    found = ctx.app.registry.item_kinds.get(kind)
    if found is None:
        raise NotFoundException()
    return found


async def resolve(ctx: Any, kind: str, item_id: int) -> Item:
    """The item, its phase context and adapter; 404 when the visitor may not see it."""
    if kind == COMMENT_KIND:
        comment = await ctx.session.scalar(select(Comment).where(Comment.id == item_id))
        if comment is None:
            raise NotFoundException()
        parent = await resolve(ctx, comment.item_kind, comment.item_id)
        return Item(COMMENT_KIND, comment.id, comment, parent.adapter, parent.pctx, parent)
    adapter = adapter_for(ctx, kind)
    obj = await adapter.load(ctx.session, item_id)
    if obj is None:
        raise NotFoundException()
    pctx = await phase_context(ctx, adapter.phase_id(obj), adapter.method)
    if adapter.hidden(obj) and not pctx.moderator:
        raise NotFoundException()
    return Item(kind, item_id, obj, adapter, pctx)


def verdict(item: Item, act: str) -> Verdict:
    """May the visitor do ``act`` on the item now: phase permissions for the act, then the method's own veto."""
    pctx = item.pctx
    if pctx.user is None:
        return denied("not_signed_in")
    action = item.rules.actions.get(act)
    if action is not None:
        found = pctx.can(action, item.owner.obj)
    elif act in ("follow", "report"):
        found = ALLOWED
    else:
        found = denied("action_disabled")
    if found.allowed and item.adapter.verdict is not None:
        veto = item.adapter.verdict(pctx, item.owner.obj, act)
        if isinstance(veto, Verdict) and not veto.allowed:
            return veto
    return found


def refuse(found: Verdict) -> None:
    """Turn a refusal into the 401/403 the resident reads in their language."""
    if not found.allowed:
        raise UserFacingError(detail=found.message, status_code=401 if found.reason == "not_signed_in" else 403)


async def attempt(item: Item, act: str) -> None:
    """Count one ``act`` on the item against its rate limit (core.throttle), after the verdict and before the work.

    ``comment`` and ``react`` count against the limit the method declares on the phase's action for the act (e.g.
    ``ideation.comment``); ``follow``, ``report`` and ``comment_edit`` (editing or deleting one's own comment)
    against the core's own (``core.ratelimits.CORE_LIMITS``). Raises ``RateLimited`` (429) when over.
    """
    from core.throttle import rate_limit

    if act in ("comment", "react"):
        action = item.rules.actions.get(act)
        if action is not None:
            await item.pctx.attempt(action)
        return
    key = f"core.{act}"
    await rate_limit(item.pctx.ctx, key, CORE_LIMITS[key])


def require(item: Item, act: str) -> Any:
    """Refuse unless the act is allowed; hand back the signed-in user."""
    refuse(verdict(item, act))
    return item.pctx.user
