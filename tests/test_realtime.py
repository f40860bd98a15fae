"""The co-editing socket protocol (y-socket.io events) through Flask-SocketIO's test client."""

from __future__ import annotations

import json
import time

import pycrdt
import pytest
from coelab.db import db
from coelab.documents import operations as docs
from coelab.documents.models import Document, DocumentContribution, DocumentUpdate
from coelab.documents.rooms import compact, rooms
from coelab.extensions import socketio
from sqlalchemy import func, select

from .conftest import Isolated, login

TEMPLATE = "# Étude de cas\n\n## Contexte\n\n"


class YClient:
    """A pycrdt document speaking the y-socket.io events through the test client."""

    def __init__(self, app, flask_client, document_id: int, auth=None):
        self.ns = f"/yjs|{document_id}"
        self.io = Isolated(socketio.test_client, app, namespace=self.ns,
                           flask_test_client=flask_client, auth=auth)
        self.doc = pycrdt.Doc()
        self.text = self.doc.get("content", type=pycrdt.Text)
        self.asked: list[bytes] = []  # the server's sync-step-1 vectors, not yet answered

    @property
    def connected(self) -> bool:
        return self.io.is_connected(self.ns)

    def sync(self) -> None:
        missing = self.io.emit("sync-step-1", self.doc.get_state(), namespace=self.ns,
                               callback=True)
        self.doc.apply_update(missing)

    def write(self, index: int, value: str, ack: bool = True):
        before = self.doc.get_state()
        self.text.insert(index, value)
        return self.send(self.doc.get_update(before), ack)

    def send(self, update: bytes, ack: bool = True):
        return self.io.emit("sync-update", update, namespace=self.ns, callback=ack)

    def receive(self) -> list[dict]:
        events = self.io.get_received(self.ns)
        for event in events:
            if event["name"] == "sync-update":
                self.doc.apply_update(event["args"][0])
            elif event["name"] == "sync-step-1":
                self.asked.append(event["args"][0])
        return events

    def answer(self) -> int:
        """Answer the server's sync-step-1 requests as the stock provider does (its ack
        carries ``encodeStateAsUpdate(doc, vector)``); the test client cannot ack a
        server's event, so the ack's handler is called as python-socketio calls it."""
        from coelab.documents.sockets import _receive_from_ack

        self.receive()
        asked, self.asked = self.asked, []
        sid = socketio.server.manager.sid_from_eio_sid(self.io.eio_sid, self.ns)
        for vector in asked:
            _receive_from_ack(sid, self.ns, self.doc.get_update(vector))
        return len(asked)

    def errors(self, events) -> list[str]:
        return [e["args"][0]["code"] for e in events if e["name"] == "yjs-error"]


@pytest.fixture
def team_doc(app, make):
    cohort = make.cohort()
    amandine, louis, trainer = make.user("Amandine", "Roux"), make.user("Louis", "Ferrand"), \
        make.user("Claire", "Vidal")
    outsider = make.user("Karim", "Haddad")
    make.member(cohort, amandine)
    make.member(cohort, louis)
    make.member(cohort, outsider)
    make.member(cohort, trainer, "trainer")
    team = make.team(cohort, "Équipe Calanques", [amandine, louis])
    document = docs.create_document(None, cohort, title="Étude de cas collective",
                                    template=TEMPLATE, team=team)
    return {"document": document, "amandine": amandine, "louis": louis, "trainer": trainer,
            "outsider": outsider, "cohort": cohort, "team": team}


def connect(app, user, document):
    client = app.test_client()
    login(client, user.email)
    return YClient(app, client, document.id)


def stored_updates(document) -> int:
    return db.session.scalar(select(func.count()).select_from(DocumentUpdate).where(
        DocumentUpdate.document_id == document.id))


def test_fresh_client_receives_the_template(app, team_doc):
    amandine = connect(app, team_doc["amandine"], team_doc["document"])
    assert amandine.connected
    amandine.sync()
    assert str(amandine.text) == TEMPLATE


def test_two_writers_converge_and_the_log_holds_every_edit(app, team_doc):
    document = team_doc["document"]
    a = connect(app, team_doc["amandine"], document)
    b = connect(app, team_doc["louis"], document)
    a.sync()
    b.sync()
    ack = a.write(len(TEMPLATE.encode()), "Un foyer de vie à Martigues.")
    assert ack["ok"] is True and isinstance(ack["seq"], int)
    b.write(0, "Brouillon — ")
    a.receive()
    b.receive()
    assert str(a.text) == str(b.text)
    assert "Un foyer de vie à Martigues." in str(a.text) and str(a.text).startswith("Brouillon")
    assert stored_updates(document) == 2
    assert docs.current_markdown(document) == str(a.text)
    # the server told each one about the other's edit, never echoing to the sender
    assert all(e["name"] != "sync-update" for e in a.receive() + b.receive())


def test_returning_client_gets_only_what_it_missed(app, team_doc):
    document = team_doc["document"]
    a = connect(app, team_doc["amandine"], document)
    a.sync()
    vector = a.doc.get_state()
    b = connect(app, team_doc["louis"], document)
    b.sync()
    b.write(0, "Ajout de Louis. ")
    missing = a.io.emit("sync-step-1", vector, namespace=a.ns, callback=True)
    probe = pycrdt.Doc()
    probe.apply_update(a.doc.get_update())
    probe.apply_update(missing)
    assert str(probe.get("content", type=pycrdt.Text)).startswith("Ajout de Louis.")
    assert len(missing) < len(b.doc.get_update())


def test_a_reader_gets_updates_but_cannot_write(app, team_doc):
    document = team_doc["document"]
    trainer = connect(app, team_doc["trainer"], document)
    writer = connect(app, team_doc["amandine"], document)
    trainer.sync()
    writer.sync()
    writer.write(0, "Texte de l'équipe. ")
    trainer.receive()
    assert str(trainer.text).startswith("Texte de l'équipe.")
    before = stored_updates(document)
    ack = trainer.write(0, "Réécriture du formateur ")
    assert ack == {"ok": False, "code": "read-only"}
    assert trainer.errors(trainer.receive()) == ["read-only"]
    assert stored_updates(document) == before
    assert "Réécriture" not in docs.current_markdown(document)
    writer.receive()
    assert "Réécriture" not in str(writer.text)
    # the connection stays healthy
    assert trainer.connected
    trainer.sync()


def test_outsiders_and_strangers_cannot_join(app, team_doc):
    document = team_doc["document"]
    outsider = connect(app, team_doc["outsider"], document)  # same cohort, other team
    assert not outsider.connected
    anonymous = YClient(app, app.test_client(), document.id)
    assert not anonymous.connected
    missing = YClient(app, app.test_client(), 999999)
    assert not missing.connected


def test_token_authentication_for_other_clients(app, team_doc):
    document = team_doc["document"]
    client = app.test_client()
    login(client, team_doc["louis"].email)
    from .conftest import csrf_token

    token = client.post(f"/documents/{document.id}/token",
                        headers={"X-CSRFToken": csrf_token(client, "/dashboard")}).get_json()
    assert token["namespace"] == f"/yjs|{document.id}" and token["can_write"] is True
    y = YClient(app, app.test_client(), document.id, auth={"token": token["token"]})
    assert y.connected
    y.sync()
    assert y.write(0, "Par jeton. ")["ok"] is True
    # a token is for one document only, and a forged one is refused
    other = docs.create_document(None, team_doc["cohort"], title="Autre",
                                 owner=team_doc["louis"])
    assert not YClient(app, app.test_client(), other.id, auth={"token": token["token"]}).connected
    assert not YClient(app, app.test_client(), document.id,
                       auth={"token": token["token"] + "x"}).connected


@pytest.mark.parametrize(("payload", "code"), [
    (b"garbage!!", "invalid-update"),
    (bytes.fromhex("000005b0ba96f20100000104100d636f6e74656e7468c3a96c6c6f07050101000001010000"),
     "unsupported-update"),
    ("a string", "invalid-update"),
    (None, "invalid-update"),
])
def test_bad_updates_are_refused_and_nothing_is_stored(app, team_doc, payload, code):
    document = team_doc["document"]
    y = connect(app, team_doc["amandine"], document)
    y.sync()
    ack = y.send(payload)
    assert ack == {"ok": False, "code": code}
    assert y.errors(y.receive()) == [code]
    assert stored_updates(document) == 0
    assert docs.current_markdown(document) == TEMPLATE
    assert y.connected
    assert y.write(0, "Toujours en forme. ")["ok"] is True


def test_an_update_larger_than_the_limit_is_refused_then_resynced(app, team_doc):
    """A refused update is not lost: the server asks the writer for what it lacks, and
    an edit built on the refused one is never acknowledged before that."""
    app.config.update(YJS_MAX_UPDATE_BYTES=1000, YJS_MAX_SYNC_BYTES=100_000)
    document = team_doc["document"]
    y = connect(app, team_doc["amandine"], document)
    y.sync()
    y.answer()  # the first sync's request: nothing to send yet
    ack = y.write(0, "x" * 5000)
    assert ack == {"ok": False, "code": "update-too-large"}
    assert stored_updates(document) == 0
    # built on the refused update: not integrable, not stored, not acknowledged
    assert y.write(0, "court") == {"ok": False, "code": "out-of-sync"}
    assert stored_updates(document) == 0
    assert y.errors(y.receive()) == ["update-too-large", "out-of-sync"]
    assert y.answer() == 1  # one request, however many refusals
    assert docs.current_markdown(document) == str(y.text)
    assert str(y.text) == "court" + "x" * 5000 + TEMPLATE
    fresh = connect(app, team_doc["louis"], document)
    fresh.sync()
    assert str(fresh.text) == str(y.text)
    # a resync answer above its own bound is refused, and the server stops asking
    app.config["YJS_MAX_SYNC_BYTES"] = 2000
    rooms().evict(document.id)
    y.write(0, "y" * 3000)
    assert y.errors(y.receive()) == ["update-too-large"]
    # the request comes from a background task (it waits for the budget): wait for it
    deadline = time.monotonic() + 5
    while not y.answer() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert y.errors(y.receive()) == ["document-too-large"]
    assert y.write(0, "encore") == {"ok": False, "code": "out-of-sync"}
    assert y.answer() == 0


def test_events_before_joining_or_unknown_are_errors(app, team_doc):
    y = connect(app, team_doc["amandine"], team_doc["document"])
    y.io.emit("what-is-this", b"x", namespace=y.ns)
    y.io.emit("sync-step-1", "not bytes", namespace=y.ns, callback=True)
    codes = y.errors(y.receive())
    assert codes == ["unknown-event", "invalid-state-vector"]
    assert y.connected


def test_rate_limit_is_per_person_across_sockets_and_generous(app, team_doc):
    app.config.update(YJS_UPDATES_BURST=5, YJS_UPDATES_PER_SECOND=0.001)
    a = connect(app, team_doc["amandine"], team_doc["document"])
    b = connect(app, team_doc["louis"], team_doc["document"])  # same address, other person
    a.sync()  # the server's request for what it lacks counts too: 4 left
    b.sync()
    results = [a.write(0, "a")["ok"] for _ in range(3)]
    # a second socket (another tab) of the same person shares the budget
    second = connect(app, team_doc["amandine"], team_doc["document"])
    second.sync()  # its request takes the fifth and last unit
    results += [second.write(0, "z")["ok"] for _ in range(2)]
    assert results == [True] * 3 + [False, False]
    assert second.errors(second.receive()) == ["rate-limited", "rate-limited"]
    assert b.write(0, "b")["ok"] is True


def test_presence_is_relayed_and_cleared_on_disconnect(app, team_doc):
    from coelab.documents import awareness

    a = connect(app, team_doc["amandine"], team_doc["document"])
    b = connect(app, team_doc["louis"], team_doc["document"])
    state = awareness.encode([awareness.Entry(4242, 1, '{"user":{"name":"Amandine Roux"}}')])
    a.io.emit("awareness-update", state, namespace=a.ns)
    received = [e for e in b.receive() if e["name"] == "awareness-update"]
    amandine = awareness.identity(team_doc["amandine"].id, "Amandine Roux")
    assert [awareness.decode(e["args"][0]) for e in received] == [
        [awareness.Entry(4242, 1, json.dumps({"user": amandine}, separators=(",", ":")))]]
    # a newcomer is told who is there
    c = connect(app, team_doc["louis"], team_doc["document"])
    c.sync()
    told = [awareness.decode(e["args"][0]) for e in c.receive() if e["name"] == "awareness-update"]
    assert told and told[0][0].client == 4242
    a.io.disconnect(namespace=a.ns)
    left = [awareness.decode(e["args"][0]) for e in b.receive() if e["name"] == "awareness-update"]
    assert left == [[awareness.Entry(4242, 2, "null")]]
    bad = b.io.emit("awareness-update", b"\x05\x01", namespace=b.ns)
    assert bad is None and b.errors(b.receive()) == ["invalid-awareness"]


def test_an_echoed_presence_is_not_broadcast_again_nor_owned_by_the_echoer(app, team_doc):
    """Yjs providers send back every remote presence they apply: the server relays only
    what is new, and the echoing socket's departure does not remove someone else."""
    from coelab.documents import awareness

    a = connect(app, team_doc["amandine"], team_doc["document"])
    b = connect(app, team_doc["louis"], team_doc["document"])
    c = connect(app, team_doc["louis"], team_doc["document"])

    def stamped(person, client, clock):
        who = awareness.identity(team_doc[person].id, team_doc[person].full_name)
        return awareness.Entry(client, clock,
                               json.dumps({"user": who}, ensure_ascii=False,
                                          separators=(",", ":")))

    amandine, louis = stamped("amandine", 11, 5), stamped("louis", 22, 1)
    a.io.emit("awareness-update", awareness.encode([amandine]), namespace=a.ns)
    for client in (b, c):
        assert [awareness.decode(e["args"][0]) for e in client.receive()
                if e["name"] == "awareness-update"] == [[amandine]]
    # b echoes Amandine's state (same clock) together with its own new one: only its
    # own is relayed; an echo alone is relayed to nobody
    b.io.emit("awareness-update", awareness.encode([amandine, louis]), namespace=b.ns)
    b.io.emit("awareness-update", awareness.encode([amandine]), namespace=b.ns)
    for client in (a, c):
        assert [awareness.decode(e["args"][0]) for e in client.receive()
                if e["name"] == "awareness-update"] == [[louis]]
    # an older state is not news either
    c.io.emit("awareness-update", awareness.encode([awareness.Entry(11, 4, "{}")]),
              namespace=c.ns)
    assert not [e for e in a.receive() + b.receive() if e["name"] == "awareness-update"]
    b.io.disconnect(namespace=b.ns)
    left = [awareness.decode(e["args"][0]) for e in c.receive() if e["name"] == "awareness-update"]
    assert left == [[awareness.Entry(22, 2, "null")]]  # Louis left, Amandine is still there
    assert 11 in rooms().get(team_doc["document"].id).presence


def test_compaction_keeps_the_content_and_the_authorship(app, team_doc):
    document = team_doc["document"]
    a = connect(app, team_doc["amandine"], document)
    b = connect(app, team_doc["louis"], document)
    a.sync()
    b.sync()
    for i in range(30):
        (a if i % 2 else b).write(0, f"{i} ")
        a.receive()
        b.receive()
    text_before = docs.current_markdown(document)
    room = rooms().get(document.id)
    assert compact(room) == 30
    assert stored_updates(document) == 0
    rooms().evict(document.id)  # as after a restart: snapshot + (empty) tail
    assert docs.current_markdown(document) == text_before
    b.write(0, "après compaction ")
    rooms().evict(document.id)
    assert docs.current_markdown(document) == "après compaction " + text_before
    summary = {c.user.first_name if c.user else None: c for c in docs.contributions(document)}
    assert summary["Louis"].present == len("après compaction ") + sum(
        len(f"{i} ") for i in range(0, 30, 2))
    assert summary[None].present == len(TEMPLATE)
    rows = {r.user_id: r for r in db.session.scalars(select(DocumentContribution))}
    assert rows[team_doc["amandine"].id].inserted == sum(len(f"{i} ") for i in range(1, 30, 2))


def test_a_room_behind_another_process_compaction_takes_its_authorship(app, team_doc):
    """A second process's copy of the document (a room loaded before the first process
    compacted) catches up from the new snapshot: who wrote what comes with it."""
    from coelab.documents.rooms import catch_up, load_room

    document = team_doc["document"]
    a = connect(app, team_doc["amandine"], document)
    a.sync()
    a.write(0, "avant ")
    elsewhere = load_room(document.id)  # the other process, at this point of the log
    a.receive()
    a.write(0, "pendant ")
    here = rooms().get(document.id)
    assert compact(here) == 2
    with elsewhere.lock:
        catch_up(elsewhere)
    assert str(elsewhere.text) == str(here.text)
    amandine = team_doc["amandine"].id
    assert elsewhere.authorship.present() == here.authorship.present()
    assert elsewhere.authorship.present()[amandine] == len("pendant avant ")
    a.write(0, "après ")
    with elsewhere.lock:
        catch_up(elsewhere)
    assert elsewhere.authorship.present()[amandine] == len("après pendant avant ")


def test_document_is_created_once_from_its_template(app, team_doc):
    document = db.session.get(Document, team_doc["document"].id)
    assert document.snapshot_seq == 0 and document.snapshot
    probe = pycrdt.Doc()
    probe.apply_update(document.snapshot)
    assert str(probe.get("content", type=pycrdt.Text)) == TEMPLATE


def test_idle_rooms_are_closed_and_silent_presence_forgotten(app, team_doc):
    from coelab.documents import awareness
    from coelab.documents.sockets import sweep_presence

    document = team_doc["document"]
    a = connect(app, team_doc["amandine"], document)
    b = connect(app, team_doc["louis"], document)
    a.io.emit("awareness-update",
              awareness.encode([awareness.Entry(77, 3, '{"user":{"name":"A"}}')]),
              namespace=a.ns)
    b.receive()
    app.config.update(YJS_PRESENCE_TIMEOUT=-1, YJS_ROOM_IDLE_SECONDS=-1)
    sweep_presence(app)
    left = [awareness.decode(e["args"][0]) for e in b.receive() if e["name"] == "awareness-update"]
    assert left == [[awareness.Entry(77, 4, "null")]]
    assert document.id in {r.document_id for r in rooms().all()}  # people are still in it
    a.io.disconnect(namespace=a.ns)
    b.io.disconnect(namespace=b.ns)
    sweep_presence(app)
    assert document.id not in {r.document_id for r in rooms().all()}


def test_updates_queued_together_are_stored_in_one_batch(app, team_doc):
    from coelab.documents.rooms import _Pending, append
    from coelab.documents.sockets import may_write

    document = team_doc["document"]
    room = rooms().get(document.id)
    updates = []
    for word in ("un ", "deux ", "trois "):  # three independent writers
        source = pycrdt.Doc()
        text = source.get("content", type=pycrdt.Text)
        source.apply_update(room.doc.get_update())
        vector = source.get_state()
        text.insert(0, word)
        updates.append(source.get_update(vector))
    amandine, trainer = team_doc["amandine"], team_doc["trainer"]
    waiting = [_Pending(amandine, updates[0], "sid-1"), _Pending(trainer, updates[1], "sid-2")]
    room.pending.extend(waiting)  # as if two other handlers were waiting for the lock
    appended = append(room, amandine, updates[2], may_write, origin="sid-3")
    # the caller stored everyone's update but the reader's, and must broadcast them
    assert [origin for _update, origin in appended.batch] == ["sid-1", "sid-3"]
    assert waiting[0].done.is_set() and waiting[0].seq < appended.seq
    assert waiting[1].done.is_set() and waiting[1].error.code == "read-only"
    assert stored_updates(document) == 2
    text = docs.current_markdown(document)
    assert "un " in text and "trois " in text and "deux " not in text


def test_a_batch_reaches_everyone_but_never_comes_back_to_its_sender(app, team_doc):
    from coelab.documents.sockets import _broadcast

    document = team_doc["document"]
    a = connect(app, team_doc["amandine"], document)
    b = connect(app, team_doc["louis"], document)
    c = connect(app, team_doc["trainer"], document)
    for client in (a, b, c):
        client.sync()
        client.receive()
    updates = {}
    for name, client in (("a", a), ("b", b)):
        before = client.doc.get_state()
        client.text.insert(0, f"[{name}]")
        updates[name] = client.doc.get_update(before)
    sid_a, sid_b, _sid_c = socketio.server.manager.rooms[a.ns][None]  # in joining order
    _broadcast([(updates["a"], sid_a), (updates["b"], sid_b), (updates["a"], sid_a)], a.ns)

    def received(client):
        return [e["args"][0] for e in client.io.get_received(client.ns)
                if e["name"] == "sync-update"]

    [to_a], [to_b], [to_c] = received(a), received(b), received(c)
    assert to_a == updates["b"] and to_b == updates["a"]  # only the other's
    c.doc.apply_update(to_c)
    assert "[a]" in str(c.text) and "[b]" in str(c.text)
