"""Two `coelab serve` processes behind a real nginx configured by deploy/nginx.conf.

nginx runs unprivileged on a free loopback port with the repository's site file (its
lines for workers 3 and 4 left out, plain HTTP: tests/live.py, ``render_nginx_site``);
`coelab serve --processes 2` runs on PostgreSQL and Redis. The python-socketio clients
use their default transports: long-polling, then the upgrade to WebSocket, which only
works if nginx sends each request of a session to the process that holds it; the stock
y-socket.io provider (Node) uses its own default, a WebSocket at once.

Skipped without /usr/sbin/nginx, unless ``COELAB_REQUIRE_NGINX=1`` (CI), where that fails.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .live import COELAB, NGINX, Nginx, Processes, SocketDoc, free_port, server_env, wait_for
from .test_live import live_database, world  # noqa: F401 - fixtures
from .test_node_client import (  # noqa: F401 - reader_token: a fixture
    FRONTEND,
    final_text,
    reader_token,
    run_stock_provider,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def require_nginx():
    if not os.access(NGINX, os.X_OK):
        if os.environ.get("COELAB_REQUIRE_NGINX") == "1":
            pytest.fail(f"COELAB_REQUIRE_NGINX=1 but {NGINX} is absent (apt-get install "
                        "nginx-light)")
        pytest.skip(f"{NGINX} is absent (Debian's nginx-light); set COELAB_REQUIRE_NGINX=1 "
                    "to make this a failure")


@pytest.fixture
def stack(require_nginx, backend, world, tmp_path):  # noqa: F811
    """`coelab serve --processes 2` and nginx in front of it."""
    if backend != "postgresql":
        pytest.skip("several processes need PostgreSQL (coelab serve refuses SQLite): set "
                    "COELAB_TEST_DATABASE_URL")
    processes = Processes(world["env"], world["logs"] / "workers.log", processes=2).start()
    nginx = None
    try:
        nginx = Nginx(tmp_path / "nginx", workers=2, base_port=processes.base_port).start()
        yield processes, nginx
    finally:
        if nginx is not None:
            nginx.stop()
        processes.stop()


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    return urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback


def _worker_of(client: SocketDoc) -> str:
    """The worker holding a client's Engine.IO session: "w1" or "w2"."""
    return client.io.eio.sid.split(".", 1)[0]


def _clients_on_both_workers(url, world, count: int = 4) -> list[SocketDoc]:  # noqa: F811
    """``count`` synced clients through nginx, with default transports, on both workers
    (nginx deals handshakes round robin; pages fetched meanwhile may shift the turn)."""
    clients: list[SocketDoc] = []
    for i in range(3 * count):
        client = SocketDoc(url, world["document_id"], world["tokens"][i % 2], transports=None,
                           reconnection=True)
        client.sync()
        clients.append(client)
        if len(clients) >= count and {_worker_of(c) for c in clients} == {"w1", "w2"}:
            break
    assert {_worker_of(c) for c in clients} == {"w1", "w2"}
    return clients


def test_pages_static_files_and_stock_clients_through_nginx(stack, world, reader_token):  # noqa: F811
    processes, nginx = stack
    # the plain HTTP server sends everyone to HTTPS
    connection = http.client.HTTPConnection("127.0.0.1", nginx.redirect_port, timeout=10)
    connection.request("GET", "/login?next=%2F")
    redirect = connection.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location") == "https://127.0.0.1/login?next=%2F"
    connection.close()
    # pages come from the workers, through nginx
    page = _get(nginx.url + "/login").read().decode()
    assert 'name="csrf-token"' in page
    # static files come from nginx itself: its ETag is "<mtime>-<size>" in hex, the
    # app's is the content's hash; the bundle is sent precompressed (gzip_static)
    css_url = re.search(r'href="(/static/coelab\.css\?v=[0-9a-f]+)"', page).group(1)
    css = _get(nginx.url + css_url)
    css_path = Path(nginx.static_dir) / "coelab.css"
    stat = css_path.stat()
    assert css.headers["ETag"] == f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert css.read() == css_path.read_bytes()
    assert _get(nginx.url + "/static/coelab.css").headers["Cache-Control"] == "no-cache"
    bundle = Path(nginx.static_dir) / "dist" / "editor.js"
    if (bundle.parent / "editor.js.gz").exists():
        answer = _get(nginx.url + "/static/dist/editor.js?v=1", **{"Accept-Encoding": "gzip"})
        assert answer.headers["Content-Encoding"] == "gzip"
        body = answer.read()
        assert body == (bundle.parent / "editor.js.gz").read_bytes()
        assert gzip.decompress(body) == bundle.read_bytes()

    # a browser's handshake names its page's origin: nginx passes on the Host and the
    # scheme the browser used, so the worker accepts its own origin and no other
    handshake = "/socket.io/?EIO=4&transport=polling"
    assert _get(nginx.url + handshake, Origin=nginx.url).status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(nginx.url + handshake, Origin="http://elsewhere.example")
    assert refused.value.code == 400

    # python-socketio clients (polling, then WebSocket) on both workers converge
    clients = _clients_on_both_workers(nginx.url, world)
    try:
        # the upgrade went through: nginx sent it to the worker holding the session
        assert all(c.io.transport() == "websocket" for c in clients)
        for i, client in enumerate(clients):
            assert client.write(0, f"[{_worker_of(client)}:{i}]")["ok"] is True
        marks = [f"[{_worker_of(c)}:{i}]" for i, c in enumerate(clients)]
        assert wait_for(lambda: all(all(m in c.content() for m in marks) for c in clients))
        assert wait_for(lambda: len({c.content() for c in clients}) == 1)

        # the stock y-socket.io provider (Node, default options) through nginx, against a
        # Python client on each worker (tests/test_node_client.py's scenario)
        if shutil.which("node") is None or not (FRONTEND / "node_modules").exists():
            return  # Node is optional on a developer's machine; CI has it
        result = run_stock_provider(nginx.url, world, reader_token, clients[0],
                                    answer_within=30)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        node_text = final_text(result)
        assert wait_for(lambda: all(c.content() == node_text for c in clients))
    finally:
        for client in clients:
            client.close()


def _handshake_worker(url: str, document: str | None = None) -> str:
    """The worker that answers an Engine.IO handshake through nginx (long-polling, as a
    client's first request), naming a document or not: "w1" or "w2"."""
    query = "EIO=4&transport=polling" + (f"&document={document}" if document else "")
    body = _get(f"{url}/socket.io/?{query}").read().decode()
    assert body.startswith("0"), body  # Engine.IO's "open" packet
    return json.loads(body[1:])["sid"].split(".", 1)[0]


def test_the_editors_of_one_document_meet_in_one_process(stack):
    """The editor's page names its document in the handshake (frontend/src/connection.js):
    nginx hashes it to one worker, so a document's editors share one room; documents
    spread over the workers; a document whose worker is down goes to another."""
    processes, nginx = stack
    documents = [str(n) for n in range(1, 17)]
    home = {}
    for document in documents:
        workers = {_handshake_worker(nginx.url, document) for _ in range(3)}
        assert len(workers) == 1, f"document {document} on {workers}"
        home[document] = workers.pop()
    # 16 documents over 2 workers: all on one would have a chance of 1 in 32,768
    assert set(home.values()) == {"w1", "w2"}
    # without a document (a client on its defaults): round robin over both
    assert {_handshake_worker(nginx.url) for _ in range(6)} == {"w1", "w2"}
    # worker 1 killed: its documents are answered by worker 2 at once
    moved = next(d for d, w in home.items() if w == "w1")
    processes.kill_worker(1)
    assert _handshake_worker(nginx.url, moved) == "w2"


def test_kill_9_of_one_worker_while_editors_type(stack, world):  # noqa: F811
    """Editors on both workers type; worker 1 is killed. Its clients reconnect through
    nginx (to worker 2, or to worker 1 once the supervisor has started it again), the
    server asks each reconnected client for what it lacks, and every update that was
    acknowledged is in everyone's document afterwards."""
    processes, nginx = stack
    clients = _clients_on_both_workers(nginx.url, world)
    acknowledged: list[str] = []
    stop = threading.Event()
    failures: list[int] = [0] * len(clients)

    def type_(n: int, client: SocketDoc) -> None:
        i = 0
        while not stop.is_set():
            word = f"<{n}.{i}>"
            i += 1
            try:
                ack = client.write(0, word, timeout=5)
            except Exception:  # noqa: BLE001 - disconnected: the client reconnects
                failures[n] += 1
                time.sleep(0.2)
                continue
            if ack.get("ok"):
                acknowledged.append(word)
            time.sleep(0.02)

    typists = [threading.Thread(target=type_, args=(n, c)) for n, c in enumerate(clients)]
    for typist in typists:
        typist.start()
    try:
        assert wait_for(lambda: len(acknowledged) >= 20, timeout=30)
        on_victim = {c: c.io.eio.sid for c in clients if _worker_of(c) == "w1"}
        killed = processes.kill_worker(1)
        before = len(acknowledged)
        # the killed worker's clients are connected again, in new sessions, to a live
        # worker (nginx skips the dead one), and typing goes on
        assert wait_for(lambda: all(c.io.eio.sid not in (None, sid)
                                    and c.io.eio.state == "connected"
                                    and c.ns in c.io.namespaces
                                    for c, sid in on_victim.items())
                        and len(acknowledged) > before + 20, timeout=45)
        processes.wait_for_worker(1)  # the supervisor started it again
        assert processes.worker_pid(1) != killed
        # more typing after the restart
        after = len(acknowledged)
        assert wait_for(lambda: len(acknowledged) > after + 20, timeout=30)
    finally:
        stop.set()
        for typist in typists:
            typist.join(30)
    try:
        # everyone fetches what they lack; the documents are one, and hold every ack
        for client in clients:
            client.sync()
        assert wait_for(lambda: len({c.content() for c in clients}) == 1, timeout=20)
        text = clients[0].content()
        lost = [w for w in acknowledged if w not in text]
        assert lost == [], f"{len(lost)} acknowledged updates lost"
        # and so do both workers' copies, read by fresh clients through each
        for url in processes.urls:
            probe = SocketDoc(url, world["document_id"], world["tokens"][0])
            probe.sync()
            assert all(w in probe.content() for w in acknowledged)
            probe.close()
    finally:
        for client in clients:
            client.close()
    print(f"\nkill -9 of worker 1: {len(acknowledged)} acknowledged updates, none lost; "
          f"{sum(failures)} writes failed while clients reconnected")


def test_several_processes_need_redis_and_postgresql(tmp_path):
    """Refused with a clear message and exit status 2, before any worker starts."""
    sqlite = server_env(tmp_path, f"sqlite:///{tmp_path / 'one.db'}",
                        COELAB_MESSAGE_QUEUE="redis://127.0.0.1:6379/0")
    no_queue = server_env(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    for env, needed in ((no_queue, "COELAB_MESSAGE_QUEUE"), (sqlite, "PostgreSQL")):
        result = subprocess.run(COELAB + ["serve", "--port", str(free_port()),
                                          "--processes", "2"],
                                env=env, capture_output=True, text=True, timeout=60,
                                check=False)
        assert result.returncode == 2, result.stderr[-2000:]
        assert "Coélab cannot start" in result.stderr and needed in result.stderr
        assert "worker 1 started" not in result.stderr


def test_the_supervisor_restarts_a_dead_worker_and_stops_them_all(backend, world):  # noqa: F811
    if backend != "postgresql":
        pytest.skip("several processes need PostgreSQL: set COELAB_TEST_DATABASE_URL")
    processes = Processes(world["env"], world["logs"] / "supervised.log").start()
    try:
        first = processes.kill_worker(2)
        assert wait_for(lambda: processes.worker_pid(2) != first, timeout=20)
        processes.wait_for_worker(2)
        # each worker's sessions carry its index
        for k, url in enumerate(processes.urls, start=1):
            handshake = _get(url + "/socket.io/?EIO=4&transport=polling").read().decode()
            assert json.loads(handshake[1:])["sid"].startswith(f"w{k}.")
        pids = [processes.worker_pid(k) for k in (1, 2)]
    finally:
        processes.stop()
    assert processes.process.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
