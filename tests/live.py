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

    def __init__(self, url: str, document_id: int, token: str,
                 transports: tuple[str, ...] | None = ("websocket",),
                 reconnection: bool = False):
        """``transports=None``: python-socketio's default, long-polling then the upgrade
        to WebSocket (what the stock y-socket.io provider does)."""
        import socketio

        self.ns = f"/yjs|{document_id}"
        self.doc = pycrdt.Doc()
        self.text = self.doc.get("content", type=pycrdt.Text)
        self.lock = threading.Lock()
        self.errors: list[dict] = []
        self.updates = threading.Event()
        self.io = socketio.Client(reconnection=reconnection)
        self.io.on("sync-update", self._on_update, namespace=self.ns)
        self.io.on("sync-step-1", self._on_sync_step_1, namespace=self.ns)
        self.io.on("yjs-error", self.errors.append, namespace=self.ns)
        self.io.connect(url, namespaces=[self.ns], auth={"token": token},
                        transports=list(transports) if transports else None,
                        wait_timeout=10)

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


class Processes:
    """``coelab serve --processes N``: the supervisor and its N workers, worker ``k`` (from
    1) on ``base_port + k - 1``. ``kill_worker(k)`` is kill -9 of that worker alone (the
    supervisor starts it again)."""

    def __init__(self, env: dict, log_path: Path, processes: int = 2):
        self.env = env
        self.processes = processes
        self.base_port = free_ports(processes)
        self.ports = [self.base_port + k for k in range(processes)]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 40) -> Processes:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            COELAB + ["serve", "--port", str(self.base_port),
                      "--processes", str(self.processes)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        for k in range(1, self.processes + 1):
            self.wait_for_worker(k, timeout)
        return self

    def wait_for_worker(self, k: int, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.urls[k - 1] + "/login", timeout=1)  # noqa: S310
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(self.log_path.read_text()[-3000:]) from None
                time.sleep(0.1)

    def worker_pid(self, k: int) -> int:
        """The pid of worker ``k`` now (the supervisor's last word on it)."""
        marker = f"worker {k} started (pid "
        lines = [line for line in self.log_path.read_text().splitlines() if marker in line]
        return int(lines[-1].split(marker, 1)[1].split(",", 1)[0])

    def kill_worker(self, k: int) -> int:
        pid = self.worker_pid(k)
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # the supervisor stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def free_ports(count: int, attempts: int = 50) -> int:
    """The first of ``count`` consecutive free loopback ports."""
    for _ in range(attempts):
        first = free_port()
        if first + count > 65535:
            continue
        held = []
        try:
            for port in range(first, first + count):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
        return first
    raise RuntimeError(f"no {count} consecutive free ports")


# nginx, configured by the repository's deploy/nginx.conf ----------------------------

NGINX = "/usr/sbin/nginx"
NGINX_SITE = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf"
SITE_WORKERS = 4  # the workers deploy/nginx.conf is written for, on 127.0.0.1:8001...
SITE_STATIC = "/srv/coelab/.venv/lib/python3.11/site-packages/coelab/static/"


def render_nginx_site(workers: int, base_port: int, listen_port: int, redirect_port: int,
                      static_dir: str, log_dir: Path) -> str:
    """deploy/nginx.conf for a test: workers 1..``workers`` on ``base_port``..., plain
    HTTP on ``listen_port`` (the TLS server without its certificate), the redirecting
    server on ``redirect_port``, logs in ``log_dir``. Every substitution must find what it
    replaces: a change of the file that this does not follow fails the test."""
    text = NGINX_SITE.read_text()
    lines = []
    for line in text.splitlines():
        marked = line.rstrip().rsplit("# worker ", 1)
        if len(marked) == 2 and marked[1].isdigit() and int(marked[1]) > workers:
            continue  # a worker this test does not run
        stripped = line.strip()
        if stripped.startswith(("listen [::]:", "ssl_")):
            continue  # loopback only, no TLS
        lines.append(line)
    text = "\n".join(lines) + "\n"

    def sub(old: str, new: str) -> None:
        nonlocal text
        if old not in text:
            raise AssertionError(f"deploy/nginx.conf no longer holds {old!r}")
        text = text.replace(old, new)

    for k in range(SITE_WORKERS, 0, -1):  # 8004 before 8001... (no prefix clash)
        if k <= workers:
            sub(f"127.0.0.1:{8000 + k}", f"127.0.0.1:{base_port + k - 1}")
    sub("listen 443 ssl http2;", f"listen 127.0.0.1:{listen_port};")
    sub("listen 80;", f"listen 127.0.0.1:{redirect_port};")
    sub(SITE_STATIC, static_dir.rstrip("/") + "/")
    sub("/var/log/nginx/", f"{log_dir}/")
    sub("root /var/www/acme;", f"root {log_dir}/acme;")
    return text


class Nginx:
    """An unprivileged nginx (its own prefix, pid file, logs and temporary files in
    ``directory``) serving deploy/nginx.conf for ``workers`` workers from ``base_port``."""

    def __init__(self, directory: Path, workers: int, base_port: int):
        from importlib.resources import files

        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        # two distinct ports: two free_port() calls may return the same one, and nginx
        # then serves both server blocks on it, the redirecting one first (seen once in
        # a full run: every Socket.IO client sent to https://127.0.0.1:443)
        self.port = free_port()
        self.redirect_port = free_port()
        while self.redirect_port == self.port:
            self.redirect_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.static_dir = str(files("coelab") / "static")
        site = render_nginx_site(workers, base_port, self.port, self.redirect_port,
                                 self.static_dir, directory)
        (directory / "coelab-site.conf").write_text(site)
        import getpass

        temp = "\n".join(f"    {kind}_temp_path {directory}/{kind}_temp;"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (directory / "nginx.conf").write_text(f"""\
user {getpass.getuser()};
worker_processes 1;
worker_shutdown_timeout 2s;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
worker_rlimit_nofile 16384;
events {{ worker_connections 8192; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {directory}/access.log;
{temp}
    include {directory}/coelab-site.conf;
}}
""")
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> Nginx:
        config = str(self.directory / "nginx.conf")
        args = [NGINX, "-p", str(self.directory), "-e", str(self.directory / "error.log"),
                "-c", config]
        check = subprocess.run([*args, "-t"], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t: {check.stderr}")
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError((self.directory / "error.log").read_text()[-3000:]
                                       ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish what is running
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
