"""Inline comments: threads anchored to a passage, replies, resolution; who may read
and write them; the anchors (Yjs relative positions) follow the passage."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from coelab.audit import events_for
from coelab.comments import operations as cops
from coelab.comments.models import Comment, CommentThread
from coelab.db import db
from coelab.deliverables import workflow
from coelab.policy import can
from sqlalchemy import func, select

from .conftest import csrf_token, login
from .test_deliverables import relog

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"


def varuint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def relpos(client: int, clock: int, assoc: int = 0) -> str:
    """What ``Y.encodeRelativePosition`` gives for a position next to an item."""
    return base64.b64encode(b"\x00" + varuint(client) + varuint(clock) + bytes([assoc])).decode()


ANCHOR = {"start": relpos(1234567, 3), "end": relpos(1234567, 12)}


def api(client, method: str, url: str, token: str, payload=None):
    return client.open(url, method=method, json=payload,
                       headers={"X-CSRFToken": token, "Accept": "application/json"})


def test_trainer_comments_authors_reply_resolve_and_reopen(prog, case, client):
    url = f"/deliverables/{case.id}/comments"
    login(client, prog.trainer.email)
    token = csrf_token(client, f"/deliverables/{case.id}")
    response = api(client, "POST", url, token, {
        "anchor": ANCHOR, "quote": "la fusion", "body": "  Précisez le calendrier.  "})
    assert response.status_code == 201, response.get_json()
    thread = response.get_json()["thread"]
    assert thread["quote"] == "la fusion" and thread["anchor"] == ANCHOR
    assert thread["version"] is None and thread["visibility"] == "authors"
    assert [c["body"] for c in thread["comments"]] == ["Précisez le calendrier."]
    assert thread["comments"][0]["author"] == prog.trainer.full_name

    # an author reads it and replies
    relog(client, prog.p3)
    token = csrf_token(client, f"/deliverables/{case.id}")
    listed = client.get(url).get_json()
    assert [t["id"] for t in listed["threads"]] == [thread["id"]] and listed["can_comment"]
    response = api(client, "POST", f"{url}/{thread['id']}/replies", token,
                   {"body": "C'est fait, voir la partie 2."})
    assert response.status_code == 201
    assert [c["body"] for c in response.get_json()["thread"]["comments"]] == [
        "Précisez le calendrier.", "C'est fait, voir la partie 2."]
    # resolve, reopen (twice resolving is harmless)
    for action, resolved in (("resolve", True), ("resolve", True), ("reopen", False)):
        response = api(client, "POST", f"{url}/{thread['id']}/{action}", token)
        assert response.status_code == 200 and response.get_json()["thread"]["resolved"] is resolved
    # every change is audited, once
    actions = [e.action for e in events_for("comment_threads", thread["id"])]
    assert sorted(actions) == sorted(["comment.thread_created", "comment.replied",
                                      "comment.resolved", "comment.reopened"])
    # authors comment too
    response = api(client, "POST", url, token, {"anchor": ANCHOR, "quote": "Analyse",
                                                 "body": "Qu'en pensez-vous ?"})
    assert response.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 3


def test_outsiders_get_404_and_panel_notes_are_refused(prog, case, client):
    thread = cops.create_thread(prog.trainer, case, anchor=cops.Anchor(**ANCHOR),
                                quote="passage", body="Remarque")
    url = f"/deliverables/{case.id}/comments"
    # a trainee of the same cohort who is not an author
    login(client, prog.outsider.email)
    token = csrf_token(client, "/dashboard")
    assert client.get(url).status_code == 404
    response = api(client, "POST", url, token, {"anchor": ANCHOR, "quote": "x", "body": "y"})
    assert response.status_code == 404 and "n'existe pas" in response.get_json()["error"]
    for path in (f"{url}/{thread.id}/replies", f"{url}/{thread.id}/resolve"):
        assert api(client, "POST", path, token, {"body": "z"}).status_code == 404
    # a thread of another deliverable, under this one's address, does not exist
    relog(client, prog.p1)
    assert api(client, "POST", f"/deliverables/999/comments/{thread.id}/resolve",
               csrf_token(client, "/dashboard")).status_code == 404
    # jurors' private notes are the panel's (tests/test_jury.py): an author cannot write
    # one, and an author or a trainer outside the panel does not read one
    token = csrf_token(client, "/dashboard")
    response = api(client, "POST", url, token, {"anchor": ANCHOR, "quote": "x", "body": "y",
                                                "visibility": "panel"})
    assert response.status_code == 400 and "jury" in response.get_json()["error"]
    assert not can(prog.trainer, "comment.create_panel", case)
    thread.visibility = "panel"
    db.session.commit()
    assert not can(prog.p1, "comment.read", thread)
    assert not can(prog.trainer, "comment.read", thread)
    assert client.get(url).get_json()["threads"] == []


@pytest.mark.parametrize(("payload", "message"), [
    ({"anchor": ANCHOR, "quote": "x", "body": "   "}, "Écrivez votre commentaire"),
    ({"anchor": ANCHOR, "quote": "x", "body": "a" * 5001}, "trop long"),
    ({"anchor": ANCHOR, "quote": "", "body": "b"}, "Sélectionnez d'abord"),
    ({"anchor": ANCHOR, "quote": "q" * 2001, "body": "b"}, "Passage trop long"),
    ({"anchor": {"start": "pas du base64 !", "end": ANCHOR["end"]}, "quote": "x",
      "body": "b"}, "n'a pas pu être repéré"),
    ({"anchor": {"start": base64.b64encode(b"\x07\x01\x02").decode(), "end": ANCHOR["end"]},
      "quote": "x", "body": "b"}, "n'a pas pu être repéré"),
    ({"anchor": {"start": base64.b64encode(b"\x00" * 300).decode(), "end": ANCHOR["end"]},
      "quote": "x", "body": "b"}, "n'a pas pu être repéré"),
    ({"anchor": {"start": 12, "end": ANCHOR["end"]}, "quote": "x", "body": "b"},
     "n'a pas pu être repéré"),
    ({"anchor": "nope", "quote": "x", "body": "b"}, "Sélectionnez d'abord"),
    ({"anchor": ANCHOR, "quote": "x", "body": "b", "version": "1"}, "version invalide"),
    ({"anchor": {"start": 0, "end": 4}, "quote": "x", "body": "b", "version": 7},
     "version n'existe pas"),
    ({"anchor": ANCHOR, "quote": "x", "body": "b", "visibility": "tous"}, "Visibilité"),
    (["not", "an", "object"], "objet JSON"),
])
def test_bad_input_is_refused_with_a_message(prog, case, client, payload, message):
    login(client, prog.trainer.email)
    token = csrf_token(client, "/dashboard")
    response = api(client, "POST", f"/deliverables/{case.id}/comments", token, payload)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(CommentThread)) == 0


def test_without_csrf_token_json_400(prog, case, client):
    login(client, prog.trainer.email)
    response = client.post(f"/deliverables/{case.id}/comments", json={"body": "x"})
    assert response.status_code == 400 and "jeton" in response.get_json()["error"]
    response = client.post(f"/deliverables/{case.id}/comments", data="{not json",
                           headers={"X-CSRFToken": csrf_token(client, "/dashboard"),
                                    "Content-Type": "application/json"})
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]


def test_comment_on_a_submitted_version(prog, case, client):
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    login(client, prog.trainer.email)
    token = csrf_token(client, f"/documents/{case.document_id}/versions/1")
    url = f"/deliverables/{case.id}/comments"
    response = api(client, "POST", url, token, {
        "anchor": {"start": 10, "end": 19}, "quote": "Contexte", "body": "Bien.",
        "version": 1})
    assert response.status_code == 201, response.get_json()
    thread = response.get_json()["thread"]
    assert thread["version"] == 1 and thread["anchor"] == {"start": 10, "end": 19}
    assert [t["id"] for t in client.get(url + "?version=1").get_json()["threads"]] == [
        thread["id"]]
    assert client.get(url + "?version=live").get_json()["threads"] == []
    # the version page carries what its script needs
    html = client.get(f"/documents/{case.document_id}/versions/1").get_data(as_text=True)
    assert f'data-comments-url="{url}"' in html and 'data-version="1"' in html


def test_comments_are_announced_on_the_document_namespace(prog, case, monkeypatch):
    from coelab.extensions import socketio

    sent = []
    monkeypatch.setattr(socketio, "emit", lambda *a, **kw: sent.append((a, kw)))
    thread = cops.create_thread(prog.trainer, case, anchor=cops.Anchor(**ANCHOR),
                                quote="passage", body="Remarque")
    cops.reply(prog.p1, thread, "Merci")
    cops.set_resolved(prog.p1, thread, True)
    assert [a for a, _kw in sent] == [("comments-changed", {"thread_id": thread.id})] * 3
    assert {kw["namespace"] for _a, kw in sent} == {f"/yjs|{case.document_id}"}


ANCHOR_SCRIPT = r"""
import * as Y from 'yjs'
const doc = new Y.Doc()
const text = doc.getText('content')
text.insert(0, 'Le contexte de la fusion des deux associations.')
const other = new Y.Doc()
Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
const from = text.toString().indexOf('fusion')
const enc = i => Buffer.from(Y.encodeRelativePosition(
  Y.createRelativePositionFromTypeIndex(text, i))).toString('base64')
const anchors = { start: enc(from), end: enc(from + 'fusion'.length), tail: enc(text.length) }
const resolve = (d, a) => Y.createAbsolutePositionFromRelativePosition(
  Y.decodeRelativePosition(Buffer.from(a, 'base64')), d).index
// someone else inserts text before the passage, and after it
other.getText('content').insert(0, 'Introduction ajoutée. ')
other.getText('content').insert(other.getText('content').length, ' Fin.')
Y.applyUpdate(doc, Y.encodeStateAsUpdate(other))
const s = resolve(doc, anchors.start)
const e = resolve(doc, anchors.end)
console.log(JSON.stringify({ anchors, passage: text.toString().slice(s, e), start: s }))
"""


def test_yjs_anchor_follows_insertions_and_passes_the_server_check():
    if shutil.which("node") is None or not (FRONTEND / "node_modules" / "yjs").exists():
        pytest.skip("Node.js and the front-end packages (npm ci in frontend/) are needed")
    out = subprocess.run(["node", "--input-type=module", "-e", ANCHOR_SCRIPT], cwd=FRONTEND,
                         capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(out.stdout)
    assert result["passage"] == "fusion"
    assert result["start"] == len("Introduction ajoutée. Le contexte de la ")
    for value in result["anchors"].values():
        assert cops.decode_anchor(value)
