"""HTTP routes under ``/p/{phase_id}/workshop``: plain form posts that redirect (the board works by reloading
without JavaScript); with htmx, board forms swap the live region and every open page refetches it when the
session's channel (``workshop:<session id>``) announces a change over server-sent events.

Every route starts with ``phase_context`` (404 for another tenant's or method's phase); residents' writes ask
``pctx.can`` and count against the action's rate limit; the facilitator is the phase's staff (``pctx.moderator``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import ServerSentEvent

from core import (
    Ctx,
    FormErrors,
    PhaseContext,
    PhasePanel,
    UserFacingError,
    Verdict,
    audit,
    denied,
    framing_headers,
    is_htmx,
    live_slot,
    multiloc,
    multiloc_or_error,
    notifications,
    phase_context,
    read_form,
    redirect,
    render,
    sse_response,
    table_download,
    tenant_channel,
    utcnow,
)
from core import gettext as _
from plugins.workshop import rules, services
from plugins.workshop.models import Card, WorkshopSession
from plugins.workshop.spec import KEY, POST, REGISTER, VOTE

CHANGED = f"{KEY}.changed"  # domain event: published on the session's channel after the commit
MAX_STREAMS = 5  # live connections per person, across every worker (core live_slot)
STATUS_FOR_REASON = {"not_signed_in": 401, "already_done": 409}
FLASH = {
    "registered": lambda: _("You are registered for this session."),
    "waiting": lambda: _("The session is full: you are on the waiting list."),
    "cancelled": lambda: _("Your registration has been cancelled."),
    "saved": lambda: _("Saved."),
    "posted": lambda: _("Your card is on the board."),
    "pending": lambda: _("Your card waits for the facilitator's approval."),
}


def base(phase_id: int) -> str:
    return f"/p/{phase_id}/{KEY}"


def channel(tenant_id: int, session_id: int) -> str:
    return tenant_channel(tenant_id, f"{KEY}:{session_id}")


def refuse(verdict: Verdict) -> UserFacingError:
    return UserFacingError(detail=verdict.message, status_code=STATUS_FOR_REASON.get(verdict.reason or "", 403))


def fail(message: str, status: int = 409) -> UserFacingError:
    return UserFacingError(detail=message, status_code=status)


def require_staff(pctx: PhaseContext) -> None:
    if pctx.user is None:
        raise refuse(denied("not_signed_in"))
    if not pctx.moderator:
        raise fail(_("Only the facilitators of this workshop may do this."), 403)


def _locales(pctx: PhaseContext) -> list[str]:
    return list(pctx.tenant.locales or [pctx.tenant.default_locale])


def _tz(pctx: PhaseContext) -> str:
    return getattr(pctx.tenant, "timezone", None) or "UTC"


def local_input(value: datetime | None, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_local(raw: str, tz: str) -> datetime | None:
    try:
        naive = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    if not 2000 <= naive.year <= 2200:
        return None
    return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


async def load(pctx: PhaseContext, session_id: int, *, lock: bool = False) -> WorkshopSession:
    ws = await services.get_session(pctx.session, pctx.phase.id, session_id, lock=lock)
    if ws is None:
        raise NotFoundException()
    return ws


async def load_card(pctx: PhaseContext, ws: WorkshopSession, card_id: int) -> Card:
    card = await pctx.session.get(Card, card_id)
    if card is None or card.session_id != ws.id:
        raise NotFoundException()
    if not pctx.moderator and card.hidden:
        raise NotFoundException()
    if not pctx.moderator and not card.approved and (pctx.user is None or card.author_id != pctx.user.id):
        raise NotFoundException()
    return card


def same_room(pctx: PhaseContext, ws: WorkshopSession, reg: Any, card: Card) -> None:
    """While breakout rooms are open a participant reaches only the cards of their own room (404 for others)."""
    if ws.rooms_open and not pctx.moderator and (reg is None or card.room_id != reg.room_id):
        raise NotFoundException()


def changed(pctx: PhaseContext, ws: WorkshopSession, what: str) -> None:
    """Queue the live update: published on the session's channel once this request's transaction committed."""
    pctx.ctx.emit(CHANGED, session_id=ws.id, what=what)


def flash(request: Request) -> str | None:
    maker = FLASH.get(request.query_params.get("done", ""))
    return maker() if maker else None


# --------------------------------------------------------------------------- who may do what


async def seat(pctx: PhaseContext, ws: WorkshopSession) -> Any:
    reg = await services.my_registration(pctx.session, ws.id, pctx.user)
    return reg


def on_board(pctx: PhaseContext, reg: Any) -> bool:
    """Facilitators and people holding a seat take part in the board; the waiting list does not."""
    return pctx.moderator or (reg is not None and reg.status == rules.REGISTERED)


def board_problem(pctx: PhaseContext, ws: WorkshopSession, reg: Any) -> str | None:
    """Why this person cannot write on the board now (translated), or None."""
    if pctx.user is None:
        return denied("not_signed_in").message
    state = services.state_of(ws)
    if state == rules.UPCOMING:
        return _("The board opens %(minutes)s minutes before the session starts.", minutes=ws.join_minutes)
    if state == rules.ENDED:
        return _("This session has ended.")
    if not on_board(pctx, reg):
        return _("Only registered participants may take part in the board.")
    if ws.locked and not pctx.moderator:
        return _("The facilitator has locked the board.")
    if ws.rooms_open and not pctx.moderator and reg.room_id is None:
        if ws.rooms_choice:
            return _("Choose a breakout room to take part.")
        return _("The facilitator will put you in a breakout room.")
    return None


async def check_write(pctx: PhaseContext, ws: WorkshopSession, action: str) -> Any:
    """Refuse (4xx, translated) unless this person may write on the board now; returns their registration."""
    reg = await seat(pctx, ws)
    problem = board_problem(pctx, ws, reg)
    if problem is not None:
        raise fail(problem, 401 if pctx.user is None else 403 if not on_board(pctx, reg) else 409)
    if not pctx.moderator:
        verdict = pctx.can(action)
        if not verdict.allowed:
            raise refuse(verdict)
    return reg


async def card_to_write_on(pctx: PhaseContext, ws: WorkshopSession, card_id: int, action: str) -> Card:
    """A card this person may vote on or reply to now: the board's write check, then the card in their room."""
    reg = await check_write(pctx, ws, action)
    card = await load_card(pctx, ws, card_id)
    same_room(pctx, ws, reg, card)
    return card


# --------------------------------------------------------------------------- contexts


async def common(pctx: PhaseContext) -> dict[str, Any]:
    return {
        "pctx": pctx,
        "config": pctx.config,
        "base": base(pctx.phase.id),
        "now": utcnow(),
        "rules": rules,
        "errors": None,
        "default_locale": pctx.tenant.default_locale,
    }


async def phase_panel(pctx: PhaseContext) -> PhasePanel:
    items = await services.sessions(pctx.session, pctx.phase.id)
    return PhasePanel("workshop/panel.html", await common(pctx) | {"sessions": items, "state_of": services.state_of})


async def live_context(pctx: PhaseContext, ws: WorkshopSession, reg: Any) -> dict[str, Any]:
    session = pctx.session
    user_id = pctx.user.id if pctx.user else None
    numbers = await services.room_numbers(session, ws)
    my_room = reg.room_id if reg is not None and ws.rooms_open else None
    needs_room = ws.rooms_open and not pctx.moderator and my_room is None
    cards = [] if needs_room else await services.board_cards(session, ws, user_id, pctx.moderator, my_room)
    ids = [c.id for c in cards]
    votes = await services.vote_counts(session, ids)
    top = [c for c in cards if c.parent_id is None]
    replies: dict[int, list[Card]] = {}
    for c in cards:
        if c.parent_id is not None:
            replies.setdefault(c.parent_id, []).append(c)
    top.sort(key=lambda c: (not c.pinned, c.cluster == "", c.cluster.lower(), -votes.get(c.id, 0), c.id))
    if pctx.moderator and ws.rooms_open:  # the facilitator sees every room, room by room
        top.sort(key=lambda c: numbers.get(c.room_id or 0, 0))
    steps = services.steps_of(ws, pctx.tenant.default_locale)
    now = utcnow()
    return {
        "ws": ws,
        "reg": reg,
        "state": services.state_of(ws, now),
        "steps": steps,
        "step": rules.clamp_step(ws.current_step, len(steps)),
        "timer": rules.timer_state(ws.timer_ends_at, now),
        "cards": top,
        "replies": replies,
        "votes": votes,
        "mine": await services.my_votes(session, ids, pctx.user),
        "names": await services.names(session, {c.author_id for c in cards}),
        "problem": board_problem(pctx, ws, reg),
        "staff": pctx.moderator,
        "user_id": user_id,
        "kinds": kind_labels(),
        "clock": rules.clock,
        "rooms": await services.rooms(session, ws) if ws.rooms_open else [],
        "room_of": numbers,
        "my_room": numbers.get(my_room or 0),
        "needs_room": needs_room,
    }


def kind_labels() -> dict[str, str]:
    return {"question": _("Question"), "idea": _("Idea"), "note": _("Note")}


async def session_context(pctx: PhaseContext, ws: WorkshopSession) -> dict[str, Any]:
    reg = await seat(pctx, ws)
    context = await common(pctx) | await live_context(pctx, ws, reg)
    verdict = pctx.can(REGISTER)
    if verdict.allowed and pctx.user is None:
        verdict = denied("not_signed_in")
    context |= {
        "counts": await services.counts(pctx.session, ws.id),
        "position": await services.waiting_position(pctx.session, reg) if reg and reg.status == rules.WAITING else 0,
        "register_verdict": verdict,
        "title": services.title_of(ws, pctx.tenant.default_locale),
        "join_opens": rules.join_opens_at(ws.starts_at, ws.join_minutes),
        "on_board": on_board(pctx, reg),
        "link_ok": bool(ws.meeting_url)
        and rules.meeting_link_problem(ws.meeting_url, pctx.config.allowed_hosts) is None,
    }
    return context


async def session_form(request: Request, pctx: PhaseContext, ws: WorkshopSession | None) -> Response[str]:
    """The staff form for a new session (``ws`` None) or an existing one, filled with its stored values."""
    return render(
        request,
        "workshop/form.html",
        **await common(pctx),
        ws=ws,
        locales=_locales(pctx),
        values=form_values(ws, _tz(pctx)),
        timezone=_tz(pctx),
    )


def embeds_meeting(pctx: PhaseContext, context: dict[str, Any]) -> bool:
    """The meeting shows inside the page only while live, for people on the board, when the phase chose so."""
    return bool(
        pctx.config.embed_meeting and context["link_ok"] and context["on_board"] and context["state"] == rules.LIVE
    )


def meeting_headers(pctx: PhaseContext, ws: WorkshopSession, context: dict[str, Any]) -> dict[str, str] | None:
    """With the meeting embedded, this page (and no other) lets the meeting's origin be framed and use the camera."""
    context["embed_meeting"] = embeds_meeting(pctx, context)
    if not context["embed_meeting"]:
        return None
    return framing_headers(rules.meeting_origin(ws.meeting_url))


def live_response(request: Request, context: dict[str, Any]) -> Response[str]:
    return render(request, "workshop/_live.html", **context)


async def answer(request: Request, pctx: PhaseContext, ws: WorkshopSession, done: str = "") -> Response[str]:
    """htmx: the fresh live region; a plain post: back to the session page (its board), with a message."""
    if is_htmx(request):
        return live_response(request, await common(pctx) | await live_context(pctx, ws, await seat(pctx, ws)))
    suffix = f"?done={done}" if done else ""
    return redirect(request, f"{base(pctx.phase.id)}/{ws.id}{suffix}#board")


# --------------------------------------------------------------------------- session form (staff)


def form_values(ws: WorkshopSession | None, tz: str) -> dict[str, Any]:
    if ws is None:
        return {
            "title": {},
            "agenda": {},
            "starts_at": "",
            "ends_at": "",
            "capacity": 20,
            "join_minutes": 10,
            "meeting_url": "",
            "registration_open": True,
        }
    return {
        "title": ws.title,
        "agenda": {k: "\n".join(v) for k, v in (ws.agenda or {}).items()},
        "starts_at": local_input(ws.starts_at, tz),
        "ends_at": local_input(ws.ends_at, tz),
        "capacity": ws.capacity,
        "join_minutes": ws.join_minutes,
        "meeting_url": ws.meeting_url,
        "registration_open": ws.registration_open,
    }


LINK_PROBLEMS = {
    "https": lambda: _("The meeting link must start with https://."),
    "host": lambda: _("The meeting link's host is not one the municipality allows for this workshop."),
    "format": lambda: _("The meeting link is not a valid web address."),
}


def read_session_form(pctx: PhaseContext, form: Any, errors: FormErrors) -> dict[str, Any]:
    locales, tz = _locales(pctx), _tz(pctx)
    title = multiloc_or_error(
        form,
        "title",
        locales,
        errors,
        required_locale=pctx.tenant.default_locale,
        message=_("Give the session a title."),
    )
    agenda: dict[str, list[str]] = {}
    for code in locales:
        lines = [" ".join(line.split())[:200] for line in form.get(f"agenda.{code}").splitlines() if line.strip()]
        if len(lines) > 30:
            errors.add(f"agenda.{code}", _("An agenda has at most 30 steps."))
        if lines:
            agenda[code] = lines[:30]
    starts, ends = parse_local(form.get("starts_at"), tz), parse_local(form.get("ends_at"), tz)
    if starts is None:
        errors.add("starts_at", _("Give the start as a date and time."))
    if ends is None:
        errors.add("ends_at", _("Give the end as a date and time."))
    if starts and ends and ends <= starts:
        errors.add("ends_at", _("The session must end after it starts."))
    capacity, join = form.int("capacity", 0), form.int("join_minutes", 10)
    if capacity is None or not 0 <= capacity <= 100_000:
        errors.add("capacity", _("Give a number of seats between 0 (no limit) and 100000."))
    if join is None or not 0 <= join <= 240:
        errors.add("join_minutes", _("Give a number of minutes between 0 and 240."))
    url = form.get("meeting_url")
    problem = rules.meeting_link_problem(url, pctx.config.allowed_hosts)
    if problem:
        errors.add("meeting_url", LINK_PROBLEMS[problem]())
    return {
        "title": title,
        "agenda": agenda,
        "starts_at": starts,
        "ends_at": ends,
        "capacity": capacity or 0,
        "join_minutes": join if join is not None else 10,
        "meeting_url": url,
        "registration_open": form.flag("registration_open"),
    }


# --------------------------------------------------------------------------- routes


class WorkshopController(Controller):
    path = "/p/{phase_id:int}/workshop"

    @get("/")
    async def index(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        panel = await phase_panel(pctx)
        return render(request, "workshop/index.html", **panel.context)

    @get("/new")
    async def new_form(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        return await session_form(request, pctx, None)

    @post("/new")
    async def create(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        return await self._save(request, pctx, None)

    @get("/{session_id:int}/edit")
    async def edit_form(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        return await session_form(request, pctx, await load(pctx, session_id))

    @post("/{session_id:int}/edit")
    async def update(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        return await self._save(request, pctx, await load(pctx, session_id, lock=True))

    async def _save(self, request: Request, pctx: PhaseContext, ws: WorkshopSession | None) -> Response[str]:
        form, errors = await read_form(request), FormErrors()
        data = read_session_form(pctx, form, errors)
        if errors:
            values = {
                **data,
                "agenda": {k: form.get(f"agenda.{k}") for k in _locales(pctx)},
                "starts_at": form.get("starts_at"),
                "ends_at": form.get("ends_at"),
                "capacity": form.get("capacity"),
                "join_minutes": form.get("join_minutes"),
            }
            context = await common(pctx) | {"errors": errors}
            return render(
                request,
                "workshop/form.html",
                status_code=422,
                **context,
                ws=ws,
                locales=_locales(pctx),
                values=values,
                timezone=_tz(pctx),
            )
        created = ws is None
        if ws is None:
            ws = WorkshopSession(phase_id=pctx.phase.id, **data)
            pctx.session.add(ws)
            await pctx.session.flush()
        else:
            for name, value in data.items():
                setattr(ws, name, value)
            await pctx.session.flush()
            promoted = await services.promote(pctx.session, ws)  # a larger capacity seats the waiting list
            notifications.announce(pctx.ctx, await services.notify_promoted(pctx.session, ws, promoted))
            changed(pctx, ws, "session")
        audit.record(
            pctx.session,
            pctx.user,
            f"{KEY}.{'create' if created else 'edit'}",
            ("workshop_session", ws.id),
            {"title": ws.title},
        )
        return redirect(request, f"{base(pctx.phase.id)}/{ws.id}?done=saved")

    @get("/{session_id:int}")
    async def show(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        context = await session_context(pctx, ws)
        if context["state"] == rules.LIVE and context["reg"] is not None and context["on_board"]:
            await services.mark_joined(pctx.session, ws, pctx.user.id)  # attendance: opened the live board
        headers = meeting_headers(pctx, ws, context)  # also tells the template whether to embed
        return render(request, "workshop/session.html", headers=headers, **context, flash=flash(request))

    @get("/{session_id:int}/live")
    async def live(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        """The live region (current step, timer, board) as a fragment: what htmx refetches on every event."""
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        reg = await seat(pctx, ws)
        if not on_board(pctx, reg):
            raise fail(_("Only registered participants may take part in the board."), 403)
        return live_response(request, await common(pctx) | await live_context(pctx, ws, reg))

    @get("/{session_id:int}/events", cache=False)
    async def events(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> ServerSentEvent | Response[str]:
        """``event: board`` whenever the session changes; the page then refetches its live region."""
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        if pctx.user is None:
            return Response(_("Please sign in"), status_code=401, media_type="text/plain")
        if not on_board(pctx, await seat(pctx, ws)):
            return Response(
                _("Only registered participants may take part in the board."), status_code=403, media_type="text/plain"
            )
        release = await live_slot(ctx, f"workshop:user:{pctx.user.id}", MAX_STREAMS)
        if release is None:
            return Response(
                _("You have too many live pages open. Close one and reload this page."),
                status_code=429,
                media_type="text/plain",
                headers={"Retry-After": "30"},
            )
        try:
            return sse_response(request, channel(ctx.tenant_id, ws.id), event_name="board", on_close=release)
        except Exception:
            release()
            raise

    @get("/{session_id:int}/calendar.ics")
    async def calendar(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        url = str(request.base_url).rstrip("/") + pctx.ctx.url(f"{base(pctx.phase.id)}/{ws.id}")
        title = services.title_of(ws, pctx.tenant.default_locale)
        description = "\n".join(services.steps_of(ws, pctx.tenant.default_locale))
        body = rules.ics(
            f"workshop-{ctx.tenant_id}-{ws.id}@{request.url.hostname}",
            title,
            ws.starts_at,
            ws.ends_at,
            url,
            description,
            utcnow(),
        )
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="workshop-{ws.id}.ics"'},
        )

    # ------------------------------------------------------------------ registration

    @post("/{session_id:int}/register")
    async def register(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        verdict = pctx.can(REGISTER)
        if verdict.allowed and pctx.user is None:
            verdict = denied("not_signed_in")
        if not verdict.allowed:
            raise refuse(verdict)
        ws = await load(pctx, session_id, lock=True)
        if services.state_of(ws) == rules.ENDED:
            raise fail(_("This session has ended."))
        if not ws.registration_open:
            raise fail(_("Registration for this session is closed."))
        if await services.my_registration(pctx.session, ws.id, pctx.user) is not None:
            raise refuse(denied("already_done"))
        await pctx.attempt(REGISTER)
        reg = await services.register(pctx.session, ws, pctx.user.id)
        if reg is None:
            raise refuse(denied("already_done"))
        changed(pctx, ws, "registration")
        return redirect(request, f"{base(pctx.phase.id)}/{ws.id}?done={reg.status}")

    @post("/{session_id:int}/cancel")
    async def cancel(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        if pctx.user is None:
            raise refuse(denied("not_signed_in"))
        ws = await load(pctx, session_id, lock=True)
        if services.state_of(ws) == rules.ENDED:
            raise fail(_("This session has ended."))
        if await services.my_registration(pctx.session, ws.id, pctx.user) is None:
            raise fail(_("You are not registered for this session."))
        await pctx.attempt(REGISTER)
        _found, promoted = await services.cancel(pctx.session, ws, pctx.user.id)
        notifications.announce(pctx.ctx, await services.notify_promoted(pctx.session, ws, promoted))
        changed(pctx, ws, "registration")
        return redirect(request, f"{base(pctx.phase.id)}/{ws.id}?done=cancelled")

    # ------------------------------------------------------------------ board

    @post("/{session_id:int}/cards")
    async def post_card(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        reg = await check_write(pctx, ws, POST)
        form = await read_form(request)
        body, kind = form.get("body"), form.get("kind") or "note"
        parent_id = form.int("parent")
        if kind not in rules.CARD_KINDS:
            raise fail(_("Choose a question, an idea or a note."), 422)
        if not body:
            raise fail(_("Write something on the card."), 422)
        if len(body) > pctx.config.max_card_length:
            raise fail(_("A card has at most %(num)s characters.", num=pctx.config.max_card_length), 422)
        parent = None
        if form.get("parent"):
            if parent_id is None:
                raise NotFoundException()
            parent = await load_card(pctx, ws, parent_id)
            same_room(pctx, ws, reg, parent)
            if parent.parent_id is not None:
                parent = await load_card(pctx, ws, parent.parent_id)  # replies stay one level deep
        await pctx.attempt(POST)
        steps = services.steps_of(ws, pctx.tenant.default_locale)
        card = Card(
            session_id=ws.id,
            phase_id=pctx.phase.id,
            parent_id=parent.id if parent else None,
            author_id=pctx.user.id,
            kind=kind,
            body=body,
            anonymous=pctx.config.anonymous_cards and form.flag("anonymous"),
            step=rules.clamp_step(ws.current_step, len(steps)),
            approved=pctx.moderator or not pctx.config.premoderation,
            room_id=parent.room_id if parent else (reg.room_id if ws.rooms_open and reg is not None else None),
        )
        pctx.session.add(card)
        await pctx.session.flush()
        changed(pctx, ws, "card")
        return await answer(request, pctx, ws, "posted" if card.approved else "pending")

    @post("/{session_id:int}/cards/{card_id:int}/vote")
    async def vote(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int], card_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        card = await card_to_write_on(pctx, ws, card_id, VOTE)
        if not card.approved:
            raise fail(_("This card waits for the facilitator's approval."))
        undo = (await read_form(request)).get("undo") == "1"
        await pctx.attempt(VOTE)
        done = await (services.unvote if undo else services.vote)(pctx.session, card, pctx.user.id)
        if not done and not undo:
            raise refuse(denied("already_done"))
        if done:
            changed(pctx, ws, "vote")
        return await answer(request, pctx, ws)

    @post("/{session_id:int}/rooms/join")
    async def join_room(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        """Choose a breakout room (when the facilitator lets people choose); once, until the rooms reopen."""
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        reg = await seat(pctx, ws)
        if pctx.user is None:
            raise refuse(denied("not_signed_in"))
        if reg is None or reg.status != rules.REGISTERED:
            raise fail(_("Only registered participants may take part in the board."), 403)
        if services.state_of(ws) != rules.LIVE or not ws.rooms_open or not ws.rooms_choice:
            raise fail(_("Breakout rooms are not open for choosing."))
        if reg.room_id is not None:
            raise refuse(denied("already_done"))
        number = (await read_form(request)).int("room")
        if number is None or not await services.join_room(pctx.session, ws, reg, number):
            raise fail(_("Choose one of the rooms."), 422)
        changed(pctx, ws, "rooms")
        return await answer(request, pctx, ws)

    @get("/{session_id:int}/cards/{card_id:int}/reply")
    async def reply_form(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int], card_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        card = await card_to_write_on(pctx, ws, card_id, POST)
        return render(
            request,
            "workshop/reply.html",
            **await common(pctx),
            ws=ws,
            card=card,
            title=services.title_of(ws, pctx.tenant.default_locale),
        )

    @get("/{session_id:int}/cards/{card_id:int}/edit")
    async def edit_card_form(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int], card_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        card = await load_card(pctx, ws, card_id)
        self._may_edit(pctx, card)
        return render(
            request,
            "workshop/card_edit.html",
            **await common(pctx),
            ws=ws,
            card=card,
            body=card.body,
            kind=card.kind,
            version=card.version,
            conflict=False,
            kinds=kind_labels(),
            title=services.title_of(ws, pctx.tenant.default_locale),
        )

    @staticmethod
    def _may_edit(pctx: PhaseContext, card: Card) -> None:
        if pctx.user is None:
            raise refuse(denied("not_signed_in"))
        if not pctx.moderator and card.author_id != pctx.user.id:
            raise fail(_("Only the author and the facilitators may edit this card."), 403)

    @post("/{session_id:int}/cards/{card_id:int}/edit")
    async def edit_card(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int], card_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        card = await load_card(pctx, ws, card_id)
        self._may_edit(pctx, card)
        if not pctx.moderator:
            await check_write(pctx, ws, POST)
        form = await read_form(request)
        body, kind, seen = form.get("body"), form.get("kind") or card.kind, form.int("version")
        if kind not in rules.CARD_KINDS or seen is None:
            raise fail(_("Choose a question, an idea or a note."), 422)
        if not body or len(body) > pctx.config.max_card_length:
            raise fail(_("A card has at most %(num)s characters.", num=pctx.config.max_card_length), 422)
        if not pctx.moderator:
            await pctx.attempt(POST, step="edit")
        if not await services.edit_card(pctx.session, card.id, seen, body, kind):
            await pctx.session.refresh(card)
            return render(
                request,
                "workshop/card_edit.html",
                status_code=409,
                **await common(pctx),
                ws=ws,
                card=card,
                body=body,
                kind=kind,
                version=card.version,
                conflict=True,
                kinds=kind_labels(),
                title=services.title_of(ws, pctx.tenant.default_locale),
            )
        changed(pctx, ws, "card")
        return redirect(request, f"{base(pctx.phase.id)}/{ws.id}?done=saved#card-{card.id}")

    @post("/{session_id:int}/cards/{card_id:int}/moderate")
    async def moderate(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int], card_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        ws = await load(pctx, session_id)
        card = await load_card(pctx, ws, card_id)
        form = await read_form(request)
        act = form.get("act")
        if act not in rules.MODERATION_ACTS:
            raise fail(_("Unknown action."), 422)
        flags = {
            "approve": ("approved", True),
            "hide": ("hidden", True),
            "unhide": ("hidden", False),
            "answer": ("answered", True),
            "unanswer": ("answered", False),
            "pin": ("pinned", True),
            "unpin": ("pinned", False),
            "shortlist": ("shortlisted", True),
            "unshortlist": ("shortlisted", False),
        }
        if act == "cluster":
            card.cluster = rules.clean_cluster(form.get("cluster"))
        else:
            name, value = flags[act]
            setattr(card, name, value)
            if act == "hide":
                card.hidden_reason = "facilitator"
            elif act == "unhide":
                card.hidden_reason = None
        card.updated_at = utcnow()
        await pctx.session.flush()
        if act in ("hide", "unhide"):
            audit.record(pctx.session, pctx.user, f"{KEY}.{act}", ("workshop_card", card.id), {})
        changed(pctx, ws, "card")
        return await answer(request, pctx, ws)

    @post("/{session_id:int}/control")
    async def control(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        ws = await load(pctx, session_id, lock=True)
        form = await read_form(request)
        act = form.get("act")
        if act not in rules.CONTROL_ACTS:
            raise fail(_("Unknown action."), 422)
        if services.state_of(ws) == rules.ENDED:
            raise fail(_("This session has ended."))
        now = utcnow()
        if act in ("lock", "unlock"):
            ws.locked = act == "lock"
        elif act == "end":
            ws.ended_at, ws.locked, ws.timer_ends_at = now, True, None
            audit.record(pctx.session, pctx.user, f"{KEY}.end", ("workshop_session", ws.id), {})
        elif act == "step":
            step = form.int("step")
            steps = services.steps_of(ws, pctx.tenant.default_locale)
            if step is None or not 0 <= step < max(len(steps), 1):
                raise fail(_("Choose one of the agenda steps."), 422)
            ws.current_step = step
        elif act == "timer":
            minutes = form.int("minutes")
            if minutes is None or not 1 <= minutes <= rules.MAX_TIMER_MINUTES:
                raise fail(_("Give a number of minutes between 1 and 240."), 422)
            ws.timer_ends_at = now + timedelta(minutes=minutes)
        elif act == "rooms_open":
            count = form.int("rooms")
            if count is None or not 2 <= count <= rules.MAX_ROOMS:
                raise fail(_("Give a number of rooms between 2 and 20."), 422)
            await services.open_rooms(pctx.session, ws, count, form.get("mode") == "choose")
        elif act == "rooms_close":
            ws.rooms_open = False
        else:
            ws.timer_ends_at = None
        await pctx.session.flush()
        changed(pctx, ws, act)
        return await answer(request, pctx, ws)

    # ------------------------------------------------------------------ outcome

    @get("/{session_id:int}/report")
    async def report(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        ws = await load(pctx, session_id)
        if not ws.report_published and not pctx.moderator:
            raise NotFoundException()
        steps = services.steps_of(ws, pctx.tenant.default_locale)
        data = await services.report(pctx.session, ws, steps)
        return render(
            request,
            "workshop/report.html",
            **await common(pctx),
            ws=ws,
            report=data,
            steps=steps,
            title=services.title_of(ws, pctx.tenant.default_locale),
            locales=_locales(pctx),
            kinds=kind_labels(),
            state=services.state_of(ws),
            flash=flash(request),
        )

    @post("/{session_id:int}/report")
    async def save_report(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        ws = await load(pctx, session_id, lock=True)
        form = await read_form(request)
        try:
            ws.notes = multiloc.clean(form.multiloc("notes", _locales(pctx)), _locales(pctx))
        except ValueError:
            raise fail(_("The notes are too long."), 422) from None
        ws.report_published = form.flag("published")
        audit.record(
            pctx.session, pctx.user, f"{KEY}.report", ("workshop_session", ws.id), {"published": ws.report_published}
        )
        return redirect(request, f"{base(pctx.phase.id)}/{ws.id}/report?done=saved")

    @get("/{session_id:int}/export.csv")
    async def export_csv(self, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]) -> Response[bytes]:
        return await self._export(ctx, phase_id, session_id, "csv")

    @get("/{session_id:int}/export.xlsx")
    async def export_xlsx(self, ctx: Ctx, phase_id: FromPath[int], session_id: FromPath[int]) -> Response[bytes]:
        return await self._export(ctx, phase_id, session_id, "xlsx")

    async def _export(self, ctx: Ctx, phase_id: int, session_id: int, fmt: str) -> Response[bytes]:
        """The session's visible cards with their up-votes, for staff (the core's exports neutralise formulas)."""
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        ws = await load(pctx, session_id)
        header, rows = await services.export_rows(pctx.session, pctx.phase)
        rows = [row for row in rows if row[0] == ws.id]
        return table_download(header, rows, basename=f"{KEY}-session-{ws.id}", fmt=fmt)
