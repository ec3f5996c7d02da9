"""Helpers shared by the admin back office pages."""

from __future__ import annotations

from math import ceil
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import RequestContext
from core.i18n import gettext as _
from core.models import Tenant
from core.web.forms import MAX_FIELD_LENGTH, Form, FormErrors

PAGE_SIZE = 25


async def get_or_404(session: AsyncSession, model: type, ident: int) -> Any:
    """A row of this tenant by id; another tenant's id is as unknown as a missing one (the session is scoped)."""
    found = await session.get(model, ident)
    if found is None:
        raise NotFoundException()
    return found


async def tenant_row(ctx: RequestContext) -> Tenant:
    """The Tenant is not TenantScoped: it is always loaded by the id the request was resolved to."""
    tenant = await ctx.session.get(Tenant, ctx.tenant_id)
    if tenant is None:
        raise NotFoundException()
    return tenant


def precheck(form: Form) -> FormErrors:
    """Refusals that apply to any admin form before its own rules: NUL characters and oversized fields."""
    errors = FormErrors()
    if form.has_nul:
        errors.add("_form", _("The form contains a character that is not allowed."))
    elif form.too_long:
        errors.add("_form", _("A field is too long (at most %(max)s characters).", max=MAX_FIELD_LENGTH))
    return errors


class Page:
    """One page of a listing."""

    def __init__(self, items: list[Any], number: int, total: int, size: int = PAGE_SIZE) -> None:
        self.items = items
        self.number = number
        self.total = total
        self.pages = max(1, ceil(total / size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


async def paginate(session: AsyncSession, stmt: Any, page: int, size: int = PAGE_SIZE) -> Page:
    page = max(1, min(page, 100000))
    total = int(await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    items = list((await session.scalars(stmt.limit(size).offset((page - 1) * size))).all())
    return Page(items, page, total, size)
