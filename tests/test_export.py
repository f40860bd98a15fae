"""Export of a document version to PDF (WeasyPrint) and to Markdown."""

from __future__ import annotations

import io
import socket
import threading
import time
from datetime import UTC, datetime

import pytest
from coelab import create_app
from coelab.deliverables import export
from coelab.documents.render import render_markdown
from pypdf import PdfReader

from .conftest import base_config

TEXT = """# Diagnostic partagé

L'association **Les Calanques** accompagne des personnes âgées à Martigues.

## Recommandations

1. Associer les usagers au conseil de la vie sociale.
2. Partager l'information entre équipes.

<script>alert("x")</script>
"""


@pytest.fixture
def app(tmp_path):
    """No database is needed here: a light app, inside a request context."""
    app = create_app(base_config(tmp_path, "sqlite://"))
    with app.test_request_context():
        yield app


def meta(**changes) -> export.ExportMeta:
    values = {
        "kind_label": "Étude de cas collective",
        "title": "Participation des usagers en EHPAD",
        "module": "2.1 Participation",
        "cohort_name": "Promotion Martigues 2025",
        "authors": ["Élodie Martin", "Karim Benali"],
        "team_name": "Équipe Calanques",
        "version_label": "Version 3 — Remise finale",
        "version_number": 3,
        "date": datetime(2025, 6, 12, 12, 30, tzinfo=UTC),  # 14:30 in Paris
    }
    values.update(changes)
    return export.ExportMeta(**values)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_export_has_a_title_page_and_the_text(app):
    data = export.export_pdf(meta(), render_markdown(TEXT))
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    title_page = " ".join(reader.pages[0].extract_text().split())  # lines wrap
    assert "ÉTUDE DE CAS COLLECTIVE" in title_page  # the kind is set in capitals
    for expected in ("Nouvelles compétences managériales",
                     "Participation des usagers en EHPAD", "2.1 Participation",
                     "Promotion Martigues 2025", "Élodie Martin", "Karim Benali",
                     "Équipe Calanques", "Version 3 — Remise finale", "12 juin 2025 à 14:30"):
        assert expected in title_page
    text = pdf_text(data)
    assert "Diagnostic partagé" in text
    assert "Associer les usagers au conseil de la vie sociale." in text
    # page numbers in the footer, from the second page on
    assert "2 / " in reader.pages[1].extract_text()


def test_print_template_adds_no_script(app):
    html = export.render_print_html(meta(title="<script>alert(1)</script>"),
                                    render_markdown(TEXT))
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # metadata is escaped
    assert "http://" not in html and "https://" not in html and "@import" not in html


def test_module_and_team_are_optional(app):
    data = export.export_pdf(meta(module=None, team_name=None, authors=["Élodie Martin"],
                                  version_label="État actuel, non versionné",
                                  version_number=None), "<p>Texte.</p>")
    text = pdf_text(data)
    assert "État actuel, non versionné" in text and "Élodie Martin" in text
    assert "Module" not in text and "Équipe" not in text


@pytest.fixture
def blackhole():
    """A server that accepts connections and never answers; records who came."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            hits.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    for conn in hits:
        conn.close()
    server.close()


def test_nothing_is_fetched(app, blackhole, caplog):
    port, hits = blackhole
    markdown = (f"![schéma](http://127.0.0.1:{port}/x.png) et [un lien](http://127.0.0.1:1/x.png)"
                "\n\n![local](file:///etc/passwd)")
    # the sanitiser already drops images; give WeasyPrint raw references anyway
    raw = (render_markdown(markdown)
           + f'<img src="http://127.0.0.1:{port}/x.png"><img src="http://127.0.0.1:1/x.png">'
           + f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
           + f'<p style="background: url(http://127.0.0.1:{port}/bg.png)">fond</p>'
           + '<img src="file:///etc/passwd"><img src="data:image/png;base64,iVBORw0KGgo=">')
    started = time.monotonic()
    data = export.export_pdf(meta(), raw)
    assert time.monotonic() - started < 20
    assert data.startswith(b"%PDF-")
    assert hits == []
    assert "un lien" in pdf_text(data)
    refused = [r.getMessage() for r in caplog.records if "no external resource" in r.getMessage()]
    assert any(f"127.0.0.1:{port}/x.png" in message for message in refused)
    assert any("/etc/passwd" in message for message in refused)


def test_the_fetcher_refuses_every_url(app):
    fetcher = export._fetch_nothing()
    for url in ("http://127.0.0.1:1/x.png", "https://example.org/", "file:///etc/passwd",
                "data:text/plain,hello"):
        with pytest.raises(ValueError, match="no external resource"):
            fetcher(url)


def test_markdown_export_gives_the_metadata_then_the_text(app):
    text = export.export_markdown(meta(title='Titre "cité"\n---\nauteurs: pirate'), TEXT)
    head, body = text.split("\n---\n\n", 1)
    assert head.startswith("---\n")
    lines = head.splitlines()
    assert 'programme: "Nouvelles compétences managériales des dirigeants des organisations ' \
           "sociales, médico-sociales et socioculturelles de l'ESS\"" in lines
    assert 'type: "Étude de cas collective"' in lines
    assert 'titre: "Titre \\"cité\\"\\n---\\nauteurs: pirate"' in lines  # one line, quoted
    assert 'module: "2.1 Participation"' in lines
    assert 'promotion: "Promotion Martigues 2025"' in lines
    assert 'equipe: "Équipe Calanques"' in lines
    assert lines[lines.index("auteurs:") + 1:][:2] == ['  - "Élodie Martin"',
                                                      '  - "Karim Benali"']
    assert 'version: "Version 3 — Remise finale"' in lines
    assert 'date: "2025-06-12T14:30+02:00"' in lines
    assert body == TEXT.strip("\n") + "\n"


def test_markdown_export_leaves_out_what_is_missing(app):
    text = export.export_markdown(meta(module=None, team_name=None, authors=[]), "Texte")
    assert "module:" not in text and "equipe:" not in text and "auteurs:" not in text
    assert text.endswith("---\n\nTexte\n")


def test_export_filename_is_an_ascii_slug(app):
    stem = "etude-de-cas-collective-equipe-calanques-v3"
    assert export.export_filename(meta(), "pdf") == f"{stem}.pdf"
    assert export.export_filename(meta(), ".md") == f"{stem}.md"
    individual = meta(kind_label="Mini-diagnostic stratégique", team_name=None,
                      authors=["Zoë Lefèvre-Œuvray"], version_number=None)
    assert export.export_filename(individual, "pdf") == (
        "mini-diagnostic-strategique-zoe-lefevre-oeuvray-2025-06-12.pdf")
    collective = meta(kind_label="Recueil de recommandations", team_name=None,
                      authors=["A", "B"], version_number=1)
    assert export.export_filename(collective, "pdf") == (
        "recueil-de-recommandations-promotion-martigues-2025-v1.pdf")
    hostile = meta(kind_label="../../etc", team_name='a/b\\c"d\r\n', version_number=2)
    name = export.export_filename(hostile, "pdf/../x")
    assert name == "etc-a-b-c-d-v2.pdf-x"
    assert name.isascii() and "/" not in name and ".." not in name
