"""``townhall referendum audit FILE [--head HEAD]`` and ``townhall referendum check FILE RECEIPT``: the public audit
of a published ballot box, the same functions as the standalone script (``rules.py``)."""

from __future__ import annotations

import json

import click

from . import rules


@click.group("referendum")
def referendum_cli() -> None:
    """Referendum tools."""


@referendum_cli.command("audit")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--head", default=None, help="The chain head shown on the results page.")
def audit(file: click.utils.LazyFile, head: str | None) -> None:
    """Recompute the tally and the chain head of a published ballot box."""
    report = rules.audit(json.load(file), head)
    click.echo(json.dumps({"ok": report.ok, "head": report.head, "problems": report.problems, "tally": report.tally}))
    if not report.ok:
        raise SystemExit(1)


@referendum_cli.command("check")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.argument("receipt")
def check(file: click.utils.LazyFile, receipt: str) -> None:
    """Whether the ballot of RECEIPT is in the published ballot box."""
    found = rules.includes(json.load(file), receipt)
    click.echo("included" if found else "NOT FOUND")
    if not found:
        raise SystemExit(1)
