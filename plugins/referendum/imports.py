"""The electoral register imported from a file (CSV/XLSX through the core's import pages): a voter code or an
e-mail per row, before voting opens. An e-mail of an account in the municipality puts that account on the roll (it
may vote online); a code is for the polling station. At the snapshot the register joins the residents the rules
select (or stands alone with ``roll_source = "register"``), and from then on it is frozen."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from sqlalchemy import func, select

from core import (
    ImportColumn,
    ImportContext,
    ImportSpec,
    RowError,
    User,
    UserFacingError,
    gettext,
    lazy_gettext,
    ngettext,
)

from . import services
from .models import RollEntry

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE = re.compile(r"^[A-Z0-9]{4,16}$")


def parse_voter(text: str, ictx: ImportContext) -> tuple[str, str]:
    text = text.strip()
    if "@" in text:
        if not EMAIL.match(text) or len(text) > 200:
            raise RowError(gettext("This is not an e-mail address."))
        return ("email", text.lower())
    code = text.upper().replace("-", "").replace(" ", "")
    if not CODE.match(code):
        raise RowError(gettext("A voter code has 4 to 16 letters and digits."))
    return ("code", code)


async def prepare(session: Any, ictx: ImportContext) -> None:
    rows = await session.execute(select(RollEntry.code, RollEntry.name).where(RollEntry.phase_id == ictx.phase.id))
    known: set[tuple[str, str]] = set()
    for code, name in rows.all():
        known.add(("code", code))
        if name:
            known.add(("email", name.lower()))
    ictx.data["known"] = known


def parse_born(text: str, ictx: ImportContext) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        born = date.fromisoformat(text)
    except ValueError:
        raise RowError(gettext("Give the birth date as YYYY-MM-DD.")) from None
    if not date(1900, 1, 1) <= born <= date.today():
        raise RowError(gettext("Give the birth date as YYYY-MM-DD."))
    return born


def check_row(values: dict[str, Any], ictx: ImportContext) -> list[RowError]:
    voter = values["voter"]
    if voter in ictx.data["known"]:
        return [RowError(gettext("This voter is already on the register."), "voter")]
    ictx.data["known"].add(voter)
    return []


async def write(session: Any, phase: Any, rows: list[dict[str, Any]], source: str, actor: Any) -> int:
    if services.frozen(phase, await services.box_of(session, phase)):
        raise UserFacingError(
            detail=gettext("Voting has started: the questions and rules of this referendum can no longer change."),
            status_code=409,
        )
    emails = [v["voter"][1] for v in rows if v["voter"][0] == "email"]
    accounts = {}
    if emails:
        found = await session.execute(select(User.id, func.lower(User.email)).where(func.lower(User.email).in_(emails)))
        accounts = {email: uid for uid, email in found.all()}
    taken = set((await session.scalars(select(RollEntry.user_id).where(RollEntry.phase_id == phase.id))).all())
    stored = 0
    for values in rows:
        kind, value = values["voter"]
        user_id = accounts.get(value) if kind == "email" else None
        if user_id is not None and user_id in taken:
            continue
        taken.add(user_id)
        code = value if kind == "code" else secrets.token_hex(4).upper()
        session.add(RollEntry(phase_id=phase.id, user_id=user_id, code=code, name=value if kind == "email" else "",
                              born_on=values.get("born")))  # fmt: skip
        stored += 1
    await session.flush()
    return stored


REGISTER = ImportSpec(
    key="referendum.register",
    label=lazy_gettext("Import an electoral register"),
    description=lazy_gettext(
        "A voter code or an e-mail address per row, before voting opens; a birth date when the referendum has a "
        "minimum age."
    ),
    columns=(
        ImportColumn(
            "voter",
            lazy_gettext("Voter code or e-mail"),
            required=True,
            aliases=("code", "email", "e-mail", "kiezer", "électeur", "wähler", "velger", "الناخب"),
            parse=parse_voter,
        ),
        ImportColumn(
            "born",
            lazy_gettext("Birth date (YYYY-MM-DD), for a minimum age"),
            required=False,
            aliases=(
                "birth date",
                "born",
                "geboortedatum",
                "date de naissance",
                "geburtsdatum",
                "fødselsdato",
                "تاريخ الميلاد",
            ),
            parse=parse_born,
        ),
    ),
    prepare=prepare,
    check_row=check_row,
    write=write,
    count=lambda n: ngettext("%(num)d voter", "%(num)d voters", n),
    done_url=lambda phase: f"/p/{phase.id}/referendum/manage",
)
