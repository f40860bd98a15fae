"""XSS: every payload of tests/xss_payloads.py through every path that shows user text.

The HTML is parsed as a browser parses it (html5lib, the parser bleach itself vendors).
What Markdown renders (a fragment) must hold only the renderer's allowed tags, no event
handler, no script URL; a whole page, compared with the same page showing harmless text
in the same places, must hold no dangerous element the app's page does not have (same
tag, same attributes and URLs), no event handler, style attribute or script URL, and
never an inline script; plain-text fields must be on the page as text. Template-injection
payloads are never evaluated. (The page comparison is by signature: a payload rebuilding
exactly one of the app's own elements would go unnoticed; escaping makes that moot, and
the shown-as-text checks would then fail.)

Paths (each payload through each): the renderer; a document's preview; a saved version's
page and label on the versions page; the diff of two versions; the Markdown export (a
download, never HTML) and the HTML printed to PDF; comments (their JSON endpoints and the
notification they send); a recommendation (entry page, discussion, the collection's page
and the collection rendered as one document); the shared corpus (search, list, entry);
names and titles (people, team, cohort, deliverable, document, jury panel) on the pages
that show them; review messages, assessment comments and the jury's reasons; payloads in
query strings and paths (error pages, search form, login ``next``). The browser side (the
editor's preview, comments drawn by script, the presence list) is
tests/browser/test_xss_browser.py.

Run with ``-s`` to read the figures (payloads × paths) each test prints.
"""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from datetime import UTC, datetime

import pycrdt
import pytest
from bleach._vendor import html5lib
from coelab.db import db
from coelab.documents import operations as docs
from coelab.documents.render import TAGS, render_markdown
from coelab.documents.rooms import TEXT, append, catch_up, hold, rooms

from .conftest import csrf_token, login
from .test_deliverables import _partner
from .xss_payloads import PAYLOADS, probes_for

# --- what counts as dangerous -----------------------------------------------------------

# elements no user text may bring into a page (the app's own forms, meta and script
# elements are in the baseline page)
DANGEROUS_TAGS = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta",
    "form", "style", "link", "svg", "math", "template", "portal", "noscript", "input",
    "button", "textarea", "select", "isindex", "video", "audio", "source", "dialog",
    "marquee", "xmp", "plaintext", "listing", "img", "image", "use", "animate", "set",
    "foreignobject", "keygen", "param", "title", "body", "html", "head",
})
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "data", "poster", "background", "cite",
    "codebase", "lowsrc", "dynsrc", "ping", "to", "values", "from", "by", "srcdoc",
    "xlink:href", "manifest", "icon", "archive", "longdesc", "usemap", "profile",
})
BAD_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\ufeff]+")


def _name(tag: str) -> str:
    """``{namespace}local`` → ``local`` (SVG and MathML elements and attributes)."""
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return f"xlink:{local}" if namespace.endswith("/xlink") else local.lower()
    return tag.lower()


def _scheme(value: str) -> str | None:
    """The dangerous scheme a URL would be run with, whatever whitespace, control
    characters and case hide it (entities are already decoded by the parser)."""
    squeezed = _INVISIBLE.sub("", value).lower()
    for scheme in BAD_SCHEMES:
        if squeezed.startswith(scheme) or f",{scheme}" in squeezed.replace(" ", ""):
            return scheme
    return None


def dangers(root) -> list[tuple]:
    """Every dangerous thing in a parsed tree, without the values that change from one
    request to the next (tokens, nonces)."""
    found: list[tuple] = []
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        tag = _name(element.tag)
        if tag in DANGEROUS_TAGS:
            found.append(("element", tag, "src" in element.attrib))
        if tag == "script" and "src" not in element.attrib:
            found.append(("inline-script",))
        for raw_name, value in element.attrib.items():
            attr = _name(raw_name)
            if attr.startswith("on"):
                found.append(("handler", tag, attr))
            elif attr == "style":
                found.append(("style-attribute", tag))
            elif attr in URL_ATTRIBUTES or attr == "srcset":
                scheme = _scheme(value)
                if scheme and not (scheme == "data:" and tag == "img" and attr == "src"
                                   and _INVISIBLE.sub("", value).lower()
                                   .startswith("data:image/")
                                   and "svg" not in value.lower()):
                    found.append(("url", tag, attr, scheme))
            elif attr == "content" and "url=" in value.lower() and _scheme(
                    value.lower().split("url=", 1)[1]):
                found.append(("refresh-url", tag))
    return found


def parse_page(text: str):
    return html5lib.parse(text, treebuilder="etree", namespaceHTMLElements=False)


def parse_fragment(text: str):
    return html5lib.parseFragment(text, treebuilder="etree", namespaceHTMLElements=False)


def check_fragment(text: str, payload: str, where: str) -> None:
    """Rendered Markdown: only the allowed tags, nothing dangerous at all."""
    root = parse_fragment(text)
    tags = {_name(e.tag) for e in root.iter() if isinstance(e.tag, str)} - {"DOCUMENT_FRAGMENT"}
    tags.discard(_name(root.tag))
    assert tags <= TAGS, f"{where}: tags {sorted(tags - TAGS)} from {payload!r}:\n{text}"
    assert dangers(root) == [], f"{where}: {dangers(root)} from {payload!r}:\n{text}"
    check_not_evaluated(text, payload, where)


def check_not_evaluated(text: str, payload: str, where: str) -> None:
    decoded = htmllib.unescape(text)
    for shown in probes_for(payload):
        assert shown not in text and htmllib.unescape(shown) not in decoded, (
            f"{where}: template evaluated for {payload!r}")
    assert "test-secret" not in decoded, where


# attributes of the app's own elements that may carry user text (or a per-request token)
_TEXT_ATTRIBUTES = frozenset({"value", "title", "alt", "placeholder", "content", "label",
                              "nonce", "integrity"})


def _signature(element) -> tuple:
    """What an element is, beyond the text it shows and the numbers in its URLs."""
    attrs = []
    for raw_name, value in element.attrib.items():
        attr = _name(raw_name)
        if attr in _TEXT_ATTRIBUTES or attr.startswith(("data-", "aria-")):
            value = "<text>"
        else:
            value = re.sub(r"\d+", "0", value)
        attrs.append((attr, value))
    return (_name(element.tag), tuple(sorted(attrs)))


def page_dangers(root) -> set[tuple]:
    """The dangerous elements of a page, by signature, and its dangerous attributes."""
    found = set()
    for element in root.iter():
        if isinstance(element.tag, str) and _name(element.tag) in DANGEROUS_TAGS:
            found.add(("element", _signature(element)))
    found |= {d for d in dangers(root) if d[0] != "element"}
    return found


def page_strings(root) -> list[str]:
    """Every text and attribute value of a page, whitespace collapsed."""
    out = []
    for element in root.iter():
        for value in (element.text, element.tail, *element.attrib.values()):
            if value:
                out.append(" ".join(value.split()))
    return out


def shown_as_text(root, payload: str) -> bool:
    """The payload is on the page as text (escaped), not as markup."""
    wanted = " ".join(payload.replace("\x00", "\ufffd").split())
    return any(wanted in value for value in page_strings(root))


class Pages:
    """Whole pages, compared with the same page showing harmless text: a payload may
    bring no dangerous element the app's own page does not have (by tag, attributes
    and URL), no event handler, no script URL, no inline script."""

    def __init__(self) -> None:
        self.baseline: dict[str, set] = {}
        self.checked = Counter()  # path name -> payloads checked

    def get(self, client, url: str, status: int = 200) -> str:
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        assert response.mimetype == "text/html", url
        return response.get_data(as_text=True)

    def record_baseline(self, key: str, text: str) -> None:
        root = parse_page(text)
        assert ("inline-script",) not in dangers(root), f"{key}: inline script in the page"
        self.baseline[key] = self.baseline.get(key, set()) | page_dangers(root)

    def check(self, key: str, text: str, payload: str, as_text: bool = False) -> None:
        root = parse_page(text)
        extra = page_dangers(root) - self.baseline[key]
        assert not extra, f"{key}: {sorted(extra)} from {payload!r}"
        assert ("inline-script",) not in dangers(root), key
        check_not_evaluated(text, payload, key)
        if as_text:
            assert shown_as_text(root, payload), f"{key}: {payload!r} not shown as text"
        self.checked[key] += 1


TOTALS = Counter()  # payload×path checks of the module, by test


def report(name: str, pages: Pages, extra: dict[str, int] | None = None, capsys=None) -> None:
    """Print what was checked (outside pytest's capture when given ``capsys``)."""
    counts = dict(pages.checked) | (extra or {})
    total = sum(counts.values())
    TOTALS[name] = total
    lines = [f"[xss] {name}: {len(PAYLOADS)} payloads, {len(counts)} paths, "
             f"{total} payload×path checks (module so far: {sum(TOTALS.values())})"]
    lines += [f"[xss]   {key}: {n}" for key, n in sorted(counts.items())]
    if capsys is None:
        print("\n" + "\n".join(lines))
        return
    with capsys.disabled():
        print("\n" + "\n".join(lines))


# --- helpers ---------------------------------------------------------------------------


def set_text(document, user, text: str) -> None:
    """Replace a document's whole text, as an author's editor would (one Yjs update)."""
    room = rooms().get(document.id)
    with hold(room):
        catch_up(room)
        state = room.doc.get_update()
    doc = pycrdt.Doc()
    shared = doc.get(TEXT, type=pycrdt.Text)
    doc.apply_update(state)
    before = doc.get_state()
    with doc.transaction():
        shared.clear()
        shared.insert(0, text)
    append(room, user, doc.get_update(before), lambda _user, _doc: True)


def client_for(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


@pytest.fixture
def case(prog):
    from coelab.deliverables.operations import start_deliverable

    return start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Étude témoin", team=prog.team_t, details=_partner())


# --- the renderer ----------------------------------------------------------------------


@pytest.fixture
def corpus(backend) -> list[str]:
    """The payloads a page-rendering test sends: all of them on SQLite; on PostgreSQL,
    where the same templates and renderer draw the same rows, every fourth one (from
    each family), so that CI's second database stays within its time."""
    return PAYLOADS if backend == "sqlite" else PAYLOADS[::4]


def test_the_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 100 and len(set(PAYLOADS)) == len(PAYLOADS)
    assert sum("\n" in p for p in PAYLOADS) >= 10  # Markdown needs several lines


def test_renderer_neutralises_every_payload(app, capsys):
    for payload in PAYLOADS:
        check_fragment(render_markdown(payload), payload, "render_markdown")
        # a payload after ordinary text, and all payloads in one text
        check_fragment(render_markdown(f"Texte **ordinaire**.\n\n{payload}\n\nFin."), payload,
                       "render_markdown (in a text)")
    check_fragment(render_markdown("\n\n".join(PAYLOADS)), "(all payloads)", "render_markdown")
    check_fragment(render_markdown("\n".join(PAYLOADS)), "(all payloads)", "render_markdown")
    TOTALS["renderer"] = 2 * len(PAYLOADS)
    with capsys.disabled():
        print(f"\n[xss] renderer: {len(PAYLOADS)} payloads × 2 contexts (alone, in a text) "
              "+ the whole corpus as one text, twice")


def test_renderer_keeps_what_it_allows():
    """The sanitiser is not simply dropping everything: allowed Markdown survives."""
    html = render_markdown("# Titre\n\n**gras** [lien](https://example.org) "
                           "[courriel](mailto:a@example.org)\n\n| a |\n|---|\n| b |")
    assert "<h1>Titre</h1>" in html and "<strong>gras</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">lien</a>' in html
    assert 'href="mailto:a@example.org"' in html and "<td>b</td>" in html


@pytest.mark.parametrize("source", [
    "[lien](https://example.org)", "[lien](HTTPS://example.org)", "[lien](//example.org/x)",
    '<a href="HTTP://example.org">lien</a>', '<a href="\\\\example.org">lien</a>',
    '<a href="/\\example.org">lien</a>', '<a href=" //example.org">lien</a>',
    "[lien][r]\n\n[r]: //example.org", "<//example.org>",
])
def test_every_spelling_of_an_external_link_gets_the_safe_rel(source):
    """(Browsers read a backslash as a slash: ``\\\\host`` and ``/\\host`` are other sites.)"""
    html = render_markdown(source)
    links = list(parse_fragment(html).iter("a"))
    assert links, html
    for link in links:
        assert link.attrib.get("rel") == "noopener noreferrer nofollow", (source, html)


def test_links_inside_the_site_keep_no_rel():
    html = render_markdown("[versions](/documents/1/versions) [ancre](#section)")
    assert "rel=" not in html and 'href="/documents/1/versions"' in html


# --- documents: preview, versions, diff, exports ----------------------------------------


def test_document_paths(app, prog, case, capsys, corpus):
    from coelab.deliverables import export as exporting

    pages = Pages()
    document = case.document
    author = client_for(app, prog.p1)
    doc_url = f"/documents/{document.id}"

    set_text(document, prog.p1, "Texte témoin.\n")
    docs.save_version(prog.p1, document, "Témoin")
    docs.save_version(prog.p1, document, "Témoin bis")
    pages.record_baseline("version page", pages.get(author, f"{doc_url}/versions/2"))
    pages.record_baseline("versions page", pages.get(author, f"{doc_url}/versions"))
    pages.record_baseline("diff page", pages.get(author, f"{doc_url}/diff?from=1&to=2"))
    pages.record_baseline("deliverable page", pages.get(author, f"/deliverables/{case.id}"))

    def print_meta(payload: str):
        return exporting.ExportMeta(
            kind_label="Étude de cas collective", title=payload, module=payload,
            cohort_name=payload, authors=[payload, "Paula Un"], team_name=payload,
            version_label=payload, version_number=3, date=datetime(2026, 11, 29, tzinfo=UTC))

    with app.test_request_context():
        pages.record_baseline("PDF export HTML",
                              exporting.render_print_html(print_meta("Témoin"),
                                                          render_markdown("Témoin")))
    extra = Counter()
    for payload in corpus:
        set_text(document, prog.p1, payload)
        response = author.get(f"{doc_url}/preview")
        assert response.mimetype == "application/json"
        check_fragment(response.get_json()["html"], payload, "preview")
        extra["preview (JSON)"] += 1

        version = docs.save_version(prog.p1, document, payload)
        assert version.markdown == payload
        check_fragment(version.html, payload, "stored version HTML")
        text = pages.get(author, f"{doc_url}/versions/{version.number}")
        pages.check("version page", text, payload)
        article = re.search(r'<article id="version-text"[^>]*>(.*?)</article>', text, re.S)
        check_fragment(article.group(1), payload, "version page article")
        pages.check("versions page", pages.get(author, f"{doc_url}/versions"), payload)
        for old in (1, version.number - 1):  # from the harmless text, from the last payload
            pages.check("diff page", pages.get(
                author, f"{doc_url}/diff?from={old}&to={version.number}"), payload)
            pages.check("diff page", pages.get(
                author, f"{doc_url}/diff?from={version.number}&to={old}"), payload)

        for query in (f"?version={version.number}", ""):
            response = author.get(f"/deliverables/{case.id}/export.md{query}")
            assert response.status_code == 200
            assert response.mimetype == "text/markdown"
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert payload.replace("\r\n", "\n").strip("\n") in response.get_data(as_text=True)
            extra["Markdown export"] += 1

        with app.test_request_context():
            printed = exporting.render_print_html(print_meta(payload), version.html)
        pages.check("PDF export HTML", printed, payload)
    report("documents", pages, dict(extra) | {"stored version HTML": len(corpus),
                                              "version page article": len(corpus)},
           capsys=capsys)


def test_pdf_export_of_every_payload(app, prog, case):
    """The real PDF export of a text holding the whole corpus: printed, fetching nothing."""
    set_text(case.document, prog.p1, "\n\n".join(PAYLOADS))
    version = docs.save_version(prog.p1, case.document, "Tout le corpus")
    author = client_for(app, prog.p1)
    for query in (f"?version={version.number}", ""):
        response = author.get(f"/deliverables/{case.id}/export.pdf{query}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF-")
        assert b"/JavaScript" not in response.data and b"/JS " not in response.data
        assert b"/Launch" not in response.data


# --- comments ---------------------------------------------------------------------------


def test_comment_paths(app, prog, case, capsys, corpus):
    from .test_comments import ANCHOR

    pages = Pages()
    trainer = client_for(app, prog.trainer)
    author = client_for(app, prog.p3)
    token = csrf_token(trainer, f"/deliverables/{case.id}")
    author_token = csrf_token(author, f"/deliverables/{case.id}")
    url = f"/deliverables/{case.id}/comments"
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    response = trainer.post(url, json={"anchor": ANCHOR, "quote": "témoin", "body": "Témoin"},
                            headers=headers)
    assert response.status_code == 201, response.get_json()
    pages.record_baseline("notifications page", pages.get(author, "/notifications"))
    pages.record_baseline("deliverable page", pages.get(author, f"/deliverables/{case.id}"))
    extra = Counter()

    def check_json(response, payload):
        assert response.mimetype == "application/json"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        check_not_evaluated(response.get_data(as_text=True), payload, "comment JSON")

    for payload in corpus:
        response = trainer.post(url, json={"anchor": ANCHOR, "quote": payload[:500],
                                           "body": payload}, headers=headers)
        assert response.status_code == 201, (payload, response.get_json())
        check_json(response, payload)
        thread = response.get_json()["thread"]
        # kept as plain text, exactly: the editor's script shows it with textContent
        assert thread["comments"][0]["body"] == payload.strip()
        assert thread["quote"] == payload[:500].strip() or thread["quote"] == payload[:500]
        response = author.post(f"{url}/{thread['id']}/replies", json={"body": payload},
                               headers={"X-CSRFToken": author_token,
                                        "Accept": "application/json"})
        assert response.status_code == 201, response.get_json()
        check_json(response, payload)
        extra["comment create/reply (JSON)"] += 1
        response = author.get(url)
        check_json(response, payload)
        bodies = [c["body"] for t in response.get_json()["threads"] for c in t["comments"]]
        assert payload.strip() in bodies
        extra["comment list (JSON)"] += 1
        pages.check("notifications page", pages.get(author, "/notifications"), payload)
        pages.check("deliverable page", pages.get(author, f"/deliverables/{case.id}"), payload)
        db.session.expire_all()
    report("comments", pages, dict(extra), capsys=capsys)


# --- recommendations and the corpus -----------------------------------------------------


def test_recommendation_and_corpus_paths(app, prog, capsys):
    from coelab.deliverables.operations import start_deliverable

    from recommendations import operations as rops

    nadia, paul, cohort = prog.p2, prog.p3, prog.thematic
    collection = start_deliverable(nadia, cohort, "recommendation_collection",
                                   title="Recueil témoin", details={"themes": ["2.4"]},
                                   team=prog.team_h)
    themes = [t.code for t in rops.allowed_themes(collection)]
    if not themes:
        pytest.skip("no theme declared by the installed plugins")
    theme = themes[0]
    client = client_for(app, nadia)
    pages = Pages()
    extra = Counter()
    # the baseline shows every kind of entry: adopted (first, middle, last), proposed,
    # set aside
    for n in range(5):
        witness = rops.propose_entry(nadia, collection, title=f"Entrée témoin {n}",
                                     theme=theme, text_="Texte témoin.")
        rops.post_message(nadia, witness, "Message témoin")
        if n < 3:
            rops.adopt(nadia, witness)
        elif n == 4:
            rops.set_aside(nadia, witness, "Raison témoin")
        pages.record_baseline("recommendation page",
                              pages.get(client, f"/recommandations/{witness.id}"))
    pages.record_baseline("collection page", pages.get(client, f"/recueils/{collection.id}"))
    pages.record_baseline("collection document",
                          pages.get(client, f"/recueils/{collection.id}/document"))
    corpus = rops.add_to_corpus(nadia, title="Témoin", theme_code=theme, markdown="Témoin",
                                cohort_name="Cohorte témoin", cohort_start=cohort.start_date)
    pages.record_baseline("corpus search", pages.get(client, "/bonnes-pratiques?q=T%C3%A9moin"))
    pages.record_baseline("corpus list", pages.get(client, "/bonnes-pratiques"))
    pages.record_baseline("corpus entry", pages.get(client, f"/bonnes-pratiques/{corpus.id}"))

    for n, payload in enumerate(PAYLOADS):
        title = payload[:rops.TITLE_MAX] if hasattr(rops, "TITLE_MAX") else payload[:200]
        entry = rops.propose_entry(nadia, collection, title=title, theme=theme, text_=payload)
        rops.post_message(paul, entry, payload)
        if n % 2:
            rops.adopt(nadia, entry)
        else:
            rops.set_aside(nadia, entry, payload)
        pages.check("recommendation page", pages.get(client, f"/recommandations/{entry.id}"),
                    payload)
        item = rops.add_to_corpus(paul, title=payload, theme_code=theme, markdown=payload,
                                  cohort_name=payload, cohort_start=cohort.start_date)
        check_fragment(item.html, payload, "corpus entry HTML")
        pages.check("corpus entry", pages.get(client, f"/bonnes-pratiques/{item.id}"), payload)
        status = 200 if len(payload) <= 300 else None
        response = client.get("/bonnes-pratiques", query_string={"q": payload})
        assert response.status_code in (200, 400) and status in (200, None)
        pages.check("corpus search", response.get_data(as_text=True), payload)
        if n % 20 == 19 or n == len(PAYLOADS) - 1:  # the pages listing many entries
            pages.check("collection page", pages.get(client, f"/recueils/{collection.id}"),
                        "(the last 20 payloads)")
            rendered = pages.get(client, f"/recueils/{collection.id}/document")
            pages.check("collection document", rendered, "(the adopted payloads)")
            article = re.search(r'<article class="card rendered">(.*?)</article>', rendered,
                                re.S)
            check_fragment(article.group(1), "(the adopted payloads)", "collection document")
    for page_number in range(1, len(PAYLOADS) // 20 + 2):
        pages.check("corpus list", pages.get(client, f"/bonnes-pratiques?page={page_number}"),
                    "(20 payloads a page)")
    # these pages list many payloads at once: every payload was on one of them (the
    # collection document shows the adopted half)
    pages.checked.update({"collection page": len(PAYLOADS) - pages.checked["collection page"],
                          "corpus list": len(PAYLOADS) - pages.checked["corpus list"],
                          "collection document": len(PAYLOADS) // 2
                          - pages.checked["collection document"]})
    report("recommendations and corpus", pages, dict(extra), capsys=capsys)


def test_the_checker_sees_what_it_must():
    """The assertions above are only worth what the checker sees: it flags the raw
    payloads (before any sanitising) and passes harmless HTML."""
    flagged = 0
    for payload in PAYLOADS:
        if dangers(parse_fragment(payload)):
            flagged += 1
    assert flagged >= len(PAYLOADS) // 2
    for raw in ('<a href="java&#x09;script:alert(1)">x</a>', "<img src=x onerror=alert(1)>",
                '<svg><a xlink:href="javascript:alert(1)">x</a></svg>', "<script>x</script>",
                '<a href=" &#14; javascript:alert(1)">x</a>', '<img srcset="a 1x, javascript:x">',
                '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
                '<a href="data:text/html,x">x</a>', '<p style="color:red">x</p>'):
        assert dangers(parse_fragment(raw)), raw
    assert dangers(parse_fragment('<p><a href="https://example.org">x</a> <b>y</b></p>')) == []
    assert [d for d in dangers(parse_fragment('<img src="data:image/png;base64,AAAA">'))
            if d[0] == "url"] == []
    with pytest.raises(AssertionError):
        check_fragment("<img src=x>", "<img src=x>", "checker self-test")


# --- names and titles -------------------------------------------------------------------


def test_names_and_titles(app, prog, case, make, capsys, corpus):
    from coelab.jury import operations as jops
    from coelab.jury.models import PanelRole

    admin = make.user("Admin", "Instance", admin=True)
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury témoin")
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    document = docs.create_document(prog.p1, prog.transversal, title="Document témoin",
                                    team=prog.team_t)
    docs.save_version(prog.p1, document, "Version témoin")
    cohort, team, trainee = prog.transversal, prog.team_t, prog.p1
    as_trainee = client_for(app, trainee)
    as_coordinator = client_for(app, prog.coordinator)
    as_trainer = client_for(app, prog.trainer)
    as_president = client_for(app, prog.other_trainer)
    as_admin = client_for(app, admin)
    trainee_pages = ["/dashboard", f"/cohorts/{cohort.id}", f"/deliverables/{case.id}",
                     f"/documents/{document.id}", f"/documents/{document.id}/versions",
                     "/profile", "/passeport"]
    coordinator_pages = [f"/cohorts/{cohort.id}/{p}" for p in (
        "members", "teams", "enrolments", "settings", "juries", "audit")] + [
        f"/juries/{panel.id}", f"/passeport/{trainee.id}", "/dashboard"]
    visits = ([("trainee", as_trainee, url) for url in trainee_pages]
              + [("coordinator", as_coordinator, url) for url in coordinator_pages]
              + [("trainer", as_trainer, url) for url in (
                  f"/cohorts/{cohort.id}/deliverables", "/dashboard",
                  f"/deliverables/{case.id}")]
              + [("jury president", as_president, url) for url in (
                  "/juries", f"/juries/{panel.id}")]
              + [("admin", as_admin, "/users")])
    pages = Pages()
    for role, client, url in visits:
        pages.record_baseline(f"{role} {url}", pages.get(client, url))

    for payload in corpus:
        values = {"first_name": payload[:100], "last_name": payload[:100]}
        for key, value in values.items():
            setattr(trainee, key, value)
        team.name = payload[:100]
        cohort.name = payload[:200]
        case.title = payload[:300]
        document.title = payload[:300]
        panel.title = payload[:200]
        db.session.commit()
        shown = {payload[:100], payload[:200], payload[:300]}
        for role, client, url in visits:
            text = pages.get(client, url)
            pages.check(f"{role} {url}", text, payload)
            root = parse_page(text)
            assert any(shown_as_text(root, value) for value in shown), (
                f"{url}: {payload!r} is not shown as text")
    report("names and titles", pages, capsys=capsys)


# --- what comes back from the URL ------------------------------------------------------


def test_reflected_parameters_and_paths(app, prog, case, capsys, corpus):
    """Payloads in query strings and paths: error pages, the search form, the login's
    ``next``; nothing of them may come back as markup."""
    from urllib.parse import quote

    pages = Pages()
    anonymous = app.test_client()
    member = client_for(app, prog.p1)

    def visit(client, url):
        response = client.get(url)
        return response.get_data(as_text=True) if response.mimetype == "text/html" else None

    urls = {
        "login next": (anonymous, lambda p: f"/login?next={quote(p)}"),
        "404 page": (member, lambda p: f"/nothing/{quote(p, safe='')}"),
        "corpus search (every field)": (member, lambda p: "/bonnes-pratiques?q=" + quote(p)
                                        + "&theme=" + quote(p) + "&page=" + quote(p)),
        "diff (bad versions)": (member, lambda p: f"/documents/{case.document_id}/diff?from="
                                + quote(p) + "&to=" + quote(p)),
        "comments (bad version)": (member, lambda p: f"/deliverables/{case.id}/comments"
                                   "?version=" + quote(p)),
    }
    for key, (client, make_url) in urls.items():
        text = visit(client, make_url("témoin"))
        if text is not None:
            pages.record_baseline(key, text)
    for payload in corpus:
        for key, (client, make_url) in urls.items():
            response = client.get(make_url(payload))
            if response.mimetype == "application/json":
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                check_not_evaluated(response.get_data(as_text=True), payload, key)
                pages.checked[key] += 1
                continue
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers["Location"]
                assert _scheme(location) is None, location
                assert urlsplit_netloc(location) in ("", "localhost"), location
                pages.checked[key] += 1
                continue
            assert response.mimetype == "text/html", (key, response.mimetype)
            pages.check(key, response.get_data(as_text=True), payload)
    report("reflected", pages, capsys=capsys)


def urlsplit_netloc(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc


# --- what trainers and juries write -----------------------------------------------------


def test_review_assessment_and_jury_texts(app, prog, case, capsys, corpus):
    """Review messages (workflow transitions), assessment comments, the jury's reasons."""
    from coelab.assessments import operations as aops
    from coelab.deliverables import workflow
    from coelab.deliverables.models import Transition
    from coelab.jury import operations as jops
    from coelab.jury.models import JuryDecision, Outcome
    from sqlalchemy import select

    from .test_assessments import CASE_LEVELS

    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    assessment = aops.save_assessment(
        prog.trainer, case, levels=CASE_LEVELS, comments=dict.fromkeys(CASE_LEVELS, "Témoin"),
        overall_comment="Témoin", submit=True)
    workflow.ready_for_jury(prog.trainer, case, "Témoin")
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury")
    jops.assign(prog.coordinator, panel, case)
    decision = JuryDecision(deliverable_id=case.id, panel_id=panel.id,
                            outcome=Outcome.NOT_VALIDATED, reasons="Témoin",
                            individual={str(prog.p3.id): {"validated": False,
                                                          "reason": "Témoin"}},
                            decided_by_id=prog.coordinator.id)
    db.session.add(decision)
    db.session.commit()
    author = client_for(app, prog.p3)
    visits = [("author", author, f"/deliverables/{case.id}"),
              ("author", author, f"/assessments/{assessment.id}"),
              ("coordinator", client_for(app, prog.coordinator), f"/deliverables/{case.id}"),
              ("trainer", client_for(app, prog.trainer), f"/assessments/{assessment.id}")]
    pages = Pages()
    for role, client, url in visits:
        pages.record_baseline(f"{role} {url}", pages.get(client, url))
    transitions = list(db.session.scalars(select(Transition).where(
        Transition.deliverable_id == case.id, Transition.comment.is_not(None))))
    assert transitions
    for payload in corpus:
        for transition in transitions:
            transition.comment = payload
        assessment.overall_comment = payload
        assessment.comments = dict.fromkeys(CASE_LEVELS, payload)
        decision.reasons = payload
        decision.individual = {str(prog.p3.id): {"validated": False, "reason": payload}}
        db.session.commit()
        for role, client, url in visits:
            pages.check(f"{role} {url}", pages.get(client, url), payload, as_text=True)
    report("review, assessment and jury texts", pages, capsys=capsys)
