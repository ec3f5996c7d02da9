"""Benchmark our rules against pabutools 1.2.3 on the largest shared election (Łódź 2022).

Usage::

    python benchmarks/budgeting_rules.py [FILE.pb] [--quick] [--timeout SECONDS]

For each rule we time our implementation (ballot compilation included, parsing excluded) and
pabutools' (parsing excluded), check that both select exactly the same projects and print the
ratio pabutools time / our time. Times are process CPU seconds (``time.process_time``), so the
ratio stays meaningful on a busy shared machine where wall-clock time depends on the load.
pabutools runs in a child process so a (wall-clock) timeout can stop it; a run that hits the
timeout is reported as a lower bound ("> N x").

``--quick`` does not run pabutools' Add1 to the end (about half an hour on Łódź): it times one
pabutools fixed-budget MES run and multiplies by the number of MES runs Add1 needs (taken from
our run), printed as an *estimate*.

pabutools gets its fastest documented configuration: the profile as a multiprofile
(``profile.as_multiprofile()``, identical ballots counted once), its advice for large elections;
``--plain-profile`` times the plain profile instead.

The last line compares whole processes, as a researcher runs them: ``townhall pabulib results FILE
--rule equalshares`` against a Python process that imports pabutools, parses FILE, builds the
multiprofile and runs MES (CPU time of each child process, start-up and parsing included).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = Path(os.environ.get("TOWNHALL_SHARED", REPO.parent / "shared"))
DEFAULT_FILE = SHARED / "data" / "pabulib" / "Poland_Lodz_2022.pb"


def _pabutools_worker(path: str, task: str, per_voter: str | None, plain: bool = False) -> None:
    """Child process: parse with pabutools, run one task, print {"seconds", "selected"} as JSON."""
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.rules.budgetallocation import BudgetAllocation
    from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme
    from pabutools.tiebreaking import TieBreakingRule

    from plugins.budgeting.rules.tiebreak import natural_key

    instance, profile = parse_pabulib(path)
    votes = {p.name: profile.approval_score(p) for p in instance}
    if not plain:
        profile = profile.as_multiprofile()
    tie = TieBreakingRule(lambda inst, prof, proj: (proj.cost, -votes[proj.name], natural_key(proj.name)))
    started = time.process_time()
    if task == "greedy":
        alloc = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=tie)
    elif task == "equalshares":
        alloc = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=tie)
    elif task == "add1":
        alloc = method_of_equal_shares(
            instance, profile, sat_class=Cost_Sat, tie_breaking=tie, voter_budget_increment=1
        )
    elif task == "fixed":
        sat_profile = profile.as_sat_profile(Cost_Sat)
        alloc = method_of_equal_shares_scheme(
            instance, profile, sat_profile, Fraction(per_voter), BudgetAllocation(), tie, binary_sat=True
        )
    else:
        raise SystemExit(f"unknown task {task}")
    seconds = time.process_time() - started
    print(json.dumps({"seconds": seconds, "selected": sorted(p.name for p in alloc)}))


def _run_pabutools(
    path: Path, task: str, timeout: float, per_voter: Fraction | None = None, plain: bool = False
) -> dict | None:
    command = [sys.executable, __file__, str(path), "--pabutools-worker", task]
    if plain:
        command.append("--plain-profile")
    if per_voter is not None:
        command += ["--per-voter", str(per_voter)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True, cwd=REPO)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))
    parser.add_argument("--quick", action="store_true", help="estimate pabutools' Add1 instead of running it")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds allowed per pabutools run")
    parser.add_argument("--repeat", type=int, default=3, help="our timings are the best of this many runs")
    parser.add_argument("--plain-profile", action="store_true", help="hand pabutools a plain profile (its slow path)")
    parser.add_argument("--pabutools-worker", help=argparse.SUPPRESS)
    parser.add_argument("--per-voter", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pabutools_worker:
        _pabutools_worker(args.file, args.pabutools_worker, args.per_voter, args.plain_profile)
        return

    from plugins.budgeting.rules import compile_profile, compute, parse_pb

    path = Path(args.file)
    if not path.is_file():
        raise SystemExit(f"{path} not found (set TOWNHALL_SHARED or pass a .pb file)")
    started = time.process_time()
    election = parse_pb(path)
    parse_seconds = time.process_time() - started
    size = f"{len(election.voters)} voters, {len(election.projects)} projects"
    print(f"{path.name}: {size}; our parse {parse_seconds:.2f}s")

    def ours(rule: str):
        best = float("inf")
        outcome = None
        for _ in range(args.repeat):
            election._cache.clear()  # include ballot compilation in every timing
            t0 = time.process_time()
            compile_profile(election)
            outcome = compute(election, rule)
            best = min(best, time.process_time() - t0)
        return best, outcome

    rows = []
    for label, rule, task in [
        ("greedy", "greedy", "greedy"),
        ("MES (equalshares)", "equalshares", "equalshares"),
        ("MES + Add1 (pabutools flavour)", "equalshares/add1-pabutools", "add1"),
    ]:
        our_seconds, outcome = ours(rule)
        print(f"  {label}: ours {our_seconds:.3f} CPU s ...", flush=True)
        if task == "add1" and args.quick:
            runs = outcome.notes["add1_iterations"]
            one = _run_pabutools(
                path, "fixed", args.timeout, outcome.notes["per_voter_budget"], plain=args.plain_profile
            )
            if one is None:
                rows.append((label, our_seconds, None, "timeout", "pabutools single MES run timed out"))
                continue
            estimate = one["seconds"] * runs
            same = one["selected"] == sorted(outcome.selected)
            note = f"ESTIMATE: 1 pabutools MES run {one['seconds']:.1f}s x {runs} runs; final run identical: {same}"
            rows.append((label, our_seconds, estimate, same, note))
            continue
        theirs = _run_pabutools(path, task, args.timeout, plain=args.plain_profile)
        if theirs is None:
            rows.append((label, our_seconds, args.timeout, "timeout", f"pabutools > {args.timeout:.0f}s (timeout)"))
            continue
        same = theirs["selected"] == sorted(outcome.selected)
        rows.append((label, our_seconds, theirs["seconds"], same, "measured"))

    city_seconds, city = ours("equalshares/add1")
    print()
    print(f"{'rule':34} {'ours':>9} {'pabutools':>10} {'ratio':>9}  identical  note")
    for label, our_seconds, their_seconds, same, note in rows:
        ratio = "n/a" if their_seconds is None else f"{their_seconds / our_seconds:.0f}x"
        if same == "timeout":
            ratio = f">{ratio}"
        their = "n/a" if their_seconds is None else f"{their_seconds:.2f}s"
        print(f"{label:34} {our_seconds:>8.3f}s {their:>10} {ratio:>9}  {same!s:9}  {note}")
    print(
        f"(info) equalshares/add1 as used by cities: ours {city_seconds:.3f}s, "
        f"{city.notes['add1_iterations']} MES runs, per-voter budget {city.notes['per_voter_budget']}"
    )
    _compare_processes(path, args.timeout)


PABUTOOLS_PROCESS = """
import sys
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import method_of_equal_shares
instance, profile = parse_pabulib(sys.argv[1])
method_of_equal_shares(instance, profile.as_multiprofile(), sat_class=Cost_Sat)
"""


def _child_cpu(command: list[str], timeout: float) -> float:
    """CPU seconds (user + system) of one child process run to the end."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, capture_output=True, check=True, timeout=timeout, cwd=REPO)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _compare_processes(path: Path, timeout: float) -> None:
    townhall = Path(sys.executable).with_name("townhall")
    ours = min(
        _child_cpu([str(townhall), "pabulib", "results", str(path), "--rule", "equalshares"], timeout) for _ in range(3)
    )
    theirs = _child_cpu([sys.executable, "-c", PABUTOOLS_PROCESS, str(path)], timeout)
    print(
        f"whole process, MES: townhall pabulib results {ours:.2f} CPU s, pabutools (multiprofile) {theirs:.2f} "
        f"CPU s: {theirs / ours:.1f}x less CPU"
    )


if __name__ == "__main__":
    main()
