"""Browser tests: the real server (``coelab serve``, gevent) driven through Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import BACKENDS, PG_URL, drop_pg_schema, reset_pg_schema, with_search_path

CHROMIUM = os.environ.get("COELAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("COELAB_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (COELAB_REQUIRE_BROWSER is set)")
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    return CHROMIUM


def own_demo(request, tmp_path_factory, name: str) -> Iterator[tuple[str, Path, dict]]:
    """A demo server of one's own for a fixture parametrised by BACKENDS (``yield from``
    it): its URL, its instance folder (whose server.log holds the mail it prints) and
    its environment; on PostgreSQL, in a schema of its own, dropped afterwards."""
    instance = tmp_path_factory.mktemp(f"{name}-instance")
    env = {**os.environ, "COELAB_INSTANCE_PATH": str(instance), "COELAB_MAIL_BACKEND": "console"}
    env.pop("COELAB_DATABASE_URL", None)
    if request.param == "postgresql":
        schema = f"coelab_{name}_{os.getpid()}"
        reset_pg_schema(PG_URL, schema)
        request.addfinalizer(lambda: drop_pg_schema(PG_URL, schema))
        env["COELAB_DATABASE_URL"] = with_search_path(PG_URL, schema)
    with demo_server(env, instance) as url:
        yield url, instance, env


@pytest.fixture(scope="session", params=BACKENDS)
def live_server(request, tmp_path_factory):
    """The app as `make run` starts it: migrated database with the demo data (SQLite,
    and PostgreSQL when the suite runs on it), gevent server."""
    for url, _instance, _env in own_demo(request, tmp_path_factory, "live"):
        yield url


@contextmanager
def demo_server(env: dict, instance: Path) -> Iterator[str]:
    """What `make run` does, on ``env``'s database: migrate, load the catalogue and the
    demo, serve with gevent; yields the server's URL."""
    coelab = [sys.executable, "-m", "coelab.launcher"]
    for args in (["db", "upgrade"], ["catalogue", "load"], ["demo"]):
        subprocess.run(coelab + args, env=env, check=True, capture_output=True)
    port = _free_port()
    log = (instance / "server.log").open("w")
    process = subprocess.Popen(coelab + ["serve", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=1)  # noqa: S310 - loopback only
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((instance / "server.log").read_text()) from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


CONNECTED = "#connection-status[data-state='connected']"
# what the editor's connection is doing, for a failure's message
CONNECTION_STATE = """() => {
  const status = document.querySelector('#connection-status')
  const editor = window.coelabEditor
  const engine = editor && editor.provider.socket.io.engine
  return {
    status: status && [status.dataset.state, status.textContent],
    message: (document.querySelector('#editor-error') || {}).textContent,
    socket: editor && [editor.provider.socket.connected, editor.provider.socket.active],
    transport: engine && engine.transport && engine.transport.name,
    synced: editor && editor.provider.synced,
    text: editor && editor.ytext.length,
  }
}"""


# what the editor holds and where the keyboard is, for a failure's message
EDITOR_STATE = """() => {
  const editor = window.coelabEditor
  if (!editor) return 'no editor'
  const shown = editor.view.state.doc.toString()
  const active = document.activeElement
  return {
    shownEnd: shown.slice(-120),
    textEnd: editor.ytext.toString().slice(-120),
    sameText: shown === editor.ytext.toString(),
    cursor: [editor.view.state.selection.main.head, shown.length],
    readOnly: editor.view.state.readOnly,
    focused: active && (active.id || active.className || active.tagName),
  }
}"""


@contextmanager
def explained(page):
    """Run a block; if it fails, its message also tells the editor's state (text, cursor,
    focus, connection): a rare failure in CI then says what happened."""
    try:
        yield
    except Exception as exc:
        try:
            state = {**page.evaluate(CONNECTION_STATE), "editor": page.evaluate(EDITOR_STATE)}
        except Exception as unreadable:  # noqa: BLE001 - the page itself may be gone
            state = f"unreadable: {unreadable}"
        raise AssertionError(f"{exc}\nthe editor then: {state}") from exc


def wait_connected(page, timeout: int = 30000) -> None:
    """Wait for the editor's "Connecté"; a failure says what the connection was doing."""
    with explained(page):
        page.wait_for_selector(CONNECTED, timeout=timeout)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True,
                                    args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Person:
    """One person in their own browser context (own cookies, own IndexedDB)."""

    def __init__(self, browser, base_url: str):
        self.base_url = base_url
        self.context = browser.new_context(locale="fr-FR")
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = self.new_page()

    def new_page(self):
        page = self.context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text
                and self.errors.append(m.text))

        def dismiss(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", dismiss)
        return page


def people_of(browser, url: str):
    """People on the server at ``url``, each in a browser context of their own; none may
    meet a page error or a dialog (a generator for a fixture: ``yield from``)."""
    made: list[Person] = []

    def person() -> Person:
        made.append(Person(browser, url))
        return made[-1]

    yield person
    for p in made:
        p.context.close()
    assert [e for p in made for e in p.errors] == []
    assert [d for p in made for d in p.dialogs] == []


@pytest.fixture
def people(browser, live_server):
    yield from people_of(browser, live_server)


@pytest.fixture
def page(people):
    return people().page
