"""Item kinds: how a method tells the core which of its items can be commented, reacted to, followed, reported
and given a status.

A method returns ``ItemKind`` adapters from the ``register_item_kinds()`` hook. The core never imports a method's
models: it loads an item, finds its phase, title, URL and author, and asks for the phase's participation rules and
for any item-specific veto only through the adapter (the pattern of Decidim's commentable concern). Comments are
the core's own item kind, ``core.comment``; their rules are those of the item they are written on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

COMMENT_KIND = "core.comment"
ACTS = ("comment", "react", "follow", "report")


@dataclass(frozen=True)
class ParticipationRules:
    """What a phase allows on an item, read from the method's phase config.

    ``actions`` maps an act (``comment``, ``react``, ``follow``, ``report``) to the action key the phase's
    permissions check (``pctx.can``); a ``comment`` or ``react`` act without an action is switched off, ``follow``
    and ``report`` without one only need a signed-in person. ``limits`` caps reactions of one kind per person per
    phase (0: no limit). ``reply_depth`` 1 means replies, but no replies to replies.
    """

    actions: dict[str, str] = field(default_factory=dict)
    reactions: tuple[str, ...] = ("like", "dislike")
    limits: dict[str, int] = field(default_factory=dict)
    anonymous_comments: bool = False
    comment_edit_minutes: int = 15
    reply_depth: int = 1
    auto_hide_reports: int = 3


def _no_author(_item: Any) -> int | None:
    return None


def _never_hidden(_item: Any) -> bool:
    return False


def _hidden_reason_column(item: Any) -> str | None:
    return getattr(item, "hidden_reason", None)


@dataclass(frozen=True)
class ItemKind:
    """The adapter a method registers for one kind of item.

    - ``load(session, id)``: the item through the tenant-scoped session, or None;
    - ``phase_id(item)``, ``title(item)``, ``url(pctx, item)``, ``author_id(item)``;
    - ``rules(pctx)``: the phase's ``ParticipationRules``;
    - ``verdict(pctx, item, act)``: an optional item-specific veto (a ``Verdict`` or None);
    - ``hidden(item)`` / ``set_hidden(session, item, hidden, reason)``: hiding by moderators (items without
      ``set_hidden`` cannot be hidden, only their reports dismissed); hidden items are shown only to moderators;
    - ``hidden_ids(session, phase_ids)``: the ids of this kind's hidden items in those phases, newest first, so the
      moderation queue's "hidden" view can list them after their reports were handled (a kind with ``set_hidden``
      but without ``hidden_ids`` can be hidden, but its hidden items are found only through open reports);
      ``hidden_reason(item)`` the reason key stored with the hiding (default: the item's ``hidden_reason``);
    - ``phase_item_ids(session, phase_id)``: the ids of this kind's items in a phase, so the core's retention pass can
      delete the follows on them (follows carry no phase); without it those follows stay until a person is forgotten;
    - ``statuses(session)`` -> ``{key: label}`` (a ``lazy_gettext`` label or a multilingual dict reaches each
      follower in their own language), ``status_of(item)``, ``set_status(session, item, key)``: statuses
      and official updates (items without ``set_status`` get official updates only).
    """

    kind: str
    load: Callable[[Any, int], Awaitable[Any]]
    phase_id: Callable[[Any], int]
    title: Callable[[Any], str]
    url: Callable[[Any, Any], str]
    rules: Callable[[Any], ParticipationRules]
    author_id: Callable[[Any], int | None] = _no_author
    verdict: Callable[[Any, Any, str], Any] | None = None
    hidden: Callable[[Any], bool] = _never_hidden
    set_hidden: Callable[[Any, Any, bool, str | None], Awaitable[None]] | None = None
    hidden_ids: Callable[[Any, list[int]], Awaitable[list[int]]] | None = None
    hidden_reason: Callable[[Any], str | None] = _hidden_reason_column
    phase_item_ids: Callable[[Any, int], Awaitable[list[int]]] | None = None
    statuses: Callable[[Any], Awaitable[dict[str, Any]]] | None = None
    status_of: Callable[[Any], str | None] | None = None
    set_status: Callable[[Any, Any, str], Awaitable[None]] | None = None

    @property
    def method(self) -> str:
        return self.kind.split(".", 1)[0]


def gather(results: list[list[ItemKind] | None], methods: set[str]) -> dict[str, ItemKind]:
    """Item kinds by name; a kind must be ``<method key>.<noun>`` of a registered method, and unique."""
    kinds: dict[str, ItemKind] = {}
    for chunk in results:
        for item_kind in chunk or []:
            method, _, noun = item_kind.kind.partition(".")
            if not noun or method not in methods:
                raise ValueError(f"item kind {item_kind.kind!r} must be '<method key>.<noun>' of a registered method")
            if item_kind.kind in kinds:
                raise ValueError(f"two plugins register the item kind {item_kind.kind!r}")
            kinds[item_kind.kind] = item_kind
    return kinds
