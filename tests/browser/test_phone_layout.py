"""Every page fits a phone: at 390 × 844 (a common phone held upright), no page of the demo
scrolls sideways, for any role. The test logs in as each role of the demo (and visits the
public pages as a visitor), crawls the same-site links breadth-first from the dashboard and
fails listing every page wider than the screen, with the elements that stick out.

The site's header collapses to the brand and a "Menu" button on a phone; the button opens
and closes the navigation with the mouse and the keyboard; without JavaScript the links
show, one under the other."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

from cohort.demo import DEMO_PASSWORD, email

from .test_accessibility import settle

pytestmark = pytest.mark.one_backend  # what is drawn does not depend on the database

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MAX_PAGES = 100  # per role (the coordination reaches about 100 pages of the demo)
PER_RULE = 2  # pages visited per URL pattern (two deliverables, not all of them)
# never followed: leaving the session, files (exports, attachments, calendars), static
SKIP = re.compile(r"(^/logout)|(^/static/)|(\.(pdf|ics|md|docx|odt|csv|zip|txt)$)"
                  r"|(/exports?\b)|(/download)|(/attachments/\d+$)|(/files/\d+$)")

# one demo account per role; None: a visitor, not logged in
ROLES = {
    "coordination": "coordination",
    "admin": "admin",
    "trainer": "formatrice",
    "trainer, jury president": "formateur",
    "trainee": "stagiaire",
    "trainee, parcours III": "sophie.lambert",
    "external juror": "rachid.amrani",
    "admission commission": "direction",
    "candidate (dossier handed in)": "chloe.martinez",
    "candidate (draft)": "lucas.petit",
    "visitor": None,
}

# The page's width against the screen's, and the elements that stick out: those past the
# right edge whose parent does not (the outermost culprit of each branch), leaving out
# what a scrolling box (overflow other than visible) keeps inside itself.
OVERFLOW = """() => {
  const vw = window.innerWidth
  const doc = document.documentElement
  if (doc.scrollWidth <= vw) return null
  const clips = el => { const s = getComputedStyle(el)
    return s.overflowX !== 'visible' && el !== doc && el !== document.body }
  const name = el => {
    let s = el.tagName.toLowerCase()
    if (el.id) s += '#' + el.id
    for (const c of el.classList) s += '.' + c
    return s
  }
  const path = el => { const parts = []
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement)
      parts.unshift(name(e))
    return parts.join(' > ') }
  // past the right edge, and not kept inside a scrolling box (a box positioned
  // absolutely escapes the scrolling boxes below its containing block)
  const sticksOut = el => {
    const r = el.getBoundingClientRect()
    if (r.right <= vw + 1 || r.width === 0) return false
    const escapes = getComputedStyle(el).position === 'absolute' ? el.offsetParent : null
    let below = !!escapes
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (a === escapes) below = false
      if (!below && clips(a)) return false
    }
    return true
  }
  const out = []
  for (const el of document.body.querySelectorAll('*')) {
    if (!sticksOut(el)) continue
    const parent = el.parentElement
    if (parent && parent !== document.body && sticksOut(parent)) continue
    const r = el.getBoundingClientRect()
    out.push({ element: path(el), right: Math.round(r.right), width: Math.round(r.width),
               text: (el.innerText || '').trim().slice(0, 60) })
  }
  out.sort((a, b) => b.right - a.right)
  return { scrollWidth: doc.scrollWidth, innerWidth: vw, culprits: out.slice(0, 3) }
}"""


def rule_of(path: str, query: str = "") -> str:
    """The URL pattern of a link: numbers are parameters, and a query string counts by its
    keys (a table sorted by another column is the same page)."""
    keys = sorted({pair.partition("=")[0] for pair in query.split("&") if pair})
    return re.sub(r"\d+", "<n>", path) + ("?" + "&".join(keys) if keys else "")


def log_in(page, base_url: str, address: str) -> None:
    page.goto(base_url + "/login")
    page.fill("input[name=email]", address)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda u: urlsplit(u).path != "/login")


def crawl(page, base_url: str, start: str, broken: list[str]) -> dict[str, dict | None]:
    """Visit the pages reachable from ``start``; for each, its overflow (None: it fits).
    Server errors go to ``broken``."""
    found: dict[str, dict | None] = {}
    seen_rules: dict[str, int] = {}
    queue = deque([base_url + start])
    queued = {start}
    while queue and len(found) < MAX_PAGES:
        url = queue.popleft()
        response = page.goto(url)
        if response is None or response.status >= 500:
            broken.append(f"{response.status if response else '-'} {url}")
            continue
        if not response.ok or not response.headers.get("content-type", "").startswith(
                "text/html"):
            continue
        settle(page)
        found[page.url.removeprefix(base_url)] = page.evaluate(OVERFLOW)
        links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        fresh, known = [], []
        for href in links:
            parts = urlsplit(urldefrag(href).url)
            if f"{parts.scheme}://{parts.netloc}" != base_url:
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path in queued or SKIP.search(parts.path):
                continue
            rule = rule_of(parts.path, parts.query)
            if seen_rules.get(rule, 0) >= PER_RULE:
                continue
            queued.add(path)
            seen_rules[rule] = seen_rules.get(rule, 0) + 1
            # unseen URL patterns first, so that the cap never hides a kind of page
            (known if seen_rules[rule] > 1 else fresh).append(base_url + path)
        queue.extendleft(reversed(fresh))
        queue.extend(known)
    return found


def describe(role: str, url: str, overflow: dict) -> str:
    lines = [f"{role}: {url} is {overflow['scrollWidth']} px wide "
             f"(screen {overflow['innerWidth']} px)"]
    for c in overflow["culprits"]:
        lines.append(f"    {c['element']} ends at {c['right']} px (width {c['width']})"
                     + (f" « {c['text']} »" if c["text"] else ""))
    return "\n".join(lines)


@pytest.fixture
def phone(browser):
    contexts = []

    def make(viewport=PHONE, javascript=True):
        context = browser.new_context(locale="fr-FR", viewport=viewport,
                                      java_script_enabled=javascript)
        contexts.append(context)
        return context.new_page()

    yield make
    for c in contexts:
        c.close()


@pytest.mark.slow  # a crawl of every page, for each role
def test_every_page_fits_a_phone_for_every_role(phone, live_server, capsys):
    failures, broken, visited = [], [], {}
    for role, login in ROLES.items():
        page = phone()
        if login:
            log_in(page, live_server, email(login))
            start = urlsplit(page.url).path
            # the header's menu, open, fits too (the longest names, the notifications)
            page.locator("header.site .menu-toggle").click()
            opened = page.evaluate(OVERFLOW)
            if opened:
                failures.append(describe(role, start + " (menu open)", opened))
        else:
            start = "/login"
        found = crawl(page, live_server, start, broken)
        visited[role] = len(found)
        assert len(found) >= (2 if login is None or "candidate" in role else 5), (
            f"{role}: the crawl reached too few pages: {list(found)}")
        failures += [describe(role, url, o) for url, o in found.items() if o]
        page.context.close()
    with capsys.disabled():
        print("\nphone layout: pages visited per role: "
              + ", ".join(f"{r} {n}" for r, n in visited.items()))
    assert not broken, "server errors: " + ", ".join(broken)
    assert not failures, "pages wider than a phone (390 px):\n" + "\n".join(failures)


# --- the header's menu -----------------------------------------------------------------

def menu_parts(page):
    header = page.locator("header.site")
    return (header.get_by_role("button", name="Menu"),
            header.get_by_role("link", name="Tableau de bord"),
            header.get_by_role("button", name="Se déconnecter"))


def test_the_menu_button_opens_and_closes_the_header_on_a_phone(phone, live_server):
    page = phone()
    log_in(page, live_server, email("formatrice"))
    button, dashboard, logout = menu_parts(page)
    # closed: the brand and the button only, the header one line high
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    controlled = page.locator("#" + button.get_attribute("aria-controls"))
    assert controlled.count() == 1
    assert not dashboard.is_visible() and not logout.is_visible()
    assert page.locator("header.site").bounding_box()["height"] < 70
    # the mouse opens it: every link of the navigation and the account can be reached
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert dashboard.is_visible() and logout.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    button.click()
    assert button.get_attribute("aria-expanded") == "false"
    assert not dashboard.is_visible()
    # the keyboard: Enter opens, Tab goes into the links, Escape closes and goes back
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("id => document.activeElement.closest('#' + id) !== null",
                         button.get_attribute("aria-controls")), "Tab goes into the menu"
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    # folded, the count of what waits stays in sight on the button (templates/coelab/base.html)
    queued = page.locator("header.site .queue-link").text_content()
    count = queued.split("(")[1].split(")")[0]
    assert button.inner_text().split() == ["Menu", f"({count}", "à", "traiter)"]
    # a link of the menu leads where it says
    page.keyboard.press("Space")
    assert button.get_attribute("aria-expanded") == "true"
    dashboard.click()
    page.wait_for_url("**/dashboard")


def test_the_header_shows_everything_on_a_wide_screen(phone, live_server):
    page = phone(DESKTOP)
    log_in(page, live_server, email("formatrice"))
    button, dashboard, logout = menu_parts(page)
    assert not button.is_visible()
    assert dashboard.is_visible() and logout.is_visible()
    assert page.locator("header.site").bounding_box()["height"] < 70


def test_without_javascript_the_links_stay_visible(phone, live_server):
    page = phone(javascript=False)
    log_in(page, live_server, email("stagiaire"))
    button, dashboard, logout = menu_parts(page)
    # no button that would do nothing: the links are there, one under the other
    assert not button.is_visible()
    assert dashboard.is_visible() and logout.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    dashboard.click()
    page.wait_for_url("**/dashboard")
