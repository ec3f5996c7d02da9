"""The file-upload question: images through the core's upload checks, kept in their own folder.

A resident's image is checked and stored by ``core.uploads`` (type from its first bytes, size capped, a name the
server makes up) when the page that asks for it is sent, under ``<upload_dir>/survey/``. Between pages the form
carries the stored name signed with the app's secret (``name|signature``): a reference the server did not sign — a
forged one pointing at someone else's file — is dropped. Staff open the files from the results page and the
exports (``/p/<phase>/survey/files/<name>``), only when a response of that phase refers to them. Files that no
response or draft refers to any more — a survey left half-way, a forgotten person's answers — are deleted by the
``survey.sweep_files`` job once they are a day old.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core import JobContext, uploads

from .models import SurveyDraft, SurveyQuestion, SurveyResponse

SUBFOLDER = "survey"
GRACE_SECONDS = 86400  # an unreferenced file younger than this may belong to a survey being filled in


def folder(settings: Any) -> Path:
    return Path(settings.upload_dir) / SUBFOLDER


def _signature(secret: str, phase_id: int, question_id: int, name: str) -> str:
    message = f"{phase_id}:{question_id}:{name}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def sign(secret: str, phase_id: int, question_id: int, name: str) -> str:
    return f"{name}|{_signature(secret, phase_id, question_id, name)}"


def verified(secret: str, phase_id: int, question_id: int, token: str) -> str | None:
    """The stored name in a token this server signed for this question, else None."""
    name, _, signature = token.partition("|")
    if not uploads.STORED_NAME.match(name):
        return None
    if not hmac.compare_digest(signature, _signature(secret, phase_id, question_id, name)):
        return None
    return token


def url(phase_id: int, name: str) -> str:
    return f"/p/{phase_id}/survey/files/{name}"


def names_in(answers: dict[str, Any] | None, file_keys: set[str]) -> set[str]:
    """The stored names an answer dict refers to (final answers: plain names; drafts: signed tokens)."""
    found = set()
    for key, value in (answers or {}).items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and (key in file_keys or key.lstrip("q") in file_keys):
                name = item.split("|", 1)[0]
                if uploads.STORED_NAME.match(name):
                    found.add(name)
    return found


async def file_keys(session: Any, phase_id: int | None = None) -> set[str]:
    stmt = select(SurveyQuestion.id).where(SurveyQuestion.kind == "file")
    if phase_id is not None:
        stmt = stmt.where(SurveyQuestion.phase_id == phase_id)
    return {str(qid) for qid in (await session.scalars(stmt)).all()}


async def referenced(session: Any, phase_id: int, name: str) -> bool:
    """Does a response of this phase refer to the file (the only way staff may open it)?"""
    keys = await file_keys(session, phase_id)
    if not keys:
        return False
    rows = await session.scalars(select(SurveyResponse.answers).where(SurveyResponse.phase_id == phase_id))
    return any(name in names_in(answers, keys) for answers in rows)


async def sweep(job_ctx: JobContext) -> int:
    """``survey.sweep_files``: delete this municipality's survey files that nothing refers to, once a day old."""
    tenant_folder = folder(job_ctx.state.settings) / str(int(job_ctx.tenant_id or 0))
    if not tenant_folder.is_dir():
        return 0
    async with job_ctx.session(write=False) as session:
        keys = await file_keys(session)
        kept: set[str] = set()
        for answers in await session.scalars(select(SurveyResponse.answers)):
            kept |= names_in(answers, keys)
        for answers in await session.scalars(select(SurveyDraft.answers)):
            kept |= names_in(answers, keys)
    removed = 0
    cutoff = time.time() - GRACE_SECONDS
    for path in tenant_folder.iterdir():
        name = f"{tenant_folder.name}/{path.name}"
        if uploads.STORED_NAME.match(name) and name not in kept and path.stat().st_mtime < cutoff:
            uploads.delete(folder(job_ctx.state.settings), name)
            removed += 1
    return removed


def strip(answers: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    """The answers without their files (forgetting a person: the response stays counted, the image goes)."""
    return {k: v for k, v in answers.items() if not (k in keys or k.lstrip("q") in keys)}
