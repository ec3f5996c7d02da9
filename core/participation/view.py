"""Everything an item page needs to render the core's participation fragments, gathered in a fixed number of
queries (comments, their reactions, the item's reactions, follows, history) whatever the thread's size."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from core import multiloc
from core.models import Comment, Reaction
from core.participation import comments, follows, reactions, statuses
from core.participation.items import Item, verdict
from core.participation.moderation import HIDE_REASONS, REPORT_REASONS, UNHIDE_REASONS, can_hide, hide_reason_label
from core.participation.registry import COMMENT_KIND
from core.permissions import Verdict

ACTS = ("comment", "react", "follow", "report")


class Verdicts(Mapping[str, Verdict]):
    """An item's verdict for each act, each worked out when first read (a list reads only "react"; the comment
    verdict of twenty listed items was twenty permission checks nobody showed)."""

    def __init__(self, item: Item) -> None:
        self.item = item
        self._found: dict[str, Verdict] = {}

    def __getitem__(self, act: str) -> Verdict:
        found = self._found.get(act)
        if found is None:
            if act not in ACTS:
                raise KeyError(act)
            found = self._found[act] = verdict(self.item, act)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(ACTS)

    def __len__(self) -> int:
        return len(ACTS)


@dataclass
class ItemView:
    item: Item
    thread: comments.Thread
    comment_count: int
    reaction_counts: dict[str, int]
    my_reaction: str | None
    reaction_verdicts: dict[str, Verdict]
    following: bool
    verdicts: Mapping[str, Verdict]
    comment_reaction_counts: dict[int, dict[str, int]] = field(default_factory=dict)
    my_comment_reactions: dict[int, str] = field(default_factory=dict)
    history: list[Any] = field(default_factory=list)
    statuses: dict[str, Any] = field(default_factory=dict)
    report_reasons: dict[str, Any] = field(default_factory=lambda: REPORT_REASONS)
    hide_reasons: dict[str, Any] = field(default_factory=lambda: HIDE_REASONS)
    unhide_reasons: dict[str, Any] = field(default_factory=lambda: UNHIDE_REASONS)

    @property
    def base(self) -> str:
        return f"/items/{self.item.kind}/{self.item.id}"

    @property
    def rules(self) -> Any:
        return self.item.rules

    @property
    def moderator(self) -> bool:
        return self.item.pctx.moderator

    def comment_item(self, comment: Comment) -> Item:
        return Item(COMMENT_KIND, comment.id, comment, self.item.adapter, self.item.pctx, self.item)

    def edit_refusal(self, comment: Comment) -> str | None:
        return comments.edit_refusal(self.comment_item(comment))

    def render_body(self, source: str) -> Any:
        return comments.render_body(source)

    def hide_label(self, key: str | None) -> str:
        return hide_reason_label(key)

    def status_label(self, key: str) -> str:
        """A status in the reader's language (labels may be lazy strings or multilingual dicts)."""
        label = self.statuses.get(key, key)
        if isinstance(label, dict):
            ctx = self.item.pctx.ctx
            return multiloc.pick(label, ctx.locale, ctx.tenant.default_locale).text or key
        return str(label)

    @property
    def status_options(self) -> list[tuple[str, str]]:
        return [(key, self.status_label(key)) for key in self.statuses]

    @property
    def comment_verdicts(self) -> dict[str, Verdict]:
        """Reacting to a comment follows the item's react verdict; per-phase limits count items only."""
        return dict.fromkeys(self.rules.reactions, self.verdicts["react"])

    @property
    def can_hide(self) -> bool:
        return can_hide(self.item)


async def item_view(pctx: Any, kind: str, obj: Any) -> ItemView:
    """The view of ``obj`` (an item of ``kind`` the method already loaded through ``pctx``)."""
    adapter = pctx.ctx.app.registry.item_kinds[kind]
    item = Item(kind, obj.id, obj, adapter, pctx)
    return await view_of(item)


async def view_of(item: Item) -> ItemView:
    session, user = item.pctx.session, item.pctx.user
    thread = await comments.thread(session, item.kind, item.id)
    ids = thread.ids
    given = await reactions.used(session, user, item.kind, item.pctx.phase.id)
    mine = (await reactions.mine(session, user, item.kind, [item.id])).get(item.id)
    found = ItemView(
        item=item,
        thread=thread,
        comment_count=(await comments.counts(session, item.kind, [item.id]))[item.id],
        reaction_counts=(await reactions.counts(session, item.kind, [item.id]))[item.id],
        my_reaction=mine,
        reaction_verdicts={k: reactions.limit_verdict(item, k, given, mine) for k in item.rules.reactions},
        following=item.id in await follows.following(session, user, item.kind, [item.id]),
        verdicts=Verdicts(item),
        comment_reaction_counts=await reactions.counts(session, COMMENT_KIND, ids),
        my_comment_reactions=await reactions.mine(session, user, COMMENT_KIND, ids),
        history=await statuses.history(session, item.kind, item.id),
        statuses=await item.adapter.statuses(session) if item.adapter.statuses else {},
    )
    return found


@dataclass
class Counted:
    """One list row's participation figures, read from the columns ``ListCounts`` added to the page query."""

    comments: int
    reactions: dict[str, int]
    mine: str | None
    given: dict[str, int]


class ListCounts:
    """The counts a list shows, as columns of the list's own page query instead of queries of their own.

    ``columns`` are labelled scalar subqueries to add to the statement that selects the page's items (correlated
    on ``item_id``, the column holding the item's id): visible comments, reactions of each kind, the visitor's own
    reaction and, not correlated, what the visitor already gave in the phase (for per-phase limits). ``read(row)``
    turns a result row's values into a ``Counted``; ``item_views(..., counted=...)`` then sends no query. The
    subqueries go through the session's tenant scoping like the rest of the statement.
    """

    def __init__(
        self,
        pctx: Any,
        kind: str,
        item_id: Any,
        *,
        user_id: Any = None,
        phase_id: Any = None,
        kinds: tuple[str, ...] | None = None,
        limited: tuple[str, ...] | None = None,
    ) -> None:
        """``user_id`` and ``phase_id`` (values or ``bindparam``s) stand for the visitor's and the phase's ids when
        given, so a list may build its statement once and execute it with each request's values; ``pctx`` may then
        be None (anonymous when ``user_id`` is None). ``kinds``: the reactions the item kind can have (every
        reaction kind when not given), two subqueries per kind saved for each kind it never has. ``limited``: the
        kinds with a per-phase limit (``ParticipationRules.limits``), the only ones whose count of what the visitor
        already gave is read (every kind when not given): a phase without limits counts none of the visitor's
        reactions in the phase, which for a visitor who reacted a lot was most of a list's extra cost."""
        from core.participation.api import comment_total, reaction_total

        if pctx is not None:
            user_id = user_id if user_id is not None else (pctx.user.id if pctx.user is not None else None)
            phase_id = phase_id if phase_id is not None else pctx.phase.id
        self.kinds = tuple(kinds) if kinds else reactions.KINDS
        self.limited = self.kinds if limited is None else tuple(k for k in self.kinds if k in limited)
        self.signed_in = user_id is not None
        columns = [comment_total(kind, item_id).label("th_comments")]
        columns += [reaction_total(kind, item_id, (k,)).label(f"th_reactions_{k}") for k in self.kinds]
        if user_id is not None:
            mine = (
                select(Reaction.kind)
                .where(Reaction.item_kind == kind, Reaction.item_id == item_id, Reaction.user_id == user_id)
                .limit(1)
                .correlate_except(Reaction)
                .scalar_subquery()
            )
            columns.append(mine.label("th_mine"))
            for k in self.limited:
                given = select(func.count(Reaction.id)).where(
                    Reaction.user_id == user_id,
                    Reaction.phase_id == phase_id,
                    Reaction.item_kind == kind,
                    Reaction.kind == k,
                )
                columns.append(given.correlate(None).scalar_subquery().label(f"th_given_{k}"))
        self.columns = columns

    def read(self, row: Any) -> Counted:
        values = row._mapping
        found = {k: int(values[f"th_reactions_{k}"] or 0) for k in self.kinds}
        given = {k: int(values[f"th_given_{k}"] or 0) for k in self.limited} if self.signed_in else {}
        return Counted(
            comments=int(values["th_comments"] or 0),
            reactions={k: n for k, n in found.items() if n},
            mine=values["th_mine"] if self.signed_in else None,
            given={k: n for k, n in given.items() if n},
        )


async def item_views(
    pctx: Any, kind: str, objs: list[Any], counted: dict[int, Counted] | None = None
) -> dict[int, ItemView]:
    """Views of a list's items for their reaction buttons and comment counts: no query when the page query brought
    the counts (``counted``, see ``ListCounts``), else four whatever the list's length (counts, comment counts, the
    person's reactions, what the person already gave in the phase).

    The views carry no thread, history or follow state: a list shows buttons and counts, the item page the rest.
    """
    adapter = pctx.ctx.app.registry.item_kinds[kind]
    ids = [obj.id for obj in objs]
    if not ids:
        return {}
    session, user = pctx.session, pctx.user
    if counted is not None:
        counted_rows = [counted[i] for i in ids]
        counted_reactions = {i: c.reactions for i, c in zip(ids, counted_rows, strict=True)}
        discussed = {i: c.comments for i, c in zip(ids, counted_rows, strict=True)}
        mine = {i: c.mine for i, c in zip(ids, counted_rows, strict=True) if c.mine is not None}
        given = counted_rows[0].given
    else:
        counted_reactions = await reactions.counts(session, kind, ids)
        discussed = await comments.counts(session, kind, ids)
        mine = await reactions.mine(session, user, kind, ids)
        given = await reactions.used(session, user, kind, pctx.phase.id)
    counted_by_id = counted_reactions
    found: dict[int, ItemView] = {}
    for obj in objs:
        item = Item(kind, obj.id, obj, adapter, pctx)
        current = mine.get(obj.id)
        verdicts = Verdicts(item)
        react = verdicts["react"]
        found[obj.id] = ItemView(
            item=item,
            thread=comments.Thread(),
            comment_count=discussed[obj.id],
            reaction_counts=counted_by_id[obj.id],
            my_reaction=current,
            reaction_verdicts={
                k: reactions.limit_verdict(item, k, given, current, react) for k in item.rules.reactions
            },
            following=False,
            verdicts=verdicts,
        )
    return found
