"""XSS: the payloads of tests/xss_payloads.py through every path that shows user text.

The HTML is parsed as a browser parses it (html5lib, the parser bleach itself vendors).
What Markdown renders (a fragment) must hold only the renderer's allowed tags, no event
handler, no script URL; a whole page, compared with the same page showing harmless text
in the same places, must hold no dangerous element the app's page does not have (same
tag, same attributes and URLs), no event handler, style attribute or script URL, and
never an inline script; plain-text fields must be on the page as text. Template-injection
payloads are never evaluated. (The page comparison is by signature: a payload rebuilding
exactly one of the app's own elements would go unnoticed; escaping makes that moot, and
the shown-as-text checks would then fail.)

The whole corpus goes once through each rendering path, not through every page: the
renderer (each payload alone and in a text); a document's preview; a saved version's page
and the PDF export's HTML; the versions page, the diff (added, removed and changed lines,
word by word) and the Markdown export, each showing the whole corpus at once; comments
(their JSON endpoints, the notifications they send, the deliverable page); a
recommendation (entry page, discussion, the collection's page and the collection
rendered as one document); the shared corpus (entry, list, search results); names and
titles (people, team, cohort, deliverable, document, jury panel): one page for each
template that shows one of them at a time, and the pages that list many (members,
enrolments, teams, juries, the audit, people) once, each row with its own payload; review
messages, assessment comments and the jury's reasons; payloads in query strings and paths
(error pages, search form, login ``next``). The other pages of a path (the same template
for another role) see one payload of each family.

Each test runs twice: ``[sample]``, with one payload of each family
(``xss_payloads.FAMILIES``), in the fast lane (``make check``); ``[full]``, with the whole
corpus, marked ``slow`` (``make test``) and run on the first backend only (escaping is the
templates' business, whatever stored the text). The static counterpart, that no template or
script writes unescaped HTML except the sanitiser's, is tests/test_template_sinks.py; the
browser side (the editor's preview, comments drawn by script, the presence list) is
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
from .xss_payloads import FAMILIES, PAYLOADS, SAMPLE, probes_for

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


def _data_block(element) -> bool:
    """A ``<script type="application/json">``: data the browser never runs (still a
    dangerous element, compared with the page's own by its attributes)."""
    return element.attrib.get("type", "").strip().lower() == "application/json"


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
        if tag == "script" and "src" not in element.attrib and not _data_block(element):
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


def check_not_evaluated(text: str, payload: str, where: str, decoded: str | None = None) -> None:
    """(``decoded``: the text unescaped, when the caller has it already.)"""
    decoded = htmllib.unescape(text) if decoded is None else decoded
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


def shown_as_text(root, payload: str, strings: list[str] | None = None) -> bool:
    """The payload is on the page as text (escaped), not as markup. (``strings``: the
    page's, when the caller has them already.)"""
    wanted = " ".join(payload.replace("\x00", "\ufffd").split())
    return any(wanted in value for value in (page_strings(root) if strings is None
                                              else strings))


class Pages:
    """Whole pages, compared with the same page showing harmless text: a payload may
    bring no dangerous element the app's own page does not have (by tag, attributes
    and URL), no event handler, no script URL, no inline script."""

    def __init__(self) -> None:
        self.baseline: dict[str, set] = {}
        self.checked = Counter()  # path name -> payloads checked
        self.parsed = 0  # whole pages checked (what a test's time goes to)

    def get(self, client, url: str, status: int = 200) -> str:
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        assert response.mimetype == "text/html", url
        return response.get_data(as_text=True)

    def record_baseline(self, key: str, text: str) -> None:
        root = parse_page(text)
        assert ("inline-script",) not in dangers(root), f"{key}: inline script in the page"
        self.baseline[key] = self.baseline.get(key, set()) | page_dangers(root)

    def check(self, key: str, text: str, payload: str, as_text: bool = False):
        """A page showing one payload; returns the parsed page."""
        return self.check_many(key, text, [payload], shown=[payload] if as_text else ())

    def check_many(self, key: str, text: str, payloads: list[str], shown=()):
        """A page showing several payloads at once (each row its own): the same checks,
        each payload counted; every value of ``shown`` must be on the page as text."""
        root = parse_page(text)
        source = repr(payloads[0]) if len(payloads) == 1 else f"{len(payloads)} payloads"
        extra = page_dangers(root) - self.baseline[key]
        assert not extra, f"{key}: {sorted(extra)} from {source}"
        assert ("inline-script",) not in dangers(root), key
        decoded = htmllib.unescape(text)
        for payload in payloads:
            check_not_evaluated(text, payload, key, decoded)
        strings = page_strings(root) if shown else []
        for value in shown:
            assert shown_as_text(root, value, strings), f"{key}: {value!r} not shown as text"
        self.checked[key] += len(payloads)
        self.parsed += 1
        return root


TOTALS = Counter()  # payload×path checks of the module, by test


def report(name: str, pages: Pages, corpus: list[str], extra: dict[str, int] | None = None
           ) -> None:
    """Print what was checked (read it with ``-s``)."""
    counts = dict(pages.checked) | (extra or {})
    total = sum(counts.values())
    TOTALS[name] = total
    lines = [f"[xss] {name}: {len(corpus)} payloads, {len(counts)} paths, "
             f"{total} payload×path checks in {pages.parsed} pages "
             f"(module so far: {sum(TOTALS.values())})"]
    lines += [f"[xss]   {key}: {n}" for key, n in sorted(counts.items())]
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


@pytest.fixture(params=["sample", pytest.param(
    "full", marks=[pytest.mark.slow, pytest.mark.one_backend])])
def corpus(request) -> list[str]:
    """The payloads a path test sends: one of each family (the fast lane), or all of
    them (``slow``), on every database."""
    return SAMPLE if request.param == "sample" else PAYLOADS


def test_the_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 100 and len(set(PAYLOADS)) == len(PAYLOADS)
    assert sum("\n" in p for p in PAYLOADS) >= 10  # Markdown needs several lines


def test_the_sample_has_one_payload_of_each_family():
    from .xss_payloads import BY_FAMILY

    assert FAMILIES.keys() == BY_FAMILY.keys()
    for family, payload in FAMILIES.items():
        assert payload in BY_FAMILY[family], family
    assert SAMPLE == list(FAMILIES.values())
    assert sum(map(len, BY_FAMILY.values())) == len(PAYLOADS)


# --- the renderer ----------------------------------------------------------------------


def test_renderer_neutralises_every_payload(app):
    """The whole corpus in both lanes: the renderer is cheap."""
    for payload in PAYLOADS:
        check_fragment(render_markdown(payload), payload, "render_markdown")
        # a payload after ordinary text, and all payloads in one text
        check_fragment(render_markdown(f"Texte **ordinaire**.\n\n{payload}\n\nFin."), payload,
                       "render_markdown (in a text)")
    check_fragment(render_markdown("\n\n".join(PAYLOADS)), "(all payloads)", "render_markdown")
    check_fragment(render_markdown("\n".join(PAYLOADS)), "(all payloads)", "render_markdown")
    TOTALS["renderer"] = 2 * len(PAYLOADS)
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


def _lines(corpus: list[str]) -> list[str]:
    return [line for payload in corpus for line in payload.split("\n")]


def test_document_paths(app, prog, case, corpus):
    """Each payload as a document's text: the preview, the stored version, its page and
    the PDF export's HTML. Then the pages that show many versions at once: the versions
    page (every payload a label), the diff (every payload line added, removed, unchanged,
    and changed word by word against the next one) and the Markdown export."""
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
        extra["stored version HTML"] += 1
        text = pages.get(author, f"{doc_url}/versions/{version.number}")
        pages.check("version page", text, payload)
        article = re.search(r'<article id="version-text"[^>]*>(.*?)</article>', text, re.S)
        check_fragment(article.group(1), payload, "version page article")
        extra["version page article"] += 1

        with app.test_request_context():
            printed = exporting.render_print_html(print_meta(payload), version.html)
        pages.check("PDF export HTML", printed, payload)

    # every version so far is on the versions page, its label a payload
    pages.check_many("versions page", pages.get(author, f"{doc_url}/versions"), corpus)

    # the diff: the whole corpus a line at a time, against harmless text (added,
    # removed), against itself and one more line (unchanged), and against the corpus
    # shifted by one line (every line changed, word by word, into another payload's)
    lines = _lines(corpus)
    texts = {
        "harmless": "Texte témoin.",
        "corpus": "\n".join(lines),
        "corpus and one more line": "\n".join(lines) + "\nFin témoin.",
        "corpus shifted": "\n".join(f"{lines[(n + 1) % len(lines)]} ·"
                                    for n in range(len(lines))),
    }
    numbers = {}
    for name, text in texts.items():
        set_text(document, prog.p1, text)
        numbers[name] = docs.save_version(prog.p1, document, name).number
    kinds = Counter()
    for other in ("harmless", "corpus and one more line", "corpus shifted"):
        for old, new in ((numbers["corpus"], numbers[other]), (numbers[other],
                                                               numbers["corpus"])):
            text = pages.get(author, f"{doc_url}/diff?from={old}&to={new}")
            pages.check_many("diff page", text, corpus)
            kinds.update(re.findall(r'class="diff-(added|removed|changed|same)"', text))
    assert {"added", "removed", "changed", "same"} <= set(kinds), kinds

    # the Markdown export (a download, never HTML) of a version and of the current text
    set_text(document, prog.p1, texts["corpus"])
    for query in (f"?version={numbers['corpus']}", ""):
        response = author.get(f"/deliverables/{case.id}/export.md{query}")
        assert response.status_code == 200
        assert response.mimetype == "text/markdown"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        exported = response.get_data(as_text=True)
        for payload in corpus:
            assert payload.replace("\r\n", "\n").strip("\n") in exported, payload
        extra["Markdown export"] += len(corpus)
    report("documents", pages, corpus, dict(extra))


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

NOTIFICATIONS_SHOWN = 50  # the notifications page shows the latest ones: checked this often


def test_comment_paths(app, prog, case, corpus):
    """Each payload as a comment and a reply (their JSON); the notifications they send,
    a page of them at a time; the list of threads and the deliverable page, once."""
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

    unseen: list[str] = []  # sent since the notifications page was last checked
    for n, payload in enumerate(corpus):
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
        unseen.append(payload)
        if len(unseen) == NOTIFICATIONS_SHOWN or n == len(corpus) - 1:
            pages.check_many("notifications page", pages.get(author, "/notifications"),
                             unseen)
            unseen = []
        db.session.expire_all()

    response = author.get(url)
    bodies = [c["body"] for t in response.get_json()["threads"] for c in t["comments"]]
    for payload in corpus:
        check_json(response, payload)
        assert payload.strip() in bodies
    extra["comment list (JSON)"] += len(corpus)
    pages.check_many("deliverable page", pages.get(author, f"/deliverables/{case.id}"), corpus)
    report("comments", pages, corpus, dict(extra))


# --- recommendations and the corpus -----------------------------------------------------

PER_LIST_PAGE = 20  # the corpus lists this many entries a page


def test_recommendation_and_corpus_paths(app, prog, corpus):
    """Each payload as a recommendation (title, text, a message, the reason it was set
    aside) on its page, and as an entry of the shared corpus (title, text, cohort) on its
    page; the pages listing many (the collection, the collection as one document, the
    corpus's list and search results) every twenty payloads or once."""
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
    witness = rops.add_to_corpus(nadia, title="Témoin", theme_code=theme, markdown="Témoin",
                                 cohort_name="Cohorte témoin", cohort_start=cohort.start_date)
    pages.record_baseline("corpus search", pages.get(client, "/bonnes-pratiques?q=T%C3%A9moin"))
    pages.record_baseline("corpus list", pages.get(client, "/bonnes-pratiques"))
    pages.record_baseline("corpus entry", pages.get(client, f"/bonnes-pratiques/{witness.id}"))

    batch: list[str] = []  # since the collection's pages were last checked
    adopted: list[str] = []
    for n, payload in enumerate(corpus):
        title = payload[:rops.TITLE_MAX] if hasattr(rops, "TITLE_MAX") else payload[:200]
        entry = rops.propose_entry(nadia, collection, title=title, theme=theme, text_=payload)
        rops.post_message(paul, entry, payload)
        if n % 2:
            rops.adopt(nadia, entry)
            adopted.append(payload)
        else:
            rops.set_aside(nadia, entry, payload)
        pages.check("recommendation page", pages.get(client, f"/recommandations/{entry.id}"),
                    payload)
        item = rops.add_to_corpus(paul, title=payload, theme_code=theme, markdown=payload,
                                  cohort_name=payload, cohort_start=cohort.start_date)
        check_fragment(item.html, payload, "corpus entry HTML")
        extra["corpus entry HTML"] += 1
        pages.check("corpus entry", pages.get(client, f"/bonnes-pratiques/{item.id}"), payload)
        batch.append(payload)
        if len(batch) == PER_LIST_PAGE or n == len(corpus) - 1:  # the pages listing many
            pages.check_many("collection page",
                             pages.get(client, f"/recueils/{collection.id}"), batch)
            batch = []
    rendered = pages.get(client, f"/recueils/{collection.id}/document")
    pages.check_many("collection document", rendered, adopted)
    article = re.search(r'<article class="card rendered">(.*?)</article>', rendered, re.S)
    check_fragment(article.group(1), "(the adopted payloads)", "collection document")
    # the corpus's list, and a search matching every entry, page by page
    for page_number in range(1, (len(corpus) + 1) // PER_LIST_PAGE + 2):
        for key, url in (("corpus list", f"/bonnes-pratiques?page={page_number}"),
                         ("corpus search", f"/bonnes-pratiques?q=&theme={theme}"
                                           f"&page={page_number}")):
            pages.check_many(key, pages.get(client, url), corpus)
    for key in ("corpus list", "corpus search"):  # every payload was on one of the pages
        pages.checked[key] = len(corpus)
    report("recommendations and corpus", pages, corpus, dict(extra))


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
    for script in ("<script>x</script>", '<script type="module">x</script>',
                   '<script type="text/javascript">x</script>',
                   '<script type="application/json ">{}</script><script>x</script>'):
        assert ("inline-script",) in dangers(parse_fragment(script)), script
    data = dangers(parse_fragment('<script type="application/json">{}</script>'))
    assert data == [("element", "script", False)]
    pages = Pages()
    pages.record_baseline("self-test", "<!doctype html><title>t</title><p>x</p>")
    with pytest.raises(AssertionError):  # one bad row among harmless ones
        pages.check_many("self-test", "<!doctype html><title>t</title><p>a</p>"
                         "<p><img src=x onerror=alert(1)></p>", ["a", "b"])
    with pytest.raises(AssertionError):  # a value of the batch not shown as text
        pages.check_many("self-test", "<!doctype html><title>t</title><p>a</p>", ["a", "b"],
                         shown=["a", "b"])


# --- names and titles -------------------------------------------------------------------

NAME, TITLE, LONG_TITLE = 100, 200, 300  # what the fields hold


def test_names_and_titles(app, prog, case, make, corpus):
    """Every payload as a person's name, a team's, a cohort's, the title of a
    deliverable, a document and a jury panel, all at once, through one page of each
    template that shows one of them at a time (the other pages, the same templates for
    other roles, with one payload of each family); then the pages listing many people,
    teams or panels once, with one payload a row."""
    from coelab import operations as core
    from coelab.audit import record
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
    c = f"/cohorts/{cohort.id}"
    # one page of each template (whole corpus)
    each = ([("trainee", as_trainee, url) for url in (
                "/profile", "/dashboard", c, f"/deliverables/{case.id}",
                f"/documents/{document.id}", f"/documents/{document.id}/versions",
                "/passeport")]
            + [("coordinator", as_coordinator, url) for url in (
                f"{c}/settings", f"/juries/{panel.id}")]
            + [("trainer", as_trainer, f"{c}/deliverables")])
    # the same templates for other roles, and the lists checked below with many rows
    # (one payload of each family)
    sampled = ([("coordinator", as_coordinator, url) for url in (
                   f"{c}/members", f"{c}/teams", f"{c}/enrolments", f"{c}/juries",
                   f"{c}/audit", f"/passeport/{trainee.id}", "/dashboard")]
               + [("trainer", as_trainer, url) for url in (
                   "/dashboard", f"/deliverables/{case.id}")]
               + [("jury president", as_president, url) for url in (
                   "/juries", f"/juries/{panel.id}")]
               + [("admin", as_admin, "/users")])
    pages = Pages()
    for role, client, url in each + sampled:
        pages.record_baseline(f"{role} {url}", pages.get(client, url))

    def set_all(payload: str) -> None:
        trainee.first_name = trainee.last_name = payload[:NAME]
        team.name = payload[:NAME]
        cohort.name = payload[:TITLE]
        case.title = payload[:LONG_TITLE]
        document.title = payload[:LONG_TITLE]
        panel.title = payload[:TITLE]
        db.session.commit()

    for payload in corpus:
        set_all(payload)
        shown = {payload[:NAME], payload[:TITLE], payload[:LONG_TITLE]}
        for role, client, url in each + (sampled if payload in SAMPLE else []):
            root = pages.check(f"{role} {url}", pages.get(client, url), payload)
            strings = page_strings(root)
            assert any(shown_as_text(root, value, strings) for value in shown), (
                f"{url}: {payload!r} is not shown as text")
    set_all("Témoin")

    # the lists: many people (trainees of the transversal cohort), teams and panels (of
    # the thematic cohort), each named with its own payload
    thematic = prog.thematic
    people, teams, panels = [], [], []
    for n, _payload in enumerate(corpus):
        person = make.user(f"Témoin{n}", "Lot")
        make.member(cohort, person, parcours="I")
        people.append(person)
        teams.append(core.create_team(None, thematic, f"Équipe témoin {n}"))
        panels.append(jops.create_panel(prog.coordinator, thematic, f"Jury témoin {n}"))
        jops.add_member(prog.coordinator, panels[-1], prog.other_trainer, PanelRole.PRESIDENT)
    # one event of each person in the cohort's audit, its details a name too
    events = [record("team.renamed", item, actor=person, cohort_id=cohort.id,
                     before={"name": "Témoin"}, after={"name": item.name})
              for person, item in zip(people, teams, strict=True)]
    db.session.commit()
    t = f"/cohorts/{thematic.id}"
    lists = [("people", as_coordinator, f"{c}/members"),
             ("people", as_coordinator, f"{c}/enrolments"),
             ("people", as_coordinator, f"{c}/teams"),
             ("people", as_coordinator, f"{c}/audit"),
             ("people", as_trainee, c),
             ("people", as_trainer, f"{c}/deliverables"),
             ("people", as_admin, "/users"),
             ("teams", as_coordinator, f"{t}/teams"),
             ("teams", as_trainer, t),
             ("panels", as_coordinator, f"{t}/juries"),
             ("panels", as_president, "/juries")]
    for kind, client, url in lists:
        pages.record_baseline(f"{kind} list {url}", pages.get(client, url))
    for person, item, jury, event, payload in zip(people, teams, panels, events, corpus,
                                                  strict=True):
        person.first_name = person.last_name = payload[:NAME]
        item.name = payload[:NAME]
        jury.title = payload[:TITLE]
        event.after = {"name": payload[:NAME]}
    db.session.commit()
    values = {"people": [p[:NAME] for p in corpus], "teams": [p[:NAME] for p in corpus],
              "panels": [p[:TITLE] for p in corpus]}
    for kind, client, url in lists:
        pages.check_many(f"{kind} list {url}", pages.get(client, url), corpus,
                         shown=values[kind])
    report("names and titles", pages, corpus)


# --- what comes back from the URL ------------------------------------------------------


def test_reflected_parameters_and_paths(app, prog, case, corpus):
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
    report("reflected", pages, corpus)


def urlsplit_netloc(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc


# --- what trainers and juries write -----------------------------------------------------


def test_review_assessment_and_jury_texts(app, prog, case, corpus):
    """Review messages (workflow transitions), assessment comments, the jury's reasons
    (released, and an author's individual treatment): the author's deliverable and
    assessment pages for every payload, the coordinator's and the trainer's (the same
    templates) for one of each family."""
    from coelab.assessments import operations as aops
    from coelab.db import utcnow
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
    decision = JuryDecision(deliverable_id=case.id, panel_id=panel.id, round=case.round,
                            outcome=Outcome.NOT_VALIDATED, reasons="Témoin",
                            individual={str(prog.p3.id): {"validated": False,
                                                          "reason": "Témoin"}},
                            decided_by_id=prog.coordinator.id, released_at=utcnow())
    db.session.add(decision)
    db.session.commit()
    transitions = list(db.session.scalars(select(Transition).where(
        Transition.deliverable_id == case.id, Transition.comment.is_not(None))))
    assert transitions

    def write(texts: dict[str, str]) -> None:
        for transition in transitions:
            transition.comment = texts["review message"]
        assessment.overall_comment = texts["overall comment"]
        assessment.comments = dict.fromkeys(CASE_LEVELS, texts["criterion comment"])
        decision.reasons = texts["jury's reasons"]
        decision.individual = {str(prog.p3.id): {"validated": False,
                                                 "reason": texts["individual reason"]}}
        db.session.commit()

    author = client_for(app, prog.p3)
    deliverable, assessed = f"/deliverables/{case.id}", f"/assessments/{assessment.id}"
    each = [("author", author, deliverable), ("author", author, assessed)]
    sampled = [("coordinator", client_for(app, prog.coordinator), deliverable),
               ("trainer", client_for(app, prog.trainer), assessed)]
    # each text is on the pages that must show it (a page not showing it would check
    # nothing)
    shows = {deliverable: ("review message", "jury's reasons", "individual reason"),
             assessed: ("overall comment", "criterion comment")}
    write({field: f"Témoin {n}" for n, field in enumerate(
        field for fields in shows.values() for field in fields)})
    pages = Pages()
    for role, client, url in each + sampled:
        text = pages.get(client, url)
        pages.record_baseline(f"{role} {url}", text)
        for n, field in enumerate(f for fields in shows.values() for f in fields):
            assert (f"Témoin {n}" in text) == (field in shows[url]), (role, url, field)
    for payload in corpus:
        write(dict.fromkeys((f for fields in shows.values() for f in fields), payload))
        for role, client, url in each + (sampled if payload in SAMPLE else []):
            pages.check(f"{role} {url}", pages.get(client, url), payload, as_text=True)
    report("review, assessment and jury texts", pages, corpus)
