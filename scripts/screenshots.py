"""Screenshots of the main pages of Coélab, as each role of the demo year sees them.

    .venv/bin/python scripts/screenshots.py [--out DIR] [--only NAME ...] [--chromium PATH]

(or `make screenshots`). Starts a demo server of its own, as `make run` does but on a
temporary instance folder (SQLite, mails printed, a free port), logs in through the
login page as each demo role and saves full-page PNGs at 1366 × 900 (a laptop) and
390 × 844 (a phone held upright) in headless Chromium: ``screenshots/1366-login.png``,
``screenshots/390-trainee-dashboard.png``... Each page is found by following the links
a person would follow from their dashboard. ``--only`` keeps the shots whose file name
contains one of the given strings (``--only trainee --only 390-login``).

A page that cannot be reached is reported and skipped; the exit status is 1 when any
shot failed. The server is stopped at the end, on error too.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from cohort.demo import DEMO_PASSWORD, email

ROOT = Path(__file__).resolve().parents[1]
# width, height: a common laptop screen, a common phone held upright
SIZES = [(1366, 900), (390, 844)]
# the flags the browser tests use (tests/browser/conftest.py): no sandbox, no network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# the demo accounts (cohort/demo.py); None: a visitor, not logged in
ACCOUNTS = {
    "visitor": None,
    "trainee": "stagiaire",
    "trainer": "formatrice",
    # the trainer of the demo's cohort whose works have been assessed (cohort/demo_history.py)
    "lead-trainer": "formateur",
    "coordination": "coordination",
    "juror": "rachid.amrani",
}
# a deliverable's editor has connected (or, for a reader, opened read-only)
EDITOR_READY = ("#connection-status[data-state='connected'], "
                "#connection-status[data-state='readonly']")
EDITOR_CONNECTED = "#connection-status[data-state='connected']"


class Unreachable(Exception):
    """No link leads to the page a shot wants."""


@dataclass
class Link:
    path: str  # path and query string, same origin, no fragment
    text: str


class _Anchors(HTMLParser):
    """The links of an HTML page, with their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.found.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


class Visit:
    """One role's browser context: follows links (reading the pages' HTML through the
    context's own cookies) and takes the screenshots."""

    def __init__(self, browser, base_url: str, role: str):
        self.base_url = base_url
        self.role = role
        self.login = ACCOUNTS[role]
        self.context = browser.new_context(locale="fr-FR")
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: print(
            f"  warning: script error on {self.page.url}: {exc}", file=sys.stderr))
        self._links: dict[str, list[Link]] = {}
        self._landing: dict[str, str] = {}

    def log_in(self) -> None:
        if self.login is None:
            return
        page = self.page
        page.goto(self.base_url + "/login")
        page.get_by_label("Adresse e-mail").fill(email(self.login))
        page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(self.base_url + "/dashboard")

    def _fetch(self, path: str) -> None:
        response = self.context.request.get(self.base_url + path)
        if not response.ok:
            raise Unreachable(f"{path} answered {response.status}")
        final = self._local(response.url)
        self._landing[path] = final
        parser = _Anchors()
        parser.feed(response.text())
        links = []
        for href, text in parser.found:
            local = self._local(urljoin(response.url, href))
            if local is not None:
                links.append(Link(local, text))
        self._links[path] = links

    def _local(self, url: str) -> str | None:
        """``url``'s path and query string when it is on the demo server, else None."""
        url = urldefrag(url).url
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.base_url:
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def landing(self, path: str) -> str:
        """Where ``path`` leads after its redirects."""
        if path not in self._landing:
            self._fetch(path)
        return self._landing[path]

    def links(self, path: str) -> list[Link]:
        if path not in self._links:
            self._fetch(path)
        return self._links[path]

    def follow(self, path: str, pattern: str, text: str | None = None,
               what: str = "a page") -> str:
        """The first link of the page at ``path`` whose path (and query) matches
        ``pattern`` entirely and whose text contains ``text``."""
        for link in self.links(path):
            if re.fullmatch(pattern, link.path) and (text is None or text in link.text):
                return link.path
        wanted = f" « {text} »" if text else ""
        raise Unreachable(f"no link{wanted} to {what} ({pattern}) on {path}")

    def all_links(self, path: str, pattern: str) -> list[str]:
        seen: list[str] = []
        for link in self.links(path):
            if re.fullmatch(pattern, link.path) and link.path not in seen:
                seen.append(link.path)
        return seen

    def shoot(self, path: str, size: tuple[int, int], out: Path, wait: str | None) -> None:
        page = self.page
        page.set_viewport_size({"width": size[0], "height": size[1]})
        response = page.goto(self.base_url + path)
        if response is None or not response.ok:
            raise Unreachable(f"{path} answered {response.status if response else 'nothing'}")
        if not response.headers.get("content-type", "").startswith("text/html"):
            raise Unreachable(f"{path} is not an HTML page")
        landed = urlsplit(page.url).path
        if self.login is not None and landed == "/login":
            raise Unreachable(f"{path} sent {self.login} back to the login page")
        if wait:
            page.wait_for_selector(wait, timeout=20_000)
        page.evaluate("document.fonts.ready")
        page.wait_for_timeout(300)  # the page's scripts draw (presence, comments)
        page.screenshot(path=str(out), full_page=True, animations="disabled")

    def close(self) -> None:
        self.context.close()


# --- where each page is: the links a person follows from their dashboard ---------------

DASHBOARD = "/dashboard"


def login_page(v: Visit) -> str:
    landed = v.landing("/")
    if urlsplit(landed).path != "/login":
        raise Unreachable(f"/ led to {landed}, not to the login page")
    return landed


def admissions_campaign(v: Visit) -> str:
    # the header's link for visitors (cohort/admissions/hooks.py)
    return v.follow(login_page(v), r"/admissions/?", text="Candidater à la formation",
                    what="the public admissions page")


def cohort_of(v: Visit) -> str:
    return v.follow(DASHBOARD, r"/cohorts/\d+", what="a cohort")


def deliverable_of(v: Visit) -> str:
    return v.follow(cohort_of(v), r"/deliverables/\d+", what="a deliverable")


def passeport(v: Visit) -> str:
    # the header's link (cohort/plugin.py, NavLink "Mon passeport")
    return v.follow(DASHBOARD, r"/passeport", text="Mon passeport", what="the passeport")


def assessment(v: Visit) -> str:
    """An assessment (to write, or to read) linked from a deliverable of one of the
    trainer's cohorts (templates/coelab/assessments/_section.html)."""
    for cohort in v.all_links(DASHBOARD, r"/cohorts/\d+"):
        for deliverable in v.all_links(cohort, r"/deliverables/\d+"):
            found = v.all_links(deliverable, r"/deliverables/\d+/assessment|/assessments/\d+")
            if found:
                return found[0]
    raise Unreachable("no deliverable of the trainer's cohorts links to an assessment")


def admissions_pipeline(v: Visit) -> str:
    return v.follow(DASHBOARD, r"/admissions/pipeline", text="Candidatures",
                    what="the admissions pipeline")


def jury_deliverable(v: Visit) -> str:
    """A deliverable linked from one of the juror's panels: those on the dashboard first,
    then those of "Mes jurys" (a panel shows its work once impartiality is declared,
    templates/coelab/jury/panel.html)."""
    panels = v.all_links(DASHBOARD, r"/juries/\d+")
    for listing in v.all_links(DASHBOARD, r"/juries"):
        panels += [p for p in v.all_links(listing, r"/juries/\d+") if p not in panels]
    for panel in panels:
        found = v.all_links(panel, r"/deliverables/\d+")
        if found:
            return found[0]
    raise Unreachable(f"none of the juror's panels ({', '.join(panels) or 'none'}) "
                      "links to a deliverable")


@dataclass
class Shot:
    role: str
    page: str  # the file name's last part
    find: Callable[[Visit], str]
    wait: str | None = None  # a selector to wait for before the screenshot

    @property
    def name(self) -> str:
        return self.page if self.role == "visitor" else f"{self.role}-{self.page}"


SHOTS = [
    Shot("visitor", "login", login_page),
    Shot("visitor", "admissions-campaign", admissions_campaign),
    Shot("trainee", "dashboard", lambda v: DASHBOARD),
    Shot("trainee", "cohort", cohort_of),
    Shot("trainee", "deliverable", deliverable_of, wait=EDITOR_CONNECTED),
    Shot("trainee", "passeport", passeport),
    Shot("trainer", "dashboard", lambda v: DASHBOARD),
    Shot("trainer", "cohort", cohort_of),
    Shot("trainer", "deliverable", deliverable_of, wait=EDITOR_READY),
    Shot("lead-trainer", "assessment", assessment),
    Shot("coordination", "dashboard", lambda v: DASHBOARD),
    Shot("coordination", "admissions-pipeline", admissions_pipeline),
    Shot("juror", "dashboard", lambda v: DASHBOARD),
    Shot("juror", "jury-deliverable", jury_deliverable, wait=EDITOR_READY),
]


def file_stem(size: tuple[int, int], shot: Shot) -> str:
    return f"{size[0]}-{shot.name}"


# --- the demo server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def demo_server(instance: Path) -> Iterator[tuple[str, Path]]:
    """What `make run` does (and tests/browser/conftest.py's demo_server), on a SQLite
    database in ``instance``: migrate, load the catalogue and the demo, serve with gevent
    on a free port. Yields the server's URL and its log file."""
    # none of the caller's COELAB_* settings: a database, a queue or production mode
    # of theirs must not reach this throwaway demo
    env = {k: v for k, v in os.environ.items() if not k.startswith("COELAB_")}
    env.update(COELAB_INSTANCE_PATH=str(instance), COELAB_MAIL_BACKEND="console")
    coelab = [sys.executable, "-m", "coelab.launcher"]
    for args in (["db", "upgrade"], ["catalogue", "load"], ["demo"]):
        done = subprocess.run(coelab + args, env=env, capture_output=True, text=True)  # noqa: S603
        if done.returncode:
            raise RuntimeError(f"coelab {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    port = free_port()
    log_path = instance / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(coelab + ["serve", "--port", str(port)], env=env,  # noqa: S603
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(url + "/login", timeout=1)  # noqa: S310 - loopback
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the demo server did not start:\n"
                                           + log_path.read_text()) from None
                    time.sleep(0.2)
            yield url, log_path
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- main ---------------------------------------------------------------------------


def take(browser, url: str, chosen: list[tuple[tuple[int, int], Shot]], out: Path
         ) -> tuple[list[Path], list[str]]:
    """Take the chosen shots, role by role; the files written and the failures. Each
    width gets a browser context of its own, logged in afresh: a person opening the
    pages on a phone, not the laptop's session (its editor cache) resized."""
    written: list[Path] = []
    failed: list[str] = []
    for role in ACCOUNTS:
        mine = [(size, shot) for size, shot in chosen if shot.role == role]
        if not mine:
            continue
        who = ACCOUNTS[role] or "not logged in"
        print(f"As {role} ({who}):", flush=True)
        # where each shot's page is, found once (by the first width's visit) for all
        paths: dict[str, str | None] = {}
        for size in SIZES:
            shots = [shot for s, shot in mine if s == size]
            if not shots:
                continue
            visit = Visit(browser, url, role)
            try:
                try:
                    visit.log_in()
                except PlaywrightError as exc:
                    failed += [file_stem(size, shot) for shot in shots]
                    print(f"  FAILED to log in as {who}: {first_line(exc)}", file=sys.stderr)
                    continue
                for shot in shots:
                    if shot.name not in paths:
                        paths[shot.name] = None
                        try:
                            paths[shot.name] = shot.find(visit)
                        except (Unreachable, PlaywrightError) as exc:
                            print(f"  FAILED {shot.name}: cannot reach the page: "
                                  f"{first_line(exc)}", file=sys.stderr)
                    path = paths[shot.name]
                    if path is None:
                        failed.append(file_stem(size, shot))
                        continue
                    target = out / f"{file_stem(size, shot)}.png"
                    try:
                        visit.shoot(path, size, target, shot.wait)
                    except (Unreachable, PlaywrightError) as exc:
                        print(f"  FAILED {target.name} ({path}): {first_line(exc)}",
                              file=sys.stderr)
                        failed.append(file_stem(size, shot))
                        continue
                    written.append(target)
                    print(f"  {target}  ({path})", flush=True)
            finally:
                visit.close()
    return written, failed


def first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Screenshots of Coélab's main pages as the demo roles "
                    "(a demo server of its own, headless Chromium).")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots",
                        help="folder for the PNG files (default: screenshots/)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="take only the shots whose file name contains NAME "
                             "(repeatable), e.g. trainee, 390-, 1366-login")
    parser.add_argument("--chromium", default=os.environ.get("COELAB_CHROMIUM",
                                                             "/usr/bin/chromium"),
                        help="the Chromium to drive (default: /usr/bin/chromium)")
    args = parser.parse_args(argv)

    every = [(size, shot) for shot in SHOTS for size in SIZES]
    chosen = every
    if args.only:
        unknown = [p for p in args.only if not any(p in file_stem(*s) for s in every)]
        if unknown:
            names = "\n  ".join(file_stem(*s) for s in every)
            parser.error(f"no shot matches --only {', '.join(map(repr, unknown))}; "
                         f"the shots are:\n  {names}")
        chosen = [s for s in every if any(p in file_stem(*s) for p in args.only)]
    if not Path(args.chromium).exists():
        parser.error(f"Chromium not found at {args.chromium} (Debian: apt-get install "
                     "chromium; or --chromium PATH)")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    print(f"Starting a demo server ({len(chosen)} {plural(len(chosen), 'shot')} to take)...",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="coelab-screenshots-") as tmp:
        with demo_server(Path(tmp)) as (url, log_path):
            print(f"Demo server at {url}", flush=True)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, headless=True,
                                            args=CHROMIUM_ARGS)
                try:
                    written, failed = take(browser, url, chosen, out)
                finally:
                    browser.close()
            if failed:
                tail = log_path.read_text().splitlines()[-30:]
                print("The server's last log lines:\n  " + "\n  ".join(tail), file=sys.stderr)
    print(f"{len(written)} {plural(len(written), 'screenshot')} written to {out}")
    if failed:
        print(f"{len(failed)} {plural(len(failed), 'shot')} failed: {', '.join(failed)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
