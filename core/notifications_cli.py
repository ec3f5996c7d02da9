"""``townhall notifications send-digests``: mail every digest subscriber what they have not been mailed yet.

The hourly ``core.digests`` job (core/jobs) already does this; the command stays for operators who want to send
now or keep their own schedule (docs/operations.md). Both call ``core.notifications.send_digests`` per
municipality, in its own transaction; a notification is marked as mailed when its digest goes out, so the command
and the job never send the same notification twice.
"""

from __future__ import annotations

import asyncio

import click


@click.group("notifications", help="Notification mail.")
def notifications_group() -> None:
    pass


@notifications_group.command("send-digests", help="Send the pending notification digests of every municipality.")
@click.option("--tenant", "tenant_slug", default=None, help="Only this municipality (slug).")
def send_digests_cmd(tenant_slug: str | None) -> None:
    from sqlalchemy import select

    from core.cli import _app_state
    from core.models import Tenant
    from core.notifications import send_digests

    state = _app_state()

    async def main() -> list[tuple[str, int]]:
        try:
            async with state.db.session(unscoped=True) as session:
                stmt = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
                if tenant_slug is not None:
                    stmt = stmt.where(Tenant.slug == tenant_slug)
                tenants = list((await session.execute(stmt)).all())
            if tenant_slug is not None and not tenants:
                raise click.BadParameter(f"no municipality {tenant_slug!r}", param_hint="--tenant")
            return [(slug, await send_digests(state, tenant_id)) for tenant_id, slug in tenants]
        finally:
            await state.db.dispose()

    for slug, sent in asyncio.run(main()):
        click.echo(f"{slug}: {sent} digest(s) sent")
