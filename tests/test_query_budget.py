"""Queries per page (issue 18): no page of the demo asks more than BUDGET SQL queries,
whoever reads it, with a cohort of 30
trainees × 10 works in every workflow state beside the demo year.

The demo year is loaded as ``coelab demo`` loads it (``cohort.demo.load_demo``); the
cohort of tests/test_work_queues_budget.py (``World``) is added with the demo's
coordination, one demo trainer as its trainer, the other presiding its panel and a demo
practising professional sitting on it. Then each demo role logs in and follows, from
the dashboard, every same-origin link of every HTML page it reaches (GET only), and
SQLAlchemy's ``before_cursor_execute`` counts the queries of each page. Links that only
differ by their numbers (one deliverable's page, another's) are followed a few times
each (``PER_PATTERN``), which keeps the crawl to the kinds of pages there are; files
(PDF, calendar, exports) are fetched and counted like any page, their content not
parsed. The logout link and the links that leave the site are not followed.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from coelab.db import db
from coelab.models import User
from sqlalchemy import select

from .conftest import login
from .test_work_queues_budget import World, counted

#: issue 18's target, which no page may exceed: a deliverable's page, the heaviest, asks
#: 13-15 (docs/architecture.md, "Queries per page"); a page that asks one query per row
#: of a cohort (a trainee's workspace asked 1539 for the cohort of thirty, a panel's page
#: 813, a cohort's table 288) goes far beyond it
BUDGET = 15
#: how many pages whose paths differ only by their numbers are crawled
PER_PATTERN = 2
#: a page whose path has a query string: how many of each path
PER_QUERY = 2
#: pages crawled per person at most (the crawl fails beyond: it would hide pages)
MAX_PAGES = 250
COHORT_TRAINEES = 30

HREF = re.compile(r'\shref="([^"]+)"')
SKIPPED = ("/logout", "/static/", "mailto:", "tel:", "javascript:", "data:")


def _demo_people() -> dict[str, str]:
    """Role -> e-mail, one person of each kind the demo prints."""
    from cohort.admissions.demo import CANDIDATES, DIRECTOR, PARTNERS
    from cohort.demo import ADMIN, COORDINATOR, EXTERNAL_JURORS, TRAINEES, TRAINERS, email
    from cohort.demo_history import NOT_VALIDATED

    people = {"coordination": email(COORDINATOR[0]), "admin": email(ADMIN[0])}
    for login_, *_rest in TRAINERS:
        people[f"trainer {login_}"] = email(login_)
    people["external juror"] = email(EXTERNAL_JURORS[0][0])
    for login_, *_rest, parcours, _funding in TRAINEES:
        people.setdefault(f"trainee parcours {parcours}", email(login_))
    people["past trainee"] = email(NOT_VALIDATED)
    people["admission director"] = email(DIRECTOR[0])
    people["admission partner"] = email(PARTNERS[0][1][0])
    for row in CANDIDATES:
        people.setdefault(f"candidate {row[-1].value}", email(row[0]))
    return people


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "<n>", path)


def _links(base: str, html: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        href = href.replace("&amp;", "&")
        if href.startswith(SKIPPED) or href.startswith("#"):
            continue
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.scheme not in ("", "http"):
            continue
        if parts.path.startswith(SKIPPED):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(client, start: str = "/dashboard") -> dict[str, int]:
    """Every page reachable from ``start`` by links -> the queries it asked."""
    client.get(start)  # what is read once per process is read now
    seen: set[str] = {start}
    patterns: dict[str, int] = {}
    queue = deque([start])
    counts: dict[str, int] = {}
    while queue:
        url = queue.popleft()
        assert len(counts) < MAX_PAGES, f"more than {MAX_PAGES} pages from {start}"
        with counted() as statements:
            response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200:
            continue
        counts[url] = len(statements)
        if not response.mimetype == "text/html":
            continue
        for link in _links(f"http://localhost{url}", response.get_data(as_text=True)):
            if link in seen:
                continue
            seen.add(link)
            path, _, query = link.partition("?")
            key = _pattern(path) + ("?" if query else "")
            if patterns.get(key, 0) >= (PER_QUERY if query else PER_PATTERN):
                continue
            patterns[key] = patterns.get(key, 0) + 1
            queue.append(link)
    return counts


@pytest.fixture
def demo(app, make):
    """The demo year and the cohort of 30 trainees × 10 works; the app context stays
    pushed for the test."""
    from cohort.demo import EXTERNAL_JURORS, TRAINERS, load_demo
    from cohort.demo import email as demo_email

    with app.app_context():
        app.config["MAIL_BACKEND"] = "memory"
        assert load_demo() is True

        def person(login_: str) -> User:
            return db.session.scalar(select(User).where(User.email == demo_email(login_)))

        world = World(make, coordinator=person("coordination"), trainer=person(TRAINERS[0][0]),
                      internal=person(TRAINERS[1][0]), pro=person(EXTERNAL_JURORS[0][0]),
                      name="Promotion de trente")
        world.grow(COHORT_TRAINEES)
        yield world


def test_no_page_of_the_demo_asks_more_than_the_budget(demo, app):
    from cohort.demo import DEMO_PASSWORD

    people = {email: DEMO_PASSWORD for email in _demo_people().values()}
    people[demo.trainees[0].email] = None  # a trainee of the cohort of thirty
    over: list[str] = []
    crawled = 0
    for email, password in people.items():
        client = app.test_client()
        if password:
            login(client, email, password)
        else:
            login(client, email)
        counts = crawl(client)
        assert counts.get("/dashboard"), email  # each of them reached their dashboard
        crawled += len(counts)
        heaviest = sorted(counts.items(), key=lambda item: -item[1])[:3]
        print(f"{email}: {len(counts)} pages, heaviest {heaviest}")  # noqa: T201
        for url, n in counts.items():
            if n > BUDGET:
                # once more: what the header keeps between pages (coelab/frame.py: the
                # counts, the links, the themes, computed again after any write) and
                # what a process reads once are not the page's own
                with counted() as statements:
                    client.get(url)
                if len(statements) > BUDGET:
                    over.append(f"{email} {url}: {len(statements)} queries")
    assert crawled > 100
    assert over == [], f"{len(over)} pages over {BUDGET} queries:\n" + "\n".join(over)
