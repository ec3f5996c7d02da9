"""Paper signature sheets, imported from CSV or XLSX through the core's import (docs/imports.md).

One row per signature: the proposal's number and the signer's identity (a national id, or full name + date of birth
+ address). ``check_row`` turns the identity into its keyed hash at once and drops the clear values, so ``write``
never sees them; the batch's uploaded cells are dropped when it is confirmed (``keep_rows=False``). Duplicates are
refused against the database (online or paper signatures with the same identity key) and within the file; ``write``
adds each signature under the proposal's row lock, like a typed-in paper signature, so the threshold rule applies.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import ImportColumn, ImportContext, ImportSpec, RowError, lazy_gettext, ngettext
from core import gettext as _
from plugins.proposals import rules, services
from plugins.proposals.identity import identity_hash, identity_key
from plugins.proposals.models import Proposal, Signature
from plugins.proposals.spec import KEY, config_of


async def prepare(session: Any, ictx: ImportContext) -> None:
    config = config_of(ictx.phase)
    rows = await session.execute(select(Proposal.id, Proposal.state).where(Proposal.phase_id == ictx.phase.id))
    ictx.data["open"] = {pid for pid, state in rows.all() if rules.may_sign(state, config.signing_after_threshold)}
    hashes = await session.execute(
        select(Signature.proposal_id, Signature.identity_hash)
        .join(Proposal, Proposal.id == Signature.proposal_id)
        .where(Proposal.phase_id == ictx.phase.id, Signature.identity_hash.is_not(None))
    )
    ictx.data["seen"] = {(pid, digest) for pid, digest in hashes.all()}


def parse_proposal(text: str, ictx: ImportContext) -> int:
    digits = text.strip().lstrip("#")
    if not digits.isdigit() or len(digits) > 18:
        raise RowError(_("Give the proposal's number."))
    number = int(digits)
    if number not in ictx.data["open"]:
        raise RowError(_("No proposal with this number is collecting signatures."))
    return number


def parse_birth_date(text: str, ictx: ImportContext) -> Any:
    if not text:
        return None
    day = rules.parse_day(text)
    if day is None:
        raise RowError(_("Give the date of birth as YYYY-MM-DD."))
    return day


def check_row(values: dict[str, Any], ictx: ImportContext) -> list[RowError]:
    key = identity_key(
        name=values.pop("name", ""),
        birth_date=values.pop("birth_date", None),
        address=values.pop("address", ""),
        national_id=values.pop("national_id", ""),
    )
    if key is None:
        return [RowError(_("Give a national id, or the full name, date of birth and address of the signer."))]
    secret = ictx.app.settings.secret_key if ictx.app is not None else ""
    if not secret:
        return [RowError(_("Signatures cannot be checked right now."))]
    digest = identity_hash(secret, key)
    if (values["proposal"], digest) in ictx.data["seen"]:
        return [RowError(_("This person has already signed this proposal."))]
    ictx.data["seen"].add((values["proposal"], digest))
    values["identity_hash"] = digest
    return []


async def write(session: Any, phase: Any, rows: list[dict[str, Any]], source: str, actor: Any) -> int:
    from core import Tenant

    config = config_of(phase)
    tenant = await session.get(Tenant, phase.tenant_id)
    added = 0
    for values in rows:
        proposal = await session.scalar(
            select(Proposal)
            .where(Proposal.id == values["proposal"])
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if proposal is None or not rules.may_sign(proposal.state, config.signing_after_threshold):
            continue
        ok, _notes = await services.add_paper(
            session,
            proposal,
            values["identity_hash"],
            getattr(actor, "id", None),
            config,
            tenant.timezone if tenant else None,
        )
        added += int(ok)
    return added


PAPER = ImportSpec(
    key=f"{KEY}.paper",
    label=lazy_gettext("Import paper signatures"),
    description=lazy_gettext(
        "Signature sheets, one signature per row. Identities are kept only as a keyed hash to find duplicates."
    ),
    columns=(
        ImportColumn(
            "proposal",
            lazy_gettext("Proposal number"),
            required=True,
            parse=parse_proposal,
            aliases=("proposal", "voorstel", "proposition", "vorschlag", "forslag", "مقترح"),
        ),
        ImportColumn("national_id", lazy_gettext("National id")),
        ImportColumn("name", lazy_gettext("Full name")),
        ImportColumn(
            "birth_date", lazy_gettext("Date of birth"), parse=parse_birth_date, hint=lazy_gettext("As YYYY-MM-DD.")
        ),
        ImportColumn("address", lazy_gettext("Address")),
    ),
    prepare=prepare,
    check_row=check_row,
    write=write,
    count=lambda n: ngettext("%(num)d signature", "%(num)d signatures", n),
    done_url=lambda phase: f"/p/{phase.id}/{KEY}",
    keep_rows=False,
)
