"""Production serving: gevent processes, WebSocket included (gevent-websocket).

:func:`serve` runs one process; :func:`supervise` runs several (``coelab serve
--processes N``), each a ``coelab serve`` of its own on the next port, and starts again
any that dies. How requests reach them: deploy/nginx.conf and docs/architecture.md
("Several processes").
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import subprocess
import sys
import time

from flask import Flask
from sqlalchemy.orm import configure_mappers

log = logging.getLogger(__name__)


def serve(app: Flask, host: str, port: int) -> None:
    """Serve ``app`` until interrupted. The process must already be gevent-patched."""
    from gevent import pywsgi  # noqa: PLC0415 - gevent's server, when serving only
    from geventwebsocket.handler import WebSocketHandler  # noqa: PLC0415 - gevent's server, when serving only

    class Handler(WebSocketHandler):
        """Socket.IO sends a binary event as two frames: without TCP_NODELAY, Nagle's
        algorithm holds the second one back (p95 latency measured 46–48 ms, not 6–10)."""

        def handle(self):
            try:
                self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # not a TCP socket (tests over a Unix socket)
                pass
            return super().handle()

    server = pywsgi.WSGIServer((host, port), app, handler_class=Handler, log=None,
                               error_log=log)
    # SQLAlchemy sets its mappings up on the first query: do it now, not in the middle
    # of the first people's requests (it held the process for tens of milliseconds)
    configure_mappers()
    # Everything loaded so far (the app, its modules, SQLAlchemy's mappings) lives as
    # long as the process: move it out of the collector's reach, so that a full
    # collection scans only what serving creates. Full collections of the whole heap
    # stopped every socket of the process for 90-160 ms (p99 latency with fifty
    # editors: 94 ms before, 44 ms after).
    gc.collect()
    gc.freeze()
    server.serve_forever()


# several processes ------------------------------------------------------------------

RESTART_DELAY = 0.5  # seconds before a worker that died is started again
RESTART_DELAY_MAX = 30.0  # ... doubled each time it dies young, up to this
YOUNG = 10.0  # a worker that dies within this many seconds of its start died young
STOP_GRACE = 15.0  # seconds the workers have to stop before they are killed


class _Worker:
    """One ``coelab serve`` child of the supervisor: worker ``index`` (from 1) on ``port``."""

    def __init__(self, index: int, host: str, port: int):
        self.index = index
        self.host = host
        self.port = port
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.delay = RESTART_DELAY
        self.restart_at: float | None = None

    def start(self) -> None:
        env = dict(os.environ, COELAB_WORKER_INDEX=str(self.index))
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, our arguments
            [sys.executable, "-m", "coelab.launcher", "serve", "--host", self.host,
             "--port", str(self.port), "--processes", "1"], env=env)
        self.started = time.monotonic()
        self.restart_at = None
        _say(f"worker {self.index} started (pid {self.process.pid}, "
             f"http://{self.host}:{self.port}/)")


def supervise(host: str, port: int, processes: int) -> int:
    """Run ``processes`` workers on ``port``, ``port + 1``... of ``host`` until SIGTERM or
    SIGINT; start again any worker that dies. Returns the exit status.

    Each worker is a ``coelab serve`` process of its own (a fresh interpreter, patched by
    gevent, nothing inherited), told its index by ``COELAB_WORKER_INDEX``: its Engine.IO
    session ids start with ``w<index>.`` (see coelab.app). They share the database and
    the Redis message queue; the configuration checks are the caller's (coelab.cli).
    """
    workers = [_Worker(k, host, port + k - 1) for k in range(1, processes + 1)]
    stop: list[int] = []

    def on_signal(signum, _frame) -> None:
        stop.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for worker in workers:
            worker.start()
        while not stop:
            now = time.monotonic()
            for worker in workers:
                if worker.restart_at is None:
                    code = worker.process.poll()
                    if code is None:
                        continue
                    # died young (a configuration or port problem): wait longer each time
                    young = now - worker.started < YOUNG
                    worker.delay = (min(worker.delay * 2, RESTART_DELAY_MAX) if young
                                    else RESTART_DELAY)
                    worker.restart_at = now + worker.delay
                    _say(f"worker {worker.index} (pid {worker.process.pid}) exited with "
                         f"status {code}; starting it again in {worker.delay:.1f} s")
                if worker.restart_at is not None and now >= worker.restart_at:
                    worker.start()
            time.sleep(0.1)
    finally:
        _stop_all(workers, stop[0] if stop else signal.SIGTERM)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _stop_all(workers: list[_Worker], signum: int) -> None:
    """Pass the stop signal on to every live worker, wait for them, kill the late ones."""
    running = [w.process for w in workers
               if w.process is not None and w.process.poll() is None]
    for process in running:
        try:
            process.send_signal(signum)
        except ProcessLookupError:  # pragma: no cover - died just now
            pass
    deadline = time.monotonic() + STOP_GRACE
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"worker pid {process.pid} did not stop in {STOP_GRACE:.0f} s: killed")
            process.kill()
            process.wait()


def _say(message: str) -> None:
    """The supervisor's news, on its standard error (the service's journal)."""
    print(f"coelab serve: {message}", file=sys.stderr, flush=True)
