"""Start-up cost and memory of one Townhall web worker against a bare Litestar + SQLAlchemy app.

Usage::

    python benchmarks/startup.py [--repeat 3]

Each server runs as a child process on a free port (uvicorn, one worker, SQLite); the benchmark polls it until
the first request is answered, then reads the child's CPU seconds (user + system, ``/proc/<pid>/stat``) and
resident memory (``VmRSS``) before stopping it. Townhall serves ``/healthz`` after ``townhall run`` with every
built-in plugin loaded, on a database migrated beforehand (migration is not start-up); the baseline is
``benchmarks/bare_app.py``: Litestar, an async SQLAlchemy engine and one route reading one row. Issue 16's
targets: under 2 CPU seconds to the first answer, and at most 1.5x the baseline's memory.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(command: list[str], path: str, env: dict[str, str], port: int) -> tuple[float, float]:
    """(CPU seconds until the first answer of ``path``, resident MiB then) of the server ``command`` starts."""
    proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"{command[0]} exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                    if response.status == 200:
                        return _cpu_seconds(proc.pid), _rss_mib(proc.pid)
            except OSError:
                time.sleep(0.02)
        raise SystemExit(f"{command[0]} did not answer {path} within 120 s")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="each figure is the best of this many starts")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/startup.sqlite3"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "TOWNHALL_SECRET_KEY": "benchmark-secret-key-" + "x" * 32,
            "TOWNHALL_LOG_LEVEL": "WARNING",
            "BENCH_DATABASE_URL": url,
        }
        subprocess.run([str(BIN / "townhall"), "db", "upgrade"], env=env, cwd=REPO, check=True, capture_output=True)
        runs: dict[str, list[tuple[float, float]]] = {"townhall": [], "bare": []}
        for _ in range(args.repeat):
            port = _free_port()
            townhall = [str(BIN / "townhall"), "run", "--port", str(port)]
            runs["townhall"].append(measure(townhall, "/healthz", env, port))
            port = _free_port()
            bare = [sys.executable, "-m", "uvicorn", "--app-dir", "benchmarks", "bare_app:app", "--port", str(port)]
            runs["bare"].append(measure(bare, "/", env, port))
    ours_cpu = min(cpu for cpu, _ in runs["townhall"])
    ours_mem = min(mem for _, mem in runs["townhall"])
    bare_cpu = min(cpu for cpu, _ in runs["bare"])
    bare_mem = min(mem for _, mem in runs["bare"])
    print(f"townhall run (every plugin): {ours_cpu:.2f} CPU s to the first answer, {ours_mem:.0f} MiB resident")
    print(f"bare Litestar + SQLAlchemy:  {bare_cpu:.2f} CPU s to the first answer, {bare_mem:.0f} MiB resident")
    print(f"start-up: {ours_cpu / bare_cpu:.1f}x the bare app's CPU (target: under 2 CPU s)")
    print(f"memory: {ours_mem / bare_mem:.2f}x the bare app's (target: at most 1.5x)")
    # CPU seconds grow with the machine's load (shared cores and caches): quote them with it.
    print(f"load average (1 min): {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
