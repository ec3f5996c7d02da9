"""What a method declares so the concurrency class test can prove its one-per-person facts and limited resources.

Issue "hardening" asks that every write a person may make only once (a support, a ballot, a signature) or that
draws on a limited resource holds when the same request arrives 50 times at once over several workers: no 5xx,
exactly the rows the rule allows, nothing half written. Instead of one hand-written race test per method, a method
returns ``ConcurrencyCase`` objects from the ``register_concurrency_cases()`` hook and the core's class test
(``tests/scale/test_concurrency_class.py``, PostgreSQL with two web workers) fires each of them, for every
installed method, present and future.

A case is data, not test code: ``prepare`` seeds what the request needs in a running phase of the method (an idea
to support, a cart to submit) and returns the ``ConcurrencyRequest`` to fire and the statement counting the rows
that must exist afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ConcurrencyRequest:
    """One POST fired many times at once by one resident, and what must be true afterwards.

    ``rows`` is a SQLAlchemy ``select(func.count())...`` that must give ``expected`` after the burst (for a
    one-per-person fact: the person's rows, ``expected=1``). ``form`` is sent form-encoded (the CSRF token is added).
    ``accepted`` lists the statuses a request of the burst may answer besides 2xx/3xx (the losers' refusal).
    """

    path: str
    rows: Any
    expected: int = 1
    form: dict[str, str] = field(default_factory=dict)
    accepted: tuple[int, ...] = (403, 409, 422, 429)


@dataclass(frozen=True)
class ConcurrencyCase:
    """A write that must take effect a bounded number of times, however many identical requests race.

    ``key`` is ``<method key>.<name>``. ``prepare(session, phase, actor_id, author_id)`` runs in a tenant-scoped
    write session on a running phase of the method (its default configuration and permissions); ``actor_id`` is the
    verified resident who fires the burst, ``author_id`` another one, to own whatever the actor acts on; it returns
    the ConcurrencyRequest.
    """

    key: str
    prepare: Callable[[Any, Any, int, int], Awaitable[ConcurrencyRequest]]

    @property
    def method(self) -> str:
        return self.key.split(".", 1)[0]


MakeItem = Callable[[Any, Any, int], Awaitable[int]]


def participation_cases(method: str, kind: str, make_item: MakeItem) -> list[ConcurrencyCase]:
    """The core primitives' one-per-person facts on one item kind of a method, ready to register.

    A reaction, a follow and a report per person and item (UNIQUE constraints), and a reaction on a comment of the
    item: ``make_item(session, phase, author_id)`` stores one item of ``kind`` in the phase and returns its id.
    """
    from sqlalchemy import func, select

    from core.models import Comment, Follow, Reaction, Report
    from core.participation.registry import COMMENT_KIND

    def rows(model: Any, person: Any, item_kind: str, item_id: int, actor_id: int) -> Any:
        return (
            select(func.count())
            .select_from(model)
            .where(model.item_kind == item_kind, model.item_id == item_id, person == actor_id)
        )

    def case(name: str, model: Any, person: str, act: str, form: dict[str, str], on_comment: bool = False) -> Any:
        async def prepare(session: Any, phase: Any, actor_id: int, author_id: int) -> ConcurrencyRequest:
            target_kind, target_id = kind, await make_item(session, phase, author_id)
            if on_comment:
                comment = Comment(
                    item_kind=kind, item_id=target_id, phase_id=phase.id, author_id=author_id, body="A comment"
                )
                session.add(comment)
                await session.flush()
                target_kind, target_id = COMMENT_KIND, comment.id
            return ConcurrencyRequest(
                path=f"/items/{target_kind}/{target_id}/{act}",
                form=form,
                rows=rows(model, getattr(model, person), target_kind, target_id, actor_id),
            )

        return ConcurrencyCase(key=f"{method}.{kind.split('.')[-1]}_{name}", prepare=prepare)

    return [
        case("reaction", Reaction, "user_id", "react", {"kind": "like"}),
        case("follow", Follow, "user_id", "follow", {"follow": "1"}),
        case("report", Report, "reporter_id", "report", {"reason": "spam", "note": ""}),
        case("comment_reaction", Reaction, "user_id", "react", {"kind": "like"}, on_comment=True),
    ]
