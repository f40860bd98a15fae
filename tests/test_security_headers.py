"""Security headers and cookies on every page a logged-in person can reach.

Each role crawls the app from its dashboard (following the links of every page, GET
only) over a programme with work in every state; every HTML answer must carry a
Content-Security-Policy that forbids inline script, ``nosniff``, a framing ban and a
Referrer-Policy, and hold no inline script, event handler or script URL of its own.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from coelab import create_app
from coelab.deliverables import workflow
from coelab.deliverables.operations import start_deliverable
from coelab.documents import operations as docs
from werkzeug.exceptions import HTTPException

from .conftest import PASSWORD, base_config, login
from .test_deliverables import Programme, _mini, _partner, _upload
from .test_files import pdf_bytes
from .test_xss import dangers, parse_page

MAX_PAGES_PER_ROLE = 250
SKIP = re.compile(r"^/(logout|static/)")
GOOD_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin",
                          "strict-origin-when-cross-origin"}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return directives


def check_headers(url: str, response) -> None:
    """What every answer of the app carries, and every HTML page in particular."""
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", url
    assert "camera=()" in headers.get("Permissions-Policy", ""), url
    if response.mimetype != "text/html":
        return
    csp = csp_directives(headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts, f"{url}: no script-src nor default-src"
    for forbidden in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:",
                      "blob:"):
        assert forbidden not in scripts, f"{url}: script-src allows {forbidden}"
    # no plugin content at all (a same-origin upload could otherwise be embedded)
    assert csp.get("object-src", csp.get("default-src")) == ["'none'"], url
    assert "base-uri" in csp, url
    framing = csp.get("frame-ancestors")
    assert framing == ["'none'"] or headers.get("X-Frame-Options", "").upper() in (
        "DENY", "SAMEORIGIN"), f"{url}: may be framed"
    assert headers.get("Referrer-Policy", "").lower() in GOOD_REFERRER_POLICIES, url
    # every page is made for the person who asked: never kept in a cache
    assert "no-store" in headers.get("Cache-Control", ""), url
    root = parse_page(response.get_data(as_text=True))
    own = [d for d in dangers(root) if d[0] in ("inline-script", "handler", "url",
                                                 "refresh-url")]
    assert own == [], f"{url}: {own}"


def crawl(client, seeds: list[str], seen: set[str] | None = None) -> Counter:
    """GET every same-site link reachable from the seeds; check each answer."""
    seen = set() if seen is None else seen
    queue = list(seeds)
    kinds = Counter()
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        check_headers(url, response)
        kinds[response.mimetype] += 1
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        for element in parse_page(response.get_data(as_text=True)).iter("a"):
            href = element.attrib.get("href", "")
            target = urlsplit(urljoin("http://localhost" + url, href))
            if target.netloc != "localhost" or SKIP.search(target.path):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in seen:
                queue.append(link)
    return kinds


@pytest.fixture
def world(app, make):
    from coelab.comments import operations as cops
    from coelab.jury import operations as jops
    from coelab.jury.models import PanelRole

    from recommendations import operations as rops

    prog = Programme(make)
    admin = make.user("Admin", "Instance", admin=True)
    case = start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())
    docs.save_version(prog.p1, case.document, "Premier jet")
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    cops.create_thread(prog.trainer, case, anchor=cops.Anchor(0, 5, 1), quote="Texte",
                       body="Précisez.", visibility="authors")
    workflow.ready_for_jury(prog.trainer, case)
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury de février")
    jops.assign(prog.coordinator, panel, case)
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    other = _mini(prog)  # a mini-diagnostic of p3, with an attachment
    document = docs.create_document(prog.p1, prog.transversal, title="Notes",
                                    template="# Notes\n", team=prog.team_t)
    docs.save_version(prog.p1, document, "Un")
    docs.save_version(prog.p1, document, "Deux")
    collection = start_deliverable(prog.p2, prog.thematic, "recommendation_collection",
                                   title="Recueil", details={"themes": ["2.4"]},
                                   team=prog.team_h)
    theme = rops.allowed_themes(collection)[0].code
    entry = rops.propose_entry(prog.p2, collection, title="Tracer", theme=theme,
                               text_="Texte.")
    rops.adopt(prog.p2, entry)
    rops.add_to_corpus(prog.p2, title="Pratique", theme_code=theme, markdown="Texte",
                       cohort_name="Cohorte", cohort_start=prog.thematic.start_date)
    return {"prog": prog, "admin": admin, "case": case, "other": other,
            "document": document, "collection": collection, "panel": panel}


@pytest.mark.slow  # a crawl of every page, as each role
def test_every_page_of_every_role_carries_the_security_headers(app, world, capsys):
    prog = world["prog"]
    client = app.test_client()
    login(client, prog.p3.email)
    _upload(client, world["other"], "diapos.pdf", pdf_bytes(), "application/pdf")
    total = Counter()
    visited: set[str] = set()
    for user in (prog.p1, prog.p2, prog.p3, prog.trainer, prog.coordinator, prog.other_trainer,
                 world["admin"]):
        client = app.test_client()
        login(client, user.email)
        seeds = ["/dashboard", "/", "/profile", "/notifications", "/passeport",
                 "/bonnes-pratiques", "/juries", "/programme", "/competencies", "/users",
                 f"/deliverables/{world['case'].id}", f"/documents/{world['document'].id}",
                 f"/documents/{world['document'].id}/diff?from=1&to=2",
                 f"/recueils/{world['collection'].id}", "/no-such-page", "/deliverables/9999",
                 f"/deliverables/{world['case'].id}/assessment",
                 f"/deliverables/{world['case'].id}/comments",
                 f"/documents/{world['document'].id}/preview"]
        seen: set[str] = set()
        total += crawl(client, seeds, seen)
        visited |= seen
    adapter = app.url_map.bind("localhost")
    reached = set()
    for url in visited:
        with contextlib.suppress(HTTPException):  # a 404, a page moved
            reached.add(adapter.match(urlsplit(url).path, method="GET")[0])
    routes = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods
              and r.endpoint != "static"}
    with capsys.disabled():
        print(f"\n[headers] answers checked: {dict(total)}; GET endpoints reached: "
              f"{len(reached & routes)}/{len(routes)}; not reached: "
              f"{sorted(routes - reached)}")
    assert total["text/html"] >= 60  # the crawl did reach the app's pages


def test_anonymous_pages_carry_the_security_headers(client):
    for url in ("/login", "/password/forgot", "/invitation/nothing", "/password/reset/x",
                "/dashboard", "/static/coelab.css", "/no-such-page"):
        response = client.get(url)
        check_headers(url, response)


def session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie")
                if c.startswith("session="))


def test_session_cookie_is_httponly_and_samesite_and_not_secure_locally(client, make):
    user = make.user()
    cookie = session_cookie(login(client, user.email))
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=(Lax|Strict)", cookie)
    assert "Secure" not in cookie  # local development is plain HTTP
    assert "Strict-Transport-Security" not in client.get("/dashboard").headers


def _remember_login(client, email: str):
    from .conftest import post

    return post(client, "/login", {"email": email, "password": PASSWORD, "remember": "y"})


@pytest.mark.parametrize("how", ["production", "COELAB_SECURE_COOKIES"])
def test_cookies_are_secure_when_the_configuration_says_so(tmp_path, monkeypatch, how,
                                                           database_url, backend):
    from coelab.db import db

    monkeypatch.delenv("COELAB_SECURE_COOKIES", raising=False)
    monkeypatch.delenv("COELAB_ENV", raising=False)
    extra = {}
    if how == "production":
        extra["ENV_MODE"] = "production"
        extra["MAIL_BACKEND"] = "memory"
    else:
        monkeypatch.setenv("COELAB_SECURE_COOKIES", "1")
    app = create_app(base_config(tmp_path, database_url, **extra))
    if backend != "sqlite":
        pytest.skip("a SQLite file is enough to check the cookie flags")
    with app.app_context():
        db.create_all()
        from .conftest import Factory

        user = Factory().user()
        client = app.test_client()
        response = _remember_login(client, user.email)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "Secure" in session and "HttpOnly" in session
    assert re.search(r"SameSite=(Lax|Strict)", session)
    # served over HTTPS only: browsers are told never to use plain HTTP
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"
    remember = [c for c in cookies if c.startswith("remember_token=")]
    for cookie in remember:
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert re.search(r"SameSite=(Lax|Strict)", cookie)


# --- answers made outside Flask's views, and caching ----------------------------------

POLLING = "/socket.io/?EIO=4&transport=polling"


def check_outside_flask(url: str, response) -> None:
    """What an answer of the Socket.IO middleware carries, as every page does."""
    check_headers(url, response)
    headers = response.headers
    assert headers.get("Referrer-Policy", "").lower() in GOOD_REFERRER_POLICIES, url
    assert headers.get("X-Frame-Options") == "DENY", url
    csp = csp_directives(headers.get("Content-Security-Policy", ""))
    assert csp.get("frame-ancestors") == ["'none'"], url
    assert csp.get("object-src", csp.get("default-src")) == ["'none'"], url
    assert "no-store" in headers.get("Cache-Control", ""), url


def test_socketio_polling_answers_carry_the_security_headers(app, client):
    """engine.io's long-polling is answered by the python-socketio WSGI middleware, in
    front of Flask: its answers carry the same headers as the pages."""
    handshake = client.get(POLLING)
    assert handshake.status_code == 200 and handshake.get_data(as_text=True).startswith("0{")
    check_outside_flask(POLLING, handshake)
    refused = client.get(POLLING + "&sid=no-such-session")
    assert refused.status_code == 400
    check_outside_flask(POLLING, refused)
    assert "Strict-Transport-Security" not in handshake.headers
    app.config["SESSION_COOKIE_SECURE"] = True  # served over HTTPS: HSTS there too
    assert client.get(POLLING).headers["Strict-Transport-Security"] == "max-age=31536000"
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_dynamic_answers_are_not_stored_but_static_files_stay_cacheable(app, client, make):
    """A page showing someone's data must not stay in a shared computer's cache (or a
    proxy's); a view that says how its answer is cached keeps its own say."""

    @app.route("/test-cached")
    def _cached():
        return "cached", 200, {"Cache-Control": "private, max-age=60"}

    for url in ("/login", "/password/forgot", "/no-such-page"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    user = make.user()
    response = login(client, user.email)  # a redirect setting the session cookie
    assert response.headers.get("Cache-Control") == "no-store"
    for url in ("/dashboard", "/profile", "/notifications", "/no-such-page"):
        response = client.get(url)
        assert response.mimetype == "text/html", url
        assert response.headers.get("Cache-Control") == "no-store", url
    assert client.get("/test-cached").headers["Cache-Control"] == "private, max-age=60"
    static = client.get("/static/coelab.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
