"""Uploads through the real endpoint (what tests/test_files.py checks function by
function): disguised HTML and SVG refused, hostile names never used as paths and shown
escaped, served files never HTML."""

from __future__ import annotations

import pytest
from coelab.db import db
from coelab.deliverables import files
from coelab.deliverables import operations as dops
from coelab.deliverables.models import Attachment
from sqlalchemy import func, select

from .conftest import login, page
from .test_deliverables import _partner, _upload
from .test_files import pdf_bytes, png_bytes
from .test_xss import dangers, parse_page, shown_as_text

HTML = b"<!doctype html><html><body><script>window.__xss=1</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(1)</script></svg>")
DISGUISED = [
    ("page.png", HTML), ("page.pdf", HTML), ("logo.png", SVG), ("logo.pdf", SVG),
    ("logo.svg", SVG), ("page.html", HTML), ("page.jpg", HTML), ("page.webp", HTML),
    ("logo.gif", SVG), ("page.docx", HTML), ("page.odp", HTML),
]
# an HTML page behind the first bytes of a PNG or a PDF: the check reads the signature
# only, so these are accepted, and must then be served as what they claim to be
POLYGLOTS = [("polyglot.png", b"\x89PNG\r\n\x1a\n" + HTML, "image/png"),
             ("polyglot.pdf", b"%PDF-1.4\n" + HTML, "application/pdf")]


@pytest.fixture
def case(prog):
    return dops.start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                                  title="Cas", team=prog.team_t, details=_partner())


def stored_files(app) -> list:
    with app.app_context():
        return [p for p in files.root().rglob("*") if p.is_file()]


def attachments() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


@pytest.mark.parametrize(("name", "data"), DISGUISED, ids=[d[0] for d in DISGUISED])
def test_disguised_html_and_svg_are_refused_at_the_endpoint(app, prog, case, client, name,
                                                            data):
    login(client, prog.p1.email)
    text = page(_upload(client, case, name, data, "image/png"))
    assert "n'est pas accepté" in text or "ne correspond pas" in text
    assert attachments() == 0 and stored_files(app) == []


@pytest.mark.parametrize("name", [
    "../../../etc/passwd.png",
    "..\\..\\secret_key.png",
    "/etc/cron.d/x.png",
    "sché\x00ma.png",
    "x" * 5000 + ".png",
    "<img src=x onerror=window.__xss=1>.png",  # (Werkzeug's test client cannot send \")
    "<script>window.__xss=1</script>.png",
    "\u202egnp.exe.png",
    "%2e%2e%2f%2e%2e%2fsecret_key.png",
])
def test_hostile_names_are_never_paths_and_are_shown_as_text(app, prog, case, client, name):
    login(client, prog.p1.email)
    response = _upload(client, case, name, png_bytes(), "image/png")
    assert response.status_code == 200
    # the page after the upload says "« name » est joint" in a flash message
    flashed = parse_page(response.get_data(as_text=True))
    assert [d for d in dangers(flashed) if d[0] in ("handler", "inline-script", "url")] == []
    (attachment,) = db.session.scalars(select(Attachment)).all()
    # stored under a random name, in the upload folder, whatever the name said
    (path,) = stored_files(app)
    with app.app_context():
        assert path.parent.resolve().is_relative_to(files.root().resolve())
        assert files.path_for(attachment.stored_name) == path
    assert path.read_bytes() == png_bytes()
    assert "/" not in attachment.filename and "\\" not in attachment.filename
    assert "\x00" not in attachment.filename and ".." not in attachment.filename
    assert len(attachment.filename) <= files.MAX_DISPLAY_NAME
    assert attachment.filename.endswith(".png")
    # the deliverable's page shows the name as text
    assert shown_as_text(flashed, attachment.filename)
    root = parse_page(client.get(f"/deliverables/{case.id}").get_data(as_text=True))
    assert shown_as_text(root, attachment.filename)
    assert [d for d in dangers(root) if d[0] in ("handler", "inline-script", "url")] == []
    # the download's name cannot break out of its header
    download = client.get(f"/deliverables/{case.id}/attachments/{attachment.id}")
    disposition = download.headers["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition and "\x00" not in disposition
    assert "../" not in disposition and "/etc" not in disposition


@pytest.mark.parametrize("inline", ["", "?inline=1"])
def test_served_files_are_never_html(app, prog, case, client, inline):
    login(client, prog.p1.email)
    _upload(client, case, "schéma.png", png_bytes(), "text/html")
    _upload(client, case, "diapos.pdf", pdf_bytes(), "text/html")
    assert attachments() == 2
    for attachment in db.session.scalars(select(Attachment)):
        response = client.get(f"/deliverables/{case.id}/attachments/{attachment.id}{inline}")
        assert response.status_code == 200
        assert response.mimetype in ("image/png", "application/pdf")
        assert "html" not in response.headers["Content-Type"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        response.close()
    # even a stored row claiming an HTML type (an old or tampered row) is not served as HTML
    attachment = db.session.scalars(select(Attachment)).first()
    attachment.content_type = "text/html"
    db.session.commit()
    response = client.get(f"/deliverables/{case.id}/attachments/{attachment.id}?inline=1")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    response.close()


@pytest.mark.parametrize(("name", "data", "served_as"), POLYGLOTS, ids=[p[0] for p in POLYGLOTS])
def test_a_polyglot_is_never_served_as_html(app, prog, case, client, name, data, served_as):
    login(client, prog.p1.email)
    _upload(client, case, name, data, "text/html")
    for attachment in db.session.scalars(select(Attachment)):
        response = client.get(f"/deliverables/{case.id}/attachments/{attachment.id}?inline=1")
        assert response.mimetype == served_as
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        response.close()
