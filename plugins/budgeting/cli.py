"""``pabulib`` command group: compute election outcomes from .pb files for researchers.

Mounted into the ``townhall`` CLI by the core; also runs standalone::

    python -m plugins.budgeting.cli results FILE.pb [--rule RULE] [--tie-break min_cost,max_votes,id]
"""

from __future__ import annotations

import json
import os
import sys
import time

import click

from .rules import ElectionError, compute, rule_names


def _progress(message: str) -> None:
    """Progress goes to stderr so stdout stays machine-readable JSON."""
    click.echo(message, err=True)


@click.group(name="pabulib")
def pabulib() -> None:
    """Participatory-budgeting elections in the pabulib .pb format."""


@pabulib.command("results")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--rule",
    type=click.Choice(rule_names()),
    default=None,
    help="Rule to apply; defaults to the rule named in the file's META 'rule' field.",
)
@click.option(
    "--tie-break",
    default="min_cost,max_votes,id",
    show_default=True,
    help="Comma-separated tie-breaking criteria: min_cost, max_cost, max_votes, min_votes, id, file_order.",
)
@click.option("--explain", is_flag=True, help="Also print per-project MES payments and notes.")
def results(file: str, rule: str | None, tie_break: str, explain: bool) -> None:
    """Print {"rule": ..., "selected": [...]} for FILE as JSON on stdout."""
    # The rules make no matrix products: OpenBLAS starting a thread per core as numpy loads cost 0.1 CPU s, a fifth
    # of the whole command on Łódź. A caller's own setting stands.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .rules.pabulib_profile import read_pb_profile  # numpy, loaded only by the command that counts

    started = time.perf_counter()
    try:
        election, profile = read_pb_profile(file, progress=_progress)
    except (ElectionError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from exc
    _progress(f"parsed in {time.perf_counter() - started:.2f}s")
    name = rule or election.rule
    if not rule and (not name or name not in rule_names()):
        shown = repr(name) if name else "missing"
        raise click.ClickException(
            f"the file's META 'rule' field is {shown}, which this tool cannot compute; "
            f"pass --rule with one of: {', '.join(rule_names())}"
        )
    started = time.perf_counter()
    try:
        outcome = compute(election, name, tie_break=tie_break, progress=_progress, profile=profile)
    except (ElectionError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    _progress(f"rule {name}: done in {time.perf_counter() - started:.2f}s")
    payload: dict = {"rule": outcome.rule, "selected": list(outcome.selected)}
    if explain:
        payload.update({k: v for k, v in outcome.to_json().items() if k not in payload})
    json.dump(payload, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


main = pabulib

if __name__ == "__main__":
    pabulib()
