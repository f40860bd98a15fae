"""Document pages: editor, preview, versions and their diff, contributions, creation."""

from __future__ import annotations

import pytest
from coelab.db import db
from coelab.documents import operations as docs
from coelab.documents.models import Document, DocumentVersion
from coelab.documents.render import render_markdown
from sqlalchemy import func, select

from .conftest import csrf_token, login, page, post
from .test_realtime import connect, team_doc  # noqa: F401 - fixture


def test_editor_page_carries_what_the_front_end_needs(client, team_doc):  # noqa: F811
    document = team_doc["document"]
    login(client, team_doc["amandine"].email)
    response = client.get(f"/documents/{document.id}")
    html = page(response)
    assert 'id="editor-app"' in html and f'data-document-id="{document.id}"' in html
    assert 'data-can-write="true"' in html and 'data-user-name="Amandine Roux"' in html
    assert "/static/dist/editor.js" in html
    nonce = html.split('data-csp-nonce="', 1)[1].split('"', 1)[0]
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    assert "Écrit par l'équipe « Équipe Calanques »" in html


def test_trainer_page_is_read_only_and_outsiders_get_404(client, team_doc):  # noqa: F811
    document = team_doc["document"]
    login(client, team_doc["trainer"].email)
    assert 'data-can-write="false"' in page(client.get(f"/documents/{document.id}"))
    post(client, "/logout", token_from="/dashboard")
    login(client, team_doc["outsider"].email)
    for path in (f"/documents/{document.id}", f"/documents/{document.id}/preview",
                 f"/documents/{document.id}/versions"):
        assert client.get(path).status_code == 404, path


def test_preview_is_the_sanitised_server_rendering(app, client, team_doc):  # noqa: F811
    document = team_doc["document"]
    writer = connect(app, team_doc["amandine"], document)
    writer.sync()
    writer.write(0, "**Gras** <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n")
    login(client, team_doc["louis"].email)
    data = client.get(f"/documents/{document.id}/preview").get_json()
    assert "<strong>Gras</strong>" in data["html"]
    # HTML typed in the text is text: shown as written, escaped, never markup
    assert "<script" not in data["html"] and "<img" not in data["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in data["html"]
    assert "&lt;img src=x onerror=alert(2)&gt;" in data["html"]


def test_versions_freeze_the_exact_state_and_compare(app, client, team_doc):  # noqa: F811
    document = team_doc["document"]
    writer = connect(app, team_doc["amandine"], document)
    writer.sync()
    writer.write(len(writer.text), "Le foyer accueille douze résidents.\n")
    login(client, team_doc["louis"].email)
    url = f"/documents/{document.id}/versions"
    assert post(client, url, {"label": "Premier jet"}, token_from=url).status_code == 302
    writer.write(len(writer.text), "Une réunion mensuelle est proposée.\n")
    text_after = str(writer.text)
    assert post(client, url, {"label": ""}, token_from=url).status_code == 302
    versions = list(db.session.scalars(select(DocumentVersion).order_by(DocumentVersion.number)))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].label == "Version sans titre"
    assert docs.version_text(versions[1]) == versions[1].markdown == text_after
    assert "Une réunion mensuelle" not in versions[0].markdown
    # a version is read-only and shows its own text
    html = page(client.get(f"{url}/1"))
    assert "Le foyer accueille douze résidents." in html and "Une réunion mensuelle" not in html
    diff = page(client.get(f"/documents/{document.id}/diff?from=1&to=2"))
    assert "<ins>Une réunion mensuelle est proposée.</ins>" in diff
    assert client.get(f"/documents/{document.id}/diff?from=1").status_code == 400
    assert client.get(f"/documents/{document.id}/diff?from=1&to=9").status_code == 404
    # readers cannot save versions
    post(client, "/logout", token_from="/dashboard")
    login(client, team_doc["trainer"].email)
    assert post(client, url, {"label": "x"}, token_from=url).status_code == 403


def test_word_level_diff_marks_changed_words():
    lines = docs.diff_versions("Le foyer accueille dix résidents.\nFin.",
                               "Le foyer accueille douze résidents.\nFin.")
    assert lines[0].kind == "changed"
    assert "<del>dix</del>" in lines[0].html and "<ins>douze</ins>" in lines[0].html
    assert lines[1].kind == "same"


def test_contribution_summary_on_the_page(app, client, team_doc):  # noqa: F811
    document = team_doc["document"]
    a = connect(app, team_doc["amandine"], document)
    b = connect(app, team_doc["louis"], document)
    a.sync()
    b.sync()
    a.write(0, "Amandine écrit ceci. ")
    b.receive()
    b.write(0, "Louis. ")
    login(client, team_doc["trainer"].email)
    html = page(client.get(f"/documents/{document.id}"))
    assert "Amandine Roux" in html and "Louis Ferrand" in html and "Modèle de départ" in html
    summary = {c.user.first_name: c for c in docs.contributions(document) if c.user}
    assert summary["Amandine"].inserted == len("Amandine écrit ceci. ")
    assert summary["Louis"].present == len("Louis. ")


def test_trainee_creates_a_team_or_personal_document(client, team_doc):  # noqa: F811
    cohort = team_doc["cohort"]
    login(client, team_doc["amandine"].email)
    form_url = f"/cohorts/{cohort.id}/documents/new"
    html = page(client.get(form_url))
    assert "Équipe Calanques" in html and "Moi seul·e" in html
    team_id = team_doc["document"].team_id
    response = post(client, f"/cohorts/{cohort.id}/documents",
                    {"title": "Notes de terrain", "team": str(team_id)}, token_from=form_url)
    assert response.status_code == 302
    created = db.session.scalar(select(Document).where(Document.title == "Notes de terrain"))
    assert created.team_id == team_id and created.owner_id is None
    response = post(client, f"/cohorts/{cohort.id}/documents", {"title": "", "team": "0"},
                    token_from=form_url)
    assert response.status_code == 200 and "class=\"errors\"" in response.get_data(as_text=True)
    post(client, f"/cohorts/{cohort.id}/documents", {"title": "Journal", "team": "0"},
         token_from=form_url)
    mine = db.session.scalar(select(Document).where(Document.title == "Journal"))
    assert mine.owner_id == team_doc["amandine"].id
    # Louis (same team) sees the team document, not Amandine's personal one
    post(client, "/logout", token_from="/dashboard")
    login(client, team_doc["louis"].email)
    workspace = page(client.get(f"/cohorts/{cohort.id}"))
    assert "Notes de terrain" in workspace and "Journal" not in workspace
    assert client.get(f"/documents/{mine.id}").status_code == 404


def test_trainer_cannot_create_documents(client, team_doc):  # noqa: F811
    login(client, team_doc["trainer"].email)
    cohort = team_doc["cohort"]
    assert client.get(f"/cohorts/{cohort.id}/documents/new").status_code == 403


def test_frozen_document_refuses_its_authors(app, team_doc):  # noqa: F811
    document = db.session.get(Document, team_doc["document"].id)
    writer = connect(app, team_doc["amandine"], document)
    writer.sync()
    document.frozen = True
    db.session.commit()
    assert writer.write(0, "trop tard")["code"] == "read-only"


@pytest.mark.parametrize("text", ["# Titre", "- a\n- b", "> citation", "[l](https://x.org)"])
def test_render_keeps_ordinary_markdown(text):
    html = render_markdown(text)
    assert html and "<" in html


def test_token_needs_a_session_and_csrf(client, team_doc):  # noqa: F811
    document = team_doc["document"]
    assert client.post(f"/documents/{document.id}/token").status_code == 400  # no CSRF
    login(client, team_doc["louis"].email)
    assert client.post(f"/documents/{document.id}/token").status_code == 400  # no CSRF
    response = client.post(f"/documents/{document.id}/token",
                           headers={"X-CSRFToken": csrf_token(client, "/dashboard")})
    assert response.status_code == 200 and response.get_json()["expires_in"] == 600




@pytest.mark.parametrize(("text", "expected"), [
    # the editor's rules (CommonMark + GFM tables and strikethrough, as Lezer reads it)
    ("Une phrase.\n- premier point", "<p>Une phrase.</p>\n<ul>\n<li>premier point</li>\n</ul>"),
    ("Une phrase.\n1. premier", "<p>Une phrase.</p>\n<ol>\n<li>premier</li>\n</ol>"),
    ("en\n2026. Puis", "<p>en<br>\n2026. Puis</p>"),
    ("- a\n  - b", "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>"),
    ("1) un", "<ol>\n<li>un</li>\n</ol>"),
    ("#hashtag", "<p>#hashtag</p>"),
    ("Titre\n===", "<h1>Titre</h1>"),
    ("snake_case_mot", "<p>snake_case_mot</p>"),
    ("~~barré~~", "<p><s>barré</s></p>"),
    ("| a | b |\n|:--|--:|\n| 1 | 2 |", '<th align="left">a</th>'),
    ("a <b>b</b>", "<p>a &lt;b&gt;b&lt;/b&gt;</p>"),
])
def test_render_follows_the_editors_markdown_rules(text, expected):
    assert expected in render_markdown(text)


def test_write_text_makes_the_smallest_edit_as_its_author(prog, case):
    """coelab.documents.operations.write_text (the demo's texts): the text becomes the
    one given, through the room's write path, counted for its author; a reader and a
    frozen text refuse it, and nothing is stored."""
    from coelab.documents.models import DocumentUpdate
    from coelab.documents.operations import contributions, current_markdown, write_text
    from coelab.operations import OperationError

    document = case.document
    before = current_markdown(document)
    changed = before.replace("Présentez le terrain", "Décrivez l'étang de Berre et le terrain")
    assert changed != before
    write_text(prog.p1, document, changed)
    assert current_markdown(document) == changed
    mine = {c.user.id: c for c in contributions(document) if c.user}
    # only what changed is theirs (" le terrain" stays): not the whole text again
    assert mine[prog.p1.id].inserted == len("Décrivez l'étang de Berre et")
    assert mine[prog.p1.id].deleted == len("Présentez")
    stored = db.session.scalar(select(func.count()).select_from(DocumentUpdate).where(
        DocumentUpdate.document_id == document.id))
    write_text(prog.p1, document, changed)  # the same text: nothing to store
    with pytest.raises(OperationError):
        write_text(prog.trainer, document, changed + "\nRelu.")
    assert current_markdown(document) == changed
    assert db.session.scalar(select(func.count()).select_from(DocumentUpdate).where(
        DocumentUpdate.document_id == document.id)) == stored
