"""The ideation rules for ideas: who may post and change them, the lists, exports and hand-over.

Every act re-checks, on the server, the phase state and the resident's permission (``pctx.can``, which also asks
this plugin's ``permission_verdict`` for the config switches), then the posting limit, after locking the person's
row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite requests already hold the write lock from BEGIN IMMEDIATE), so
parallel requests of one person cannot overshoot it. Comments, reactions, follows, reports and statuses are the
core's participation primitives on ``ideation.idea`` (items.py); lists sort and count with aggregates over them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import Integer, String, bindparam, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import (
    COMMENT_KIND,
    Area,
    Comment,
    ListCounts,
    PhaseOutput,
    Reaction,
    Topic,
    User,
    UserFacingError,
    Verdict,
    cache_copies,
    cached_taxonomy,
    comment_total,
    current_locale,
    denied,
    follow_item,
    pick,
    prescoped,
    reaction_total,
    sanitize,
    tenant_cached,
    utcnow,
)
from core import gettext as _
from plugins.ideation.items import KIND, REACTIONS
from plugins.ideation.models import Idea, IdeaImage, IdeaStatus, IdeaTopic
from plugins.ideation.schemas import IdeaInput, ListQuery
from plugins.ideation.spec import DEFAULT_STATUS, SORTS, STATUSES
from plugins.ideation.text import excerpt


def likes(item_id: Any, kind: str = KIND) -> Any:
    return reaction_total(kind, item_id, ("like",))


def dislikes(item_id: Any, kind: str = KIND) -> Any:
    return reaction_total(kind, item_id, ("dislike",))


RANDOM_PRIME = 1_000_003


# --------------------------------------------------------------------------- lookups


@dataclass
class StatusInfo:
    key: str
    label: str
    colour: str
    custom: bool = False
    locks: bool = True


async def _custom_statuses(session: AsyncSession) -> list[IdeaStatus]:
    rows = await session.scalars(select(IdeaStatus).order_by(IdeaStatus.position, IdeaStatus.id))
    return cache_copies(list(rows.all()))


async def statuses(session: AsyncSession, locale: str, default_locale: str, ctx: Any = None) -> dict[str, StatusInfo]:
    """Built-in statuses first, then the tenant's own, labelled in the reader's language. With the request's
    ``ctx`` the tenant's own come from the worker's cache (kept right by the tenant's version)."""
    found = {
        k: StatusInfo(k, str(v["label"]), str(v["colour"]), locks=k != DEFAULT_STATUS) for k, v in STATUSES.items()
    }
    rows = await (tenant_cached(ctx, "ideation.statuses", _custom_statuses) if ctx else _custom_statuses(session))
    for row in rows:
        found[row.key] = StatusInfo(
            row.key, pick(row.label, locale, default_locale).text or row.key, row.colour, True, row.locks_idea
        )
    return found


async def taxonomy(session: AsyncSession, ctx: Any = None) -> tuple[list[Topic], list[Area]]:
    """Topics and areas in order; with the request's ``ctx`` from the worker's cache (read-only rows)."""
    if ctx is not None:
        return await cached_taxonomy(ctx)
    topics = list((await session.scalars(select(Topic).order_by(Topic.position, Topic.id))).all())
    areas = list((await session.scalars(select(Area).order_by(Area.position, Area.id))).all())
    return topics, areas


async def get_idea(pctx: Any, idea_id: int, *, for_update: bool = False) -> Idea:
    """An idea of this phase that the visitor may see (hidden ones only for moderators)."""
    stmt = select(Idea).where(Idea.id == idea_id, Idea.phase_id == pctx.phase.id)
    if for_update:
        stmt = stmt.with_for_update()
    idea = await pctx.session.scalar(stmt)
    if idea is None or idea.withdrawn_at is not None or (idea.hidden and not pctx.moderator):
        raise NotFoundException()
    return idea


def refuse(verdict: Verdict) -> None:
    if not verdict.allowed:
        raise UserFacingError(detail=verdict.message, status_code=401 if verdict.reason == "not_signed_in" else 403)


async def lock_person(session: AsyncSession, user: User) -> None:
    """Serialise one person's limited acts (no-op on SQLite, whose writers already hold the database lock)."""
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())


# --------------------------------------------------------------------------- verdicts


@dataclass
class Standing:
    """What a signed-in person has already done in the phase (for the posting limit)."""

    ideas: int = 0


async def standing(pctx: Any) -> Standing:
    """The visitor's ideas in the phase, counted only when the phase has a posting limit (``post_verdict`` reads
    the count only then)."""
    result = Standing()
    user = pctx.user
    if user is None or not pctx.config.posting_limit:
        return result
    session, phase_id = pctx.session, pctx.phase.id
    result.ideas = int(
        await session.scalar(
            select(func.count()).select_from(Idea).where(Idea.phase_id == phase_id, Idea.author_id == user.id)
        )
        or 0
    )
    return result


def post_verdict(pctx: Any, mine: Standing) -> Verdict:
    verdict = pctx.can("ideation.post")
    if verdict.allowed and pctx.config.posting_limit and mine.ideas >= pctx.config.posting_limit:
        return denied("limit_reached")
    return verdict


def locked_by_status(idea: Idea, known: dict[str, StatusInfo] | None = None) -> bool:
    if idea.status == DEFAULT_STATUS:
        return False
    info = (known or {}).get(idea.status)
    return info.locks if info is not None else True


def edit_refusal(pctx: Any, idea: Idea, known: dict[str, StatusInfo] | None = None) -> str | None:
    """Why the author may not edit or withdraw the idea now, or None when they may. Only authors ask."""
    if pctx.user is None or idea.author_id != pctx.user.id or idea.offline:
        return _("Only the author can change this idea.")
    verdict = pctx.can("ideation.post")
    if not verdict.allowed and verdict.reason in ("phase_not_active", "banned", "not_signed_in"):
        return verdict.message
    if locked_by_status(idea, known):
        return _("The municipality has given this idea a status, so it can no longer be changed.")
    if idea.hidden:
        return _("This idea is hidden by a moderator.")
    return None


# --------------------------------------------------------------------------- listing


def _random_key(visitor_id: str) -> tuple[int, int]:
    digest = hashlib.sha256(visitor_id.encode()).digest()
    multiplier = int.from_bytes(digest[:4], "big") % (RANDOM_PRIME - 1) + 1
    offset = int.from_bytes(digest[4:8], "big") % RANDOM_PRIME
    return multiplier, offset


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def visible_ideas(phase_id: Any, moderator: bool) -> Any:
    """The phase's ideas a visitor sees: not withdrawn, and not hidden unless a moderator looks."""
    stmt = select(Idea).where(Idea.phase_id == phase_id, Idea.withdrawn_at.is_(None))
    if not moderator:
        stmt = stmt.where(Idea.hidden.is_(False))
    return stmt


@dataclass
class Page:
    ideas: list[Idea]
    total: int
    page: int
    page_size: int
    topics_by_idea: dict[int, list[int]]
    names: dict[int, str]  # public display names of the page's authors (never of anonymous or offline ideas)
    counted: dict[int, Any] | None = None  # comments and reactions per idea, from the page query (core.ListCounts)
    standing: Standing | None = None  # the visitor's own ideas in the phase, from the page query

    @property
    def has_more(self) -> bool:
        return self.page * self.page_size < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class _PageStatement:
    """A list page's statements of one shape, built once: every value is a bound parameter (see ``_page_shape``)."""

    rows: Any  # the page's ideas with total, author name, topics, counts (and the visitor's own ideas)
    total: Any  # the total alone, for a page past the end
    counts: ListCounts


_PAGE_STATEMENTS: dict[tuple, _PageStatement] = {}


def _page_statement(
    sort: str,
    topic: bool,
    area: bool,
    status: bool,
    q: bool,
    signed_in: bool,
    moderator: bool,
    limited: tuple[str, ...] = (),
    posting_limit: bool = False,
):
    """The statements for one shape of list (sort, which filters, who asks, which limits the phase sets), built on
    first use and kept for the worker's life: building and annotating this many subqueries cost more CPU than
    SQLite's running them. Values (phase, filters, page, random key, visitor) are bound parameters; tenant scoping
    still applies on execution (core.db.scoping adds its criteria to every ORM statement). What the visitor already
    did in the phase (reactions of each ``limited`` kind, ideas when there is a ``posting_limit``) is counted only
    for the limits the phase sets."""
    key = (sort, topic, area, status, q, signed_in, moderator, limited, posting_limit)
    found = _PAGE_STATEMENTS.get(key)
    if found is not None:
        return found
    stmt = visible_ideas(bindparam("phase_id"), moderator)
    if topic:
        stmt = stmt.where(Idea.id.in_(select(IdeaTopic.idea_id).where(IdeaTopic.topic_id == bindparam("topic"))))
    if area:
        stmt = stmt.where(Idea.area_id == bindparam("area"))
    if status:
        stmt = stmt.where(Idea.status == bindparam("status"))
    if q:
        pattern = bindparam("pattern", type_=String)
        stmt = stmt.where(or_(Idea.title.ilike(pattern, escape="\\"), Idea.body.ilike(pattern, escape="\\")))
    counted = select(func.count()).select_from(stmt.with_only_columns(Idea.id).subquery())
    if sort == "newest":
        order = [(Idea.created_at, True), (Idea.id, True)]
    elif sort == "reactions":
        order = [(reaction_total(KIND, Idea.id), True), (Idea.id, True)]
    elif sort == "discussed":
        order = [(comment_total(KIND, Idea.id), True), (Idea.id, True)]
    else:
        multiplier, shift = bindparam("multiplier", type_=Integer), bindparam("shift", type_=Integer)
        order = [((Idea.id * multiplier + shift) % RANDOM_PRIME, False), (Idea.id, False)]
    # The page's sort keys come out of the page's subquery as columns and order the outer query's few rows: a
    # row_number() over the phase's ideas cost SQLite a second sort of all of them (half the page query's time).
    # The total is a scalar subquery of its own, run once: a count(*) OVER () in the page's subquery made SQLite
    # keep and sort every idea of the phase, where without it "newest" reads the first rows of an index and the
    # random order keeps only the page's rows while sorting (0.86 instead of 2.8 ms, 1.5 instead of 2.0, with the
    # covering index ``ix_ideation_idea_listed``).
    keys = [expression.label(f"sort_{i}") for i, (expression, _descending) in enumerate(order)]
    window = (
        stmt.with_only_columns(Idea.id.label("idea_id"), *keys)
        .order_by(*(key.desc() if descending else key for key, (_e, descending) in zip(keys, order, strict=True)))
        .limit(bindparam("size", type_=Integer))
        .offset(bindparam("skip", type_=Integer))
        .subquery("page_ids")
    )
    page_order = [
        window.c[key.name].desc() if descending else window.c[key.name]
        for key, (_e, descending) in zip(keys, order, strict=True)
    ]
    user_id = bindparam("user_id", type_=Integer) if signed_in else None
    counts = ListCounts(
        None, KIND, Idea.id, user_id=user_id, phase_id=bindparam("phase_id"), kinds=REACTIONS, limited=limited
    )
    topics = (
        select(func.aggregate_strings(cast(IdeaTopic.topic_id, String), ","))
        .where(IdeaTopic.idea_id == Idea.id)
        .correlate_except(IdeaTopic)
        .scalar_subquery()
        .label("topic_ids")
    )
    own = (
        select(func.count()).select_from(Idea).where(Idea.phase_id == bindparam("phase_id"), Idea.author_id == user_id)
    )
    extra = [own.scalar_subquery().label("own_ideas")] if signed_in and posting_limit else []
    named = func.coalesce(User.display_name, "").label("author_name")
    full = (
        select(Idea, counted.scalar_subquery().label("total"), named, topics, *counts.columns, *extra)
        .join(window, window.c.idea_id == Idea.id)
        .outerjoin(User, User.id == Idea.author_id)
        .order_by(*page_order)
    )
    found = _PageStatement(full, counted, counts)
    _PAGE_STATEMENTS[key] = found
    return found


async def list_ideas(pctx: Any, query: ListQuery) -> Page:
    """One page of ideas with filters, in one statement whatever the page size: the page's ids, their order and the
    total (a window count) in a subquery, then per idea its author's public name, topics, comment and reaction
    counts and the visitor's reaction (correlated subqueries, evaluated for the page's rows only), and the
    visitor's own ideas and reactions in the phase. A page past the end costs the total and the standing apart."""
    sort = query.sort if query.sort in SORTS else pctx.config.default_sort
    signed_in = pctx.user is not None
    limits = pctx.rules_for(pctx.ctx.app.registry.item_kinds[KIND]).limits  # built once, the item views reuse them
    posting_limit = bool(pctx.config.posting_limit)
    shaped = _page_statement(
        sort, query.topic is not None, query.area is not None, bool(query.status), bool(query.q), signed_in,
        bool(pctx.moderator), tuple(k for k in REACTIONS if limits.get(k)), posting_limit,
    )  # fmt: skip
    size = pctx.config.page_size
    page = max(1, min(query.page, 10_000))
    params: dict[str, Any] = {"phase_id": pctx.phase.id, "size": size, "skip": (page - 1) * size}
    if query.topic is not None:
        params["topic"] = query.topic
    if query.area is not None:
        params["area"] = query.area
    if query.status:
        params["status"] = query.status
    if query.q:
        params["pattern"] = _like(query.q[:100])
    if sort not in ("newest", "reactions", "discussed"):
        params["multiplier"], params["shift"] = _random_key(pctx.ctx.visitor_id)
    if signed_in:
        params["user_id"] = pctx.user.id
    rows = (await pctx.session.execute(prescoped(shaped.rows, pctx.session), params)).all()
    ideas = [row[0] for row in rows]
    if not rows:
        total_params = {k: v for k, v in params.items() if k not in ("size", "skip", "multiplier", "shift", "user_id")}
        total = await pctx.session.scalar(prescoped(shaped.total, pctx.session), total_params)
        return Page([], int(total or 0), page, size, {}, {})
    counts = shaped.counts
    total = int(rows[0].total)
    names = {i.author_id: row.author_name for i, row in zip(ideas, rows, strict=True) if _public_author(i)}
    topics_by_idea = {
        i.id: sorted(int(t) for t in (row.topic_ids or "").split(",") if t) for i, row in zip(ideas, rows, strict=True)
    }
    # Without a posting limit nothing reads the visitor's count of ideas (``post_verdict``), so none was counted.
    standing = Standing(ideas=int(rows[0].own_ideas or 0)) if signed_in and posting_limit else Standing()
    by_id = {i.id: counts.read(row) for i, row in zip(ideas, rows, strict=True)}
    return Page(ideas, total, page, size, topics_by_idea, names, by_id, standing)


async def similar(pctx: Any, title: str, *, exclude: int | None = None) -> list[tuple[int, str, float]]:
    from plugins.ideation.text import most_similar

    if len(title.strip()) < 4:
        return []
    rows = await pctx.session.execute(
        select(Idea.id, Idea.title).where(
            Idea.phase_id == pctx.phase.id, Idea.withdrawn_at.is_(None), Idea.hidden.is_(False)
        )
    )
    candidates = [(i, t) for i, t in rows.all() if i != exclude]
    return most_similar(title[:200], candidates)


# --------------------------------------------------------------------------- ideas


async def create_idea(pctx: Any, data: IdeaInput, images: list[bytes]) -> Idea:
    from core import uploads

    user = pctx.user
    if user is None:
        refuse(denied("not_signed_in"))
    await lock_person(pctx.session, user)
    refuse(post_verdict(pctx, await standing(pctx)))
    idea = Idea(
        phase_id=pctx.phase.id,
        author_id=user.id,
        anonymous=data.anonymous,
        title=data.title,
        body=data.body,
        language=data.language,
        area_id=data.area_id,
        lat=data.lat,
        lon=data.lon,
        status=DEFAULT_STATUS,
    )
    pctx.session.add(idea)
    await pctx.session.flush()
    for topic_id in data.topic_ids:
        pctx.session.add(IdeaTopic(idea_id=idea.id, topic_id=topic_id))
    upload_dir = pctx.ctx.app.settings.upload_dir
    for blob in images:
        stored = uploads.save_image(upload_dir, pctx.tenant.id, blob)
        pctx.session.add(
            IdeaImage(idea_id=idea.id, stored_name=stored.name, content_type=stored.content_type, size=stored.size)
        )
    await pctx.session.flush()
    await follow_item(pctx.session, KIND, idea.id, user.id)
    pctx.ctx.emit("ideation.idea_posted", idea_id=idea.id, phase_id=pctx.phase.id)
    return idea


async def update_idea(pctx: Any, idea: Idea, data: IdeaInput) -> Idea:
    reason = edit_refusal(pctx, idea, await statuses(pctx.session, pctx.ctx.locale, pctx.tenant.default_locale))
    if reason:
        raise UserFacingError(detail=reason, status_code=403)
    idea.title, idea.body, idea.area_id = data.title, data.body, data.area_id
    idea.lat, idea.lon, idea.anonymous = data.lat, data.lon, data.anonymous
    idea.updated_at = utcnow()
    await pctx.session.execute(delete(IdeaTopic).where(IdeaTopic.idea_id == idea.id))
    for topic_id in data.topic_ids:
        pctx.session.add(IdeaTopic(idea_id=idea.id, topic_id=topic_id))
    await pctx.session.flush()
    return idea


async def withdraw_idea(pctx: Any, idea: Idea) -> None:
    reason = edit_refusal(pctx, idea, await statuses(pctx.session, pctx.ctx.locale, pctx.tenant.default_locale))
    if reason:
        raise UserFacingError(detail=reason, status_code=403)
    await pctx.attempt("ideation.post", step="edit")
    idea.withdrawn_at = utcnow()
    await pctx.session.flush()


# --------------------------------------------------------------------------- exports and personal data


def _public_author(idea: Idea) -> bool:
    return not idea.anonymous and not idea.offline and idea.author_id is not None


def _author(idea_or_comment: Any, names: dict[int, str]) -> str:
    if getattr(idea_or_comment, "offline", False):
        return _("Offline")
    if idea_or_comment.anonymous or idea_or_comment.author_id is None:
        return _("Anonymous")
    return names.get(idea_or_comment.author_id, "")


async def _names(session: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {i: n for i, n in rows.all()}


async def export_ideas(session: AsyncSession, phase: Any) -> tuple[list[str], list[list[Any]]]:
    rows = (
        await session.execute(
            select(Idea, likes(Idea.id), dislikes(Idea.id), comment_total(KIND, Idea.id))
            .where(Idea.phase_id == phase.id)
            .order_by(Idea.id)
        )
    ).all()
    ideas = [row[0] for row in rows]
    counts = {row[0].id: row[1:] for row in rows}
    names = await _names(session, {i.author_id for i in ideas if not i.anonymous})
    topic_names: dict[int, list[str]] = {}
    if ideas:
        rows = await session.execute(
            select(IdeaTopic.idea_id, Topic.name)
            .join(Topic, Topic.id == IdeaTopic.topic_id)
            .where(IdeaTopic.idea_id.in_([i.id for i in ideas]))
        )
        for idea_id, name in rows.all():
            topic_names.setdefault(idea_id, []).append(next(iter(v for v in name.values() if v), ""))
    header = [
        "id",
        "title",
        "body",
        "language",
        "author",
        "status",
        "topics",
        "area_id",
        "lat",
        "lon",
        "likes",
        "dislikes",
        "comments",
        "hidden",
        "withdrawn",
        "offline_source",
        "created_at",
    ]
    out = [
        [
            i.id,
            i.title,
            i.body,
            i.language,
            _author(i, names),
            i.status,
            "; ".join(topic_names.get(i.id, [])),
            i.area_id,
            i.lat,
            i.lon,
            *counts[i.id],
            i.hidden,
            i.withdrawn_at is not None,
            i.offline_source or "",
            i.created_at,
        ]
        for i in ideas
    ]
    return header, out


async def export_comments(session: AsyncSession, phase: Any) -> tuple[list[str], list[list[Any]]]:
    found = (
        await session.execute(
            select(Comment, likes(Comment.id, COMMENT_KIND), dislikes(Comment.id, COMMENT_KIND))
            .where(Comment.item_kind == KIND, Comment.phase_id == phase.id)
            .order_by(Comment.id)
        )
    ).all()
    rows = [row[0] for row in found]
    counts = {row[0].id: row[1:] for row in found}
    names = await _names(session, {c.author_id for c in rows if not c.anonymous})
    header = [
        "id",
        "idea_id",
        "parent_id",
        "author",
        "body",
        "language",
        "likes",
        "dislikes",
        "hidden",
        "deleted",
        "created_at",
    ]
    return header, [
        [
            c.id,
            c.item_id,
            c.parent_id,
            _author(c, names),
            c.body,
            c.language,
            *counts[c.id],
            c.hidden,
            c.deleted_at is not None,
            c.created_at,
        ]
        for c in rows
    ]


async def export_reactions(session: AsyncSession, phase: Any) -> tuple[list[str], list[list[Any]]]:
    """Reactions without who gave them: counts per item and day are what analysis needs."""
    header = ["target_type", "target_id", "kind", "created_at"]
    labels = {KIND: "idea", COMMENT_KIND: "comment"}
    rows = await session.execute(
        select(Reaction.item_kind, Reaction.item_id, Reaction.kind, Reaction.created_at)
        .where(Reaction.phase_id == phase.id, Reaction.item_kind.in_(list(labels)))
        .order_by(Reaction.item_kind.desc(), Reaction.id)
    )
    return header, [[labels[kind], *rest] for kind, *rest in rows.all()]


async def geojson(session: AsyncSession, phase: Any, *, include_hidden: bool = False) -> dict[str, Any]:
    wanted = [Idea.phase_id == phase.id, Idea.lat.is_not(None), Idea.lon.is_not(None), Idea.withdrawn_at.is_(None)]
    if not include_hidden:
        wanted.append(Idea.hidden.is_(False))
    stmt = select(Idea, likes(Idea.id), comment_total(KIND, Idea.id)).where(*wanted).order_by(Idea.id)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [i.lon, i.lat]},
            "properties": {
                "id": i.id,
                "title": i.title,
                "status": i.status,
                "likes": liked,
                "comments": discussed,
                "url": f"/p/{phase.id}/ideation/ideas/{i.id}",
            },
        }
        for i, liked, discussed in (await session.execute(stmt)).all()
    ]
    return {"type": "FeatureCollection", "features": features}


async def user_data(session: AsyncSession, user: Any) -> dict[str, Any]:
    """A person's ideas; their comments and reactions are in the core's part of the export."""
    ideas = (await session.scalars(select(Idea).where(Idea.author_id == user.id).order_by(Idea.id))).all()
    return {"ideas": [{"id": i.id, "title": i.title, "body": i.body, "anonymous": i.anonymous} for i in ideas]}


async def forget_user(session: AsyncSession, user: Any) -> None:
    """Ideas stay for the public record but lose their author (the core forgets comments, reactions, follows)."""
    await session.execute(update(Idea).where(Idea.author_id == user.id).values(author_id=None, anonymous=True))


OUTPUT_DESCRIPTION_LIMIT = 4000


async def phase_outputs(session: AsyncSession, phase: Any) -> list[PhaseOutput]:
    """The ``phase_outputs`` hook: the phase's public ideas (not hidden, not withdrawn) for a later phase.

    Best supported first (likes minus dislikes); the body as plain text; the status labelled in the reader's
    language; never the author, anonymous or not.
    """
    score = likes(Idea.id) - dislikes(Idea.id)
    stmt = select(Idea, score).where(Idea.phase_id == phase.id, Idea.withdrawn_at.is_(None), Idea.hidden.is_(False))
    rows = (await session.execute(stmt.order_by(score.desc(), Idea.id))).all()
    ideas = [idea for idea, _score in rows]
    locale = current_locale()
    labels = await statuses(session, locale, locale) if ideas else {}
    return [
        PhaseOutput(
            key=f"idea:{idea.id}",
            title={idea.language: idea.title},
            description={idea.language: excerpt(idea.body, OUTPUT_DESCRIPTION_LIMIT)} if idea.body.strip() else {},
            area_id=idea.area_id,
            url=f"/p/{phase.id}/ideation/ideas/{idea.id}",
            status=labels[idea.status].label if idea.status in labels else idea.status,
            score=int(points or 0),
        )
        for idea, points in rows
    ]


def render_body(source: str) -> Any:
    return sanitize.markdown_to_html(source)
