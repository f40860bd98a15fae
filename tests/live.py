"""Real server processes for tests: `coelab serve` (gevent) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pycrdt

COELAB = [sys.executable, "-m", "coelab.launcher"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict) -> str:
    result = subprocess.run(COELAB + args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"coelab {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


class Server:
    """One `coelab serve` process; ``kill()`` is kill -9."""

    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> Server:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(COELAB + ["serve", "--port", str(self.port)],
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/login", timeout=1)  # noqa: S310 - loopback
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError(self.log_path.read_text()[-3000:]) from None
                time.sleep(0.1)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def server_env(tmp_path: Path, database_url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COELAB_")}
    env.update({
        "COELAB_INSTANCE_PATH": str(tmp_path / "instance"),
        "COELAB_DATABASE_URL": database_url,
        "COELAB_SECRET_KEY": "live-test-secret",
        "COELAB_MAIL_BACKEND": "console",
        **extra,
    })
    return env


class SocketDoc:
    """A Python Yjs client (pycrdt + python-socketio) speaking to a live server."""

    def __init__(self, url: str, document_id: int, token: str):
        import socketio

        self.ns = f"/yjs|{document_id}"
        self.doc = pycrdt.Doc()
        self.text = self.doc.get("content", type=pycrdt.Text)
        self.lock = threading.Lock()
        self.errors: list[dict] = []
        self.updates = threading.Event()
        self.io = socketio.Client(reconnection=False)
        self.io.on("sync-update", self._on_update, namespace=self.ns)
        self.io.on("sync-step-1", self._on_sync_step_1, namespace=self.ns)
        self.io.on("yjs-error", self.errors.append, namespace=self.ns)
        self.io.connect(url, namespaces=[self.ns], auth={"token": token},
                        transports=["websocket"], wait_timeout=10)

    def _on_update(self, update) -> None:
        with self.lock:
            self.doc.apply_update(update)
        self.updates.set()

    def _on_sync_step_1(self, vector):
        with self.lock:
            return self.doc.get_update(vector)

    def sync(self) -> None:
        with self.lock:
            vector = self.doc.get_state()
        missing = self.io.call("sync-step-1", vector, namespace=self.ns, timeout=10)
        with self.lock:
            self.doc.apply_update(missing)

    def write(self, index: int, value: str, timeout: float = 10):
        with self.lock:
            before = self.doc.get_state()
            self.text.insert(index, value)
            update = self.doc.get_update(before)
        return self.io.call("sync-update", update, namespace=self.ns, timeout=timeout)

    def content(self) -> str:
        with self.lock:
            return str(self.text)

    def close(self) -> None:
        self.io.disconnect()


def wait_for(predicate, timeout: float = 10, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
