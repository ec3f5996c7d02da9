"""HTTP routes under ``/p/{phase_id}/proposals``: plain form posts that redirect (no JavaScript needed); htmx swaps
the signing box and polls the live count. Every route starts with ``phase_context`` (404 for another tenant's or
method's phase) and every change is checked on the server: ``pctx.can`` for residents, ``pctx.moderator`` for staff.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from sqlalchemy import func, select

from core import (
    Ctx,
    FormErrors,
    PhaseContext,
    PhasePanel,
    User,
    UserFacingError,
    Verdict,
    denied,
    import_path,
    invalid,
    is_htmx,
    item_view,
    multiloc_or_error,
    notifications,
    phase_context,
    read_form,
    redirect,
    render,
    table_download,
    utcnow,
)
from core import gettext as _
from plugins.proposals import rules, services
from plugins.proposals.identity import identity_hash, identity_key
from plugins.proposals.items import KIND
from plugins.proposals.models import Signature
from plugins.proposals.spec import CREATE, KEY, SIGN

STATUS_FOR_REASON = {"not_signed_in": 401, "already_done": 409}
FLASH = {
    "created": lambda: _("Your draft is saved. Invite co-sponsors or submit it when it is ready."),
    "saved": lambda: _("Saved."),
    "submitted": lambda: _("Your proposal has been submitted."),
    "signed": lambda: _("Thank you for signing."),
    "withdrawn": lambda: _("Your signature has been withdrawn."),
    "done": lambda: _("Done."),
    "cosponsor": lambda: _("You are now a co-sponsor of this proposal."),
    "paper": lambda: _("The paper signature has been added."),
    "duplicate": lambda: _("This person has already signed: the paper signature was not added."),
    "invited": lambda: _("If a resident has an account with this address, they received your invitation."),
}


def base(phase_id: int) -> str:
    return f"/p/{phase_id}/{KEY}"


def refuse(verdict: Verdict) -> UserFacingError:
    return UserFacingError(detail=verdict.message, status_code=STATUS_FOR_REASON.get(verdict.reason or "", 403))


def require_staff(pctx: PhaseContext) -> None:
    if pctx.user is None:
        raise refuse(denied("not_signed_in"))
    if not pctx.moderator:
        raise PermissionDeniedException()


def require_author(pctx: PhaseContext, proposal: Any) -> None:
    if pctx.user is None:
        raise refuse(denied("not_signed_in"))
    if proposal.author_id != pctx.user.id:
        raise PermissionDeniedException()


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") and len(raw) < 19 else None
    except ValueError:
        return None


def create_verdict(pctx: PhaseContext) -> Verdict:
    verdict = pctx.can(CREATE)
    if verdict.allowed and pctx.user is None:
        return denied("not_signed_in")
    return verdict


def sign_verdict(pctx: PhaseContext, signed: bool) -> Verdict:
    verdict = pctx.can(SIGN, signed)
    if verdict.allowed and pctx.user is None:
        return denied("not_signed_in")
    return verdict


def announce(pctx: PhaseContext, notes: list[Any]) -> None:
    notifications.announce(pctx.ctx, notes)


def flash(request: Request) -> str | None:
    maker = FLASH.get(request.query_params.get("done", ""))
    return maker() if maker else None


async def common(pctx: PhaseContext) -> dict[str, Any]:
    topics, areas = await services.taxonomy(pctx.session, ctx=pctx.ctx)
    return {
        "pctx": pctx,
        "config": pctx.config,
        "base": base(pctx.phase.id),
        "topics": topics,
        "areas": areas,
        "topic_names": {t.id: t.name for t in topics},
        "area_names": {a.id: a.name for a in areas},
        "states": services.STATE_LABELS,
        "sorts": services.SORTS,
        "now": utcnow(),
        "progress": lambda p: rules.progress(p.total, p.threshold, p.deadline_at, utcnow()),
        "overdue": lambda p: rules.overdue(p.state, p.response_due_at, utcnow()),
        "errors": None,
    }


def read_filters(request: Request) -> dict[str, Any]:
    qp = request.query_params
    state = qp.get("state") or None
    sort = qp.get("sort") or "newest"
    return {
        "state": state if state in rules.STATES else None,
        "topic": _int(qp.get("topic")),
        "area": _int(qp.get("area")),
        "sort": sort if sort in services.SORTS else "newest",
    }


async def listing(pctx: PhaseContext, filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "proposals": await services.list_proposals(pctx, **filters),
        "mine": await services.mine(pctx),
        "filters": filters,
        "create_verdict": create_verdict(pctx),
        "qs": lambda **changes: urlencode({k: v for k, v in {**filters, **changes}.items() if v}),
    }


async def phase_panel(pctx: PhaseContext) -> PhasePanel:
    context = await common(pctx) | await listing(pctx, read_filters_default())
    return PhasePanel("proposals/panel.html", context)


def read_filters_default() -> dict[str, Any]:
    return {"state": None, "topic": None, "area": None, "sort": "newest"}


async def proposal_context(pctx: PhaseContext, proposal: Any) -> dict[str, Any]:
    session = pctx.session
    signature = await services.my_signature(session, proposal, pctx.user)
    cosponsors = await services.cosponsors(session, proposal)
    is_author = pctx.user is not None and pctx.user.id == proposal.author_id
    context = {
        "proposal": proposal,
        "signature": signature,
        "sign_verdict": sign_verdict(pctx, signature is not None),
        "signing_open": services.signing_open(proposal, pctx.config, utcnow()),
        "may_withdraw": (
            signature is not None
            and pctx.config.withdrawal_allowed
            and proposal.state == rules.COLLECTING
            and services.signing_open(proposal, pctx.config, utcnow())
        ),
        "cosponsors": cosponsors,
        "history": await services.history(session, proposal),
        "names": await services.names(session, {proposal.author_id}),
        "is_author": is_author,
        "invite_url": pctx.ctx.url(f"{base(pctx.phase.id)}/{proposal.id}/cosponsor?token={proposal.invite_token}")
        if is_author
        else None,
        "part": await item_view(pctx, KIND, proposal) if proposal.state in rules.PUBLIC else None,
        "allowed": rules.allowed,
        "import_url": import_path(pctx.phase.id, f"{KEY}.paper"),
    }
    return context


class ProposalsController(Controller):
    path = "/p/{phase_id:int}/proposals"

    # ------------------------------------------------------------------ browse and read

    @get("/")
    async def browse(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        context = await common(pctx) | await listing(pctx, read_filters(request))
        return render(
            request, "proposals/browse.html", fragment="proposals/_list.html", flash=flash(request), **context
        )

    @get("/{proposal_id:int}")
    async def show(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        proposal = await services.get_proposal(pctx, proposal_id)
        context = await common(pctx) | await proposal_context(pctx, proposal)
        return render(request, "proposals/proposal.html", flash=flash(request), **context)

    @get("/{proposal_id:int}/count")
    async def count(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        """The live count (htmx polls it); the same fragment as on the page."""
        pctx = await phase_context(ctx, phase_id, KEY)
        proposal = await services.get_proposal(pctx, proposal_id)
        return render(request, "proposals/_progress.html", **(await common(pctx)), proposal=proposal)

    # ------------------------------------------------------------------ drafts

    @get("/new")
    async def new_form(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        verdict = create_verdict(pctx)
        if not verdict.allowed:
            raise refuse(verdict)
        return render(request, "proposals/form.html", **await common(pctx), proposal=None, values={})

    @post("/new")
    async def create(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        verdict = create_verdict(pctx)
        if not verdict.allowed:
            raise refuse(verdict)
        await pctx.attempt(CREATE)
        form = await read_form(request)
        values, errors = await self._clean(pctx, form)
        if errors:
            return invalid(
                request,
                "proposals/form.html",
                errors,
                **{k: v for k, v in (await common(pctx)).items() if k != "errors"},
                proposal=None,
                values=form.as_dict(),
            )
        proposal = await services.create(pctx, **values)
        return redirect(request, f"{base(phase_id)}/{proposal.id}?done=created")

    async def _clean(self, pctx: PhaseContext, form: Any) -> tuple[dict[str, Any], FormErrors]:
        errors = FormErrors()
        title, body = form.get("title"), form.get("body")
        if form.has_nul or form.too_long:
            raise UserFacingError(detail=_("The form contained text that cannot be stored."), status_code=400)
        if not 5 <= len(title) <= 200:
            errors.add("title", _("Give a title of 5 to 200 characters."))
        if not 10 <= len(body) <= 10000:
            errors.add("body", _("Describe your proposal in 10 to 10000 characters."))
        topics, areas = await services.taxonomy(pctx.session)
        topic, area = form.int("topic"), form.int("area")
        if topic is not None and topic not in {t.id for t in topics}:
            errors.add("topic", _("Choose one of the topics."))
        if area is not None and area not in {a.id for a in areas}:
            errors.add("area", _("Choose one of the areas."))
        return {"title": title, "body": body, "topic_id": topic, "area_id": area}, errors

    @get("/{proposal_id:int}/edit")
    async def edit_form(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        proposal = await services.get_proposal(pctx, proposal_id)
        require_author(pctx, proposal)
        if proposal.state not in rules.EDITABLE:
            raise UserFacingError(detail=_("This proposal can no longer be edited."), status_code=409)
        values = {
            "title": proposal.title,
            "body": proposal.body,
            "topic": proposal.topic_id or "",
            "area": proposal.area_id or "",
        }
        return render(request, "proposals/form.html", **await common(pctx), proposal=proposal, values=values)

    @post("/{proposal_id:int}/edit")
    async def edit(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        proposal = await services.get_proposal(pctx, proposal_id, lock=True)
        require_author(pctx, proposal)
        if proposal.state not in rules.EDITABLE:
            raise UserFacingError(detail=_("This proposal can no longer be edited."), status_code=409)
        await pctx.attempt(CREATE, step="edit")
        form = await read_form(request)
        values, errors = await self._clean(pctx, form)
        if errors:
            return invalid(
                request,
                "proposals/form.html",
                errors,
                **{k: v for k, v in (await common(pctx)).items() if k != "errors"},
                proposal=proposal,
                values=form.as_dict(),
            )
        for key, value in values.items():
            setattr(proposal, key, value)
        proposal.updated_at = utcnow()
        return redirect(request, f"{base(phase_id)}/{proposal.id}?done=saved")

    @post("/{proposal_id:int}/submit")
    async def submit(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        proposal = await services.get_proposal(pctx, proposal_id, lock=True)
        require_author(pctx, proposal)
        verdict = create_verdict(pctx)
        if not verdict.allowed:
            raise refuse(verdict)
        await pctx.attempt(CREATE, step="edit")
        announce(pctx, await services.submit(pctx, proposal, pctx.config))
        return redirect(request, f"{base(phase_id)}/{proposal.id}?done=submitted")

    # ------------------------------------------------------------------ co-sponsors

    @get("/{proposal_id:int}/cosponsor")
    async def cosponsor_page(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        proposal = await self._invited(pctx, proposal_id, request.query_params.get("token", ""))
        return render(
            request, "proposals/cosponsor.html", **await common(pctx), proposal=proposal, token=proposal.invite_token
        )

    async def _invited(self, pctx: PhaseContext, proposal_id: int, token: str) -> Any:
        from sqlalchemy import select as _select

        from plugins.proposals.models import Proposal

        proposal = await pctx.session.scalar(
            _select(Proposal).where(Proposal.id == proposal_id, Proposal.phase_id == pctx.phase.id)
        )
        if proposal is None or not token or token != proposal.invite_token or proposal.state not in rules.EDITABLE:
            raise NotFoundException()
        return proposal

    @post("/{proposal_id:int}/cosponsor")
    async def cosponsor(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        form = await read_form(request)
        proposal = await self._invited(pctx, proposal_id, form.get("token"))
        verdict = create_verdict(pctx)
        if not verdict.allowed:
            raise refuse(verdict)
        if pctx.user.id == proposal.author_id:
            raise UserFacingError(detail=_("The author cannot co-sponsor their own proposal."), status_code=409)
        await pctx.attempt(CREATE, step="edit")
        if not await services.add_cosponsor(pctx, proposal):
            raise refuse(denied("already_done"))
        return redirect(request, f"{base(phase_id)}/{proposal.id}?done=cosponsor")

    # ------------------------------------------------------------------ signing

    @post("/{proposal_id:int}/sign")
    async def sign(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        proposal = await services.get_proposal(pctx, proposal_id)
        verdict = sign_verdict(pctx, await services.my_signature(pctx.session, proposal, pctx.user) is not None)
        if not verdict.allowed:
            raise refuse(verdict)
        await pctx.attempt(SIGN)
        digest = None
        if pctx.config.signer_identity:
            digest = _identity_digest(pctx, await read_form(request))
        proposal, notes = await services.sign(pctx, proposal_id, pctx.config, digest)
        announce(pctx, notes)
        return await self._after_sign(request, pctx, proposal, "signed")

    @post("/{proposal_id:int}/withdraw")
    async def withdraw(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        if pctx.user is None:
            raise refuse(denied("not_signed_in"))
        await pctx.attempt(SIGN)
        proposal = await services.withdraw(pctx, proposal_id, pctx.config)
        return await self._after_sign(request, pctx, proposal, "withdrawn")

    async def _after_sign(self, request: Request, pctx: PhaseContext, proposal: Any, done: str) -> Response[str]:
        if is_htmx(request):
            context = await common(pctx) | await proposal_context(pctx, proposal)
            return render(request, "proposals/_sign.html", flash=FLASH[done](), **context)
        return redirect(request, f"{base(pctx.phase.id)}/{proposal.id}?done={done}")

    # ------------------------------------------------------------------ staff

    @post("/{proposal_id:int}/screen")
    async def screen(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        """Staff decisions: publish, reject, ask for changes, declare ineligible (the last three need a reason)."""
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        proposal = await services.get_proposal(pctx, proposal_id, lock=True)
        form = await read_form(request)
        event, reason = form.get("event"), form.get("reason")[:2000]
        if event not in ("publish", "reject", "ask_changes", "declare_ineligible"):
            raise UserFacingError(detail=_("Choose what to do with the proposal."), status_code=400)
        services.refuse_transition(proposal, event)
        if event in rules.NEEDS_REASON and not reason:
            raise UserFacingError(detail=_("Give a reason: the author and the public read it."), status_code=400)
        if event == "publish":
            notes = await services.publish(pctx, proposal, pctx.config, actor_id=pctx.user.id)
        else:
            notes = await services.apply_transition(pctx.session, proposal, event, pctx.user.id, reason=reason)
        announce(pctx, notes)
        return redirect(request, f"{base(phase_id)}/{proposal.id}?done=done")

    @post("/{proposal_id:int}/answer")
    async def answer(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        proposal = await services.get_proposal(pctx, proposal_id, lock=True)
        services.refuse_transition(proposal, "answer")
        form = await read_form(request)
        locales = list(pctx.tenant.locales or [pctx.tenant.default_locale])
        errors = FormErrors()
        text = multiloc_or_error(
            form,
            "answer",
            locales,
            errors,
            required_locale=pctx.tenant.default_locale,
            message=_("Write the answer at least in the municipality's main language."),
        )
        link = form.get("link")[:500]
        if link and not link.startswith(("https://", "http://")):
            errors.add("link", _("Give a web address starting with https://"))
        if errors:
            raise UserFacingError(detail=" ".join(errors.values()), status_code=400)
        announce(pctx, await services.answer(pctx, proposal, text, link))
        return redirect(request, f"{base(phase_id)}/{proposal.id}?done=done")

    @post("/{proposal_id:int}/paper")
    async def paper(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        """Staff enter one paper signature; deduplicated by the identity key's keyed hash, never stored in clear."""
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        proposal = await services.get_proposal(pctx, proposal_id, lock=True)
        if not rules.may_sign(proposal.state, pctx.config.signing_after_threshold):
            raise UserFacingError(detail=_("This proposal is not collecting signatures."), status_code=409)
        digest = _identity_digest(pctx, await read_form(request))
        added, notes = await services.add_paper(
            pctx.session, proposal, digest, pctx.user.id, pctx.config, pctx.tenant.timezone
        )
        announce(pctx, notes)
        return redirect(request, f"{base(phase_id)}/{proposal.id}?done={'paper' if added else 'duplicate'}")

    @get(["/{proposal_id:int}/signers.csv", "/{proposal_id:int}/signers.xlsx"])
    async def signers(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[bytes]:
        """Who signed, for staff only (per proposal): online signers by name, paper signatures as such."""
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        proposal = await services.get_proposal(pctx, proposal_id)
        rows = await pctx.session.execute(
            select(Signature.created_at, Signature.paper, User.display_name, User.email)
            .outerjoin(User, User.id == Signature.user_id)
            .where(Signature.proposal_id == proposal.id)
            .order_by(Signature.id)
        )
        header = ["signed_at", "kind", "name", "email"]
        data = [[r[0].isoformat(), "paper" if r[1] else "online", r[2] or "", r[3] or ""] for r in rows.all()]
        return table_download(header, data, basename=f"{KEY}-{proposal.id}-signers", fmt=_fmt(request))

    @get(["/export.csv", "/export.xlsx"])
    async def export(self, request: Request, ctx: Ctx, phase_id: FromPath[int]) -> Response[bytes]:
        pctx = await phase_context(ctx, phase_id, KEY)
        require_staff(pctx)
        header, rows = await services.export_rows(pctx.session, pctx.phase)
        return table_download(header, rows, basename=f"{KEY}-phase-{phase_id}", fmt=_fmt(request))

    @post("/{proposal_id:int}/invite")
    async def invite(
        self, request: Request, ctx: Ctx, phase_id: FromPath[int], proposal_id: FromPath[int]
    ) -> Response[str]:
        """The author invites a co-sponsor by e-mail address: a resident with an account there gets a notification
        (and mail, as they chose) with the invitation link. The answer is the same whether or not the address has
        an account, so the form cannot be used to find out who lives in the municipality."""
        pctx = await phase_context(ctx, phase_id, KEY)
        proposal = await services.get_proposal(pctx, proposal_id)
        require_author(pctx, proposal)
        if proposal.state not in rules.EDITABLE:
            raise UserFacingError(detail=_("This proposal can no longer be edited."), status_code=409)
        await pctx.attempt(CREATE, step="edit")  # each invitation may send a mail
        email = (await read_form(request)).get("email").lower()[:320]
        if "@" not in email:
            raise UserFacingError(detail=_("Give an e-mail address."), status_code=400)
        invitee = await pctx.session.scalar(select(User).where(func.lower(User.email) == email))
        if invitee is not None and invitee.id != proposal.author_id:
            announce(pctx, await services.invite(pctx, proposal, invitee.id))
        return redirect(request, f"{base(phase_id)}/{proposal.id}?done=invited")


def _identity_digest(pctx: PhaseContext, form: Any) -> str:
    """The keyed hash of the identity in the form (national id, or name + date of birth + address); 400 if
    incomplete. The clear values go no further than this function."""
    key = identity_key(
        name=form.get("name"),
        birth_date=_day(form.get("birth_date")),
        address=form.get("address"),
        national_id=form.get("national_id"),
    )
    if key is None:
        raise UserFacingError(
            detail=_("Give a national id, or the full name, date of birth and address of the signer."),
            status_code=400,
        )
    return identity_hash(pctx.ctx.app.settings.secret_key, key)


def _fmt(request: Request) -> str:
    return "xlsx" if request.url.path.endswith(".xlsx") else "csv"


def _day(raw: str) -> date | None:
    return rules.parse_day(raw)
