"""Serving an ASGI app with uvicorn: one process, or a supervisor with N workers that each accept their own connections.

Why not uvicorn's own ``--workers``: its workers share one listening socket, and asyncio accepts every connection
waiting on it at once, in whichever worker wakes first. Keep-alive connections (a reverse proxy's upstream pool, a
burst of clients) then pile onto one worker while the others idle: in ``benchmarks/ballot_burst.py`` one worker was
84 % busy and the other 1 %, so two workers served what one does. Here, where the platform has ``SO_REUSEPORT``
(Linux, the BSDs), every worker binds a listening socket of its own to the same address and the kernel spreads new
connections across them. Uvicorn's supervisor is kept as it is (health checks, restarts, ``TTIN``/``TTOU``); only
where a worker's socket comes from changes.

The trade-off, as with nginx's ``reuse_port``: connections still waiting in a worker's accept queue when that worker
dies are reset (the supervisor restarts the worker), where a shared socket would hand them to another worker.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess

logger = logging.getLogger("uvicorn.error")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` that other processes' sockets with the same option may share."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class WorkerWithOwnSocket(multiprocess.Process):
    """A uvicorn worker that listens on a socket it binds itself instead of the supervisor's shared one."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:
        super().target([reuse_port_socket(self.config.host, self.config.port)])


def serve(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve ``app`` (an import string, as uvicorn takes it) with ``workers`` processes; ``options`` go to uvicorn."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(app, host=host, port=port, workers=workers if workers > 1 else None, **options)
        return
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    try:
        # Bound (never listened on) for as long as the supervisor runs: a taken port fails here once, with a clear
        # message, instead of in every worker the supervisor would go on restarting.
        reserved = reuse_port_socket(host, port)
    except OSError as exc:
        logger.error("cannot listen on %s:%s: %s", host, port, exc)
        raise SystemExit(3) from exc
    logger.info("Townhall on http://%s:%d with %d workers, each accepting its own connections", host, port, workers)
    # The supervisor makes its workers with the module's ``Process`` (at start, on restarts, on TTIN): this process
    # only supervises, so it swaps in the class whose workers bind their own socket for as long as it runs.
    shared_socket_worker, multiprocess.Process = multiprocess.Process, WorkerWithOwnSocket
    try:
        multiprocess.Multiprocess(config, sockets=[]).run()
    finally:
        multiprocess.Process = shared_socket_worker
        reserved.close()
