"""An acknowledged edit is an edit everyone sees and the server keeps.

The server's document never takes an update that refers to what it lacks (Yjs would keep
it aside, invisible, and a snapshot would drop it); the writer is asked to resync instead.
"""

from __future__ import annotations

import json
import time

import pycrdt
import pytest
from coelab.documents import awareness
from coelab.documents import operations as docs
from coelab.documents.rooms import UpdateRejected, compact, rooms
from coelab.documents.yencoding import integrate, read_state_vector, read_update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_realtime import TEMPLATE, YClient, connect, stored_updates, team_doc  # noqa: F401


class Writer:
    """A pycrdt client that keeps each of its transactions' updates, as a Yjs provider
    sends them."""

    def __init__(self, client_id: int | None = None):
        self.doc = pycrdt.Doc(client_id=client_id) if client_id else pycrdt.Doc()
        self.text = self.doc.get("content", type=pycrdt.Text)
        self.sent: list[bytes] = []
        self.doc.observe(lambda event: self.sent.append(event.update))

    def insert(self, index: int, value: str) -> bytes:
        self.text.insert(index, value)
        return self.sent[-1]

    def delete(self, start: int, end: int) -> bytes:
        del self.text[start:end]
        return self.sent[-1]

    def receive(self, update: bytes) -> None:
        before = len(self.sent)
        self.doc.apply_update(update)
        del self.sent[before:]  # what it receives is not its own to send


def verdict(state: dict[int, int], update: bytes) -> dict[int, int] | None:
    structs: dict = {}
    inserted, deleted = read_update(update, structs)
    return integrate(state, structs, deleted)


def fully_applied(doc: pycrdt.Doc, update: bytes) -> bool:
    """The oracle, from pycrdt itself: after applying ``update`` to a copy of ``doc``,
    is every range it inserts or deletes part of the copy's state?"""
    copy = pycrdt.Doc()
    copy.apply_update(doc.get_update())
    copy.apply_update(update)
    state = read_state_vector(copy.get_state())
    inserted, deleted = read_update(update)
    return all(piece.clock + piece.length <= state.get(piece.client, 0)
               for piece in [*inserted, *deleted])


def test_a_gap_in_a_clients_clocks_is_not_integrable():
    w = Writer()
    first, second, third = w.insert(0, "un "), w.insert(3, "deux "), w.insert(8, "trois")
    server = pycrdt.Doc()
    server.apply_update(first)
    state = read_state_vector(server.get_state())
    assert verdict(state, third) is None  # built on "deux", which the server lacks
    assert verdict(state, second) == {w.doc.client_id: len("un deux ")}
    # the writer's resync answer carries both, and is integrable as one update
    assert verdict(state, w.doc.get_update(server.get_state())) is not None


def test_an_insert_next_to_another_clients_missing_text_is_not_integrable():
    a, b = Writer(), Writer()
    b.receive(a.insert(0, "texte de A"))  # the server never got A's text
    update = b.insert(5, " (et B)")
    assert verdict({}, update) is None
    assert not fully_applied(pycrdt.Doc(), update)
    # the same pieces together, in either order within one update, are integrable
    assert verdict({}, pycrdt.merge_updates(update, a.sent[0])) is not None


def test_deleting_what_the_server_lacks_is_not_integrable():
    a = Writer()
    server = pycrdt.Doc()
    server.apply_update(a.insert(0, "début"))
    a.insert(5, " fin")  # lost on its way
    deletion = a.delete(3, 7)  # deletes across both
    state = read_state_vector(server.get_state())
    assert verdict(state, deletion) is None
    server.apply_update(a.sent[1])
    assert verdict(read_state_vector(server.get_state()), deletion) == {}


def test_something_already_known_is_integrable_and_moves_nothing():
    a = Writer()
    update = a.insert(0, "déjà là")
    server = pycrdt.Doc()
    server.apply_update(update)
    assert verdict(read_state_vector(server.get_state()), update) == {}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_integrate_agrees_with_pycrdt_on_random_histories(data):
    """Three writers edit, exchange some of their updates, and the server receives a
    random selection in a random order: whatever ``integrate`` accepts pycrdt integrates
    whole, whatever it refuses pycrdt would have kept aside."""
    writers = [Writer(client_id) for client_id in (101, 202, 303)]
    history: list[bytes] = []
    for _ in range(data.draw(st.integers(4, 14), label="steps")):
        i = data.draw(st.integers(0, 2), label="writer")
        w = writers[i]
        action = data.draw(st.sampled_from(["insert", "insert", "delete", "pull"]))
        length = len(str(w.text))
        if action == "insert":
            at = data.draw(st.integers(0, length))
            history.append(w.insert(at, data.draw(st.sampled_from(["a", "bb", "xyz"]))))
        elif action == "delete" and length:
            start = data.draw(st.integers(0, length - 1))
            history.append(w.delete(start, data.draw(st.integers(start + 1, length))))
        else:
            other = writers[data.draw(st.integers(0, 2))]
            if other is not w:
                w.receive(other.doc.get_update(w.doc.get_state()))
    server = pycrdt.Doc()
    state: dict[int, int] = {}
    order = data.draw(st.permutations(range(len(history))))
    for k in order:
        update = history[k]
        moved = verdict(state, update)
        assert (moved is not None) == fully_applied(server, update)
        if moved is not None:
            server.apply_update(update)
            state.update(moved)
            assert state == read_state_vector(server.get_state())
    # whatever was refused comes with each writer's resync answer
    for w in writers:
        answer = w.doc.get_update(server.get_state())
        if verdict(state, answer) is not None:
            server.apply_update(answer)
            state = read_state_vector(server.get_state())


def test_an_out_of_sync_update_leaves_the_room_untouched(app, team_doc):  # noqa: F811
    document = team_doc["document"]
    room = rooms().get(document.id)
    w = Writer()
    w.receive(room.doc.get_update())
    w.insert(0, "refusé ")
    later = w.insert(0, "puis ")
    with room.lock, pytest.raises(UpdateRejected) as refused:
        room.apply(later, team_doc["amandine"].id)
    assert refused.value.code == "out-of-sync"
    assert room.markdown() == TEMPLATE
    assert read_state_vector(room.doc.get_state()) == room.state


@pytest.mark.parametrize("suffix", ["0{id}", "{id}\u200b", "+{id}", " {id}", "{id}.0"])
def test_a_document_has_one_namespace(app, team_doc, suffix):  # noqa: F811
    document = team_doc["document"]
    digits = "".join(chr(0x0660 + int(c)) for c in str(document.id))  # Arabic-Indic
    for name in (suffix.format(id=document.id), digits):
        client = app.test_client()
        from .conftest import login

        login(client, team_doc["amandine"].email)
        assert not YClient(app, client, name).connected
    assert connect(app, team_doc["amandine"], document).connected


def test_a_refused_burst_is_resent_without_reconnecting(app, team_doc):  # noqa: F811
    """A burst over the person's budget: refused, then, once the budget refills, the
    server asks the writer for everything and the texts end identical."""
    app.config.update(YJS_UPDATES_BURST=6, YJS_UPDATES_PER_SECOND=6)  # a 1-second window
    document = team_doc["document"]
    writer = connect(app, team_doc["amandine"], document)
    reader = connect(app, team_doc["louis"], document)
    writer.sync()
    writer.answer()
    reader.sync()
    acks = [writer.write(0, f"[{i}]") for i in range(12)]
    assert [a["ok"] for a in acks].count(True) == 5
    assert {a.get("code") for a in acks if not a["ok"]} == {"rate-limited"}
    deadline = time.monotonic() + 10
    while not writer.answer() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert docs.current_markdown(document) == str(writer.text)
    reader.receive()
    assert str(reader.text) == str(writer.text)
    assert all(f"[{i}]" in str(reader.text) for i in range(12))
    # kept through a compaction and a reload
    compact(rooms().get(document.id))
    rooms().evict(document.id)
    assert docs.current_markdown(document) == str(writer.text)
    assert stored_updates(document) == 0


def test_presence_carries_the_identity_the_server_knows(app, team_doc):  # noqa: F811
    document = team_doc["document"]
    trainer = connect(app, team_doc["trainer"], document)  # a reader
    amandine = connect(app, team_doc["amandine"], document)
    louis = connect(app, team_doc["louis"], document)
    forged = {"user": {"name": "Louis Ferrand", "color": "#000000"},
              "cursor": {"anchor": 1, "head": 2}}
    trainer.io.emit("awareness-update", awareness.encode(
        [awareness.Entry(77, 1, json.dumps(forged))]), namespace=trainer.ns)
    seen = [awareness.decode(e["args"][0]) for e in amandine.receive()
            if e["name"] == "awareness-update"]
    state = json.loads(seen[0][0].state)
    louis.receive()
    assert state == {"user": {**awareness.identity(team_doc["trainer"].id, "Claire Vidal"),
                              "reader": True}}
    # a state that names someone else is never relayed (an echo, or a forgery)
    louis_state = {"user": awareness.identity(team_doc["louis"].id, "Louis Ferrand")}
    amandine.io.emit("awareness-update", awareness.encode(
        [awareness.Entry(78, 1, json.dumps(louis_state))]), namespace=amandine.ns)
    assert not [e for e in louis.receive() if e["name"] == "awareness-update"]
    # nor can a socket remove someone else's presence
    amandine.io.emit("awareness-update", awareness.encode(
        [awareness.Entry(77, 5, "null")]), namespace=amandine.ns)
    assert 77 in rooms().get(document.id).presence
    assert not [e for e in louis.receive() if e["name"] == "awareness-update"
                and awareness.decode(e["args"][0])[0].client == 77]


def test_an_update_the_document_does_not_take_whole_is_refused_and_the_room_rebuilt(
        app, team_doc, monkeypatch):  # noqa: F811
    """Beyond a plain keystroke, the document's own state vector is read after applying:
    if it did not take everything (as yrs did with overlapping structs before
    documents/surrogates.py), the update is refused and the room rebuilt from the log."""
    from coelab.documents.rooms import Room

    document = team_doc["document"]
    y = connect(app, team_doc["amandine"], document)
    y.sync()
    other = Writer()
    other.receive(y.doc.get_update())
    y.doc.apply_update(other.insert(0, "d'un autre "))
    y.text.insert(0, "et le mien ")
    update = y.doc.get_update(pycrdt.Doc().get_state())  # two clients: not a keystroke
    assert len(read_update(update)[0]) >= 2
    monkeypatch.setattr(Room, "apply_to_doc", lambda self, updates: None)  # takes nothing
    assert y.send(update) == {"ok": False, "code": "invalid-update"}
    assert rooms().peek(document.id) is None  # rebuilt from the log when next used
    assert stored_updates(document) == 0
    monkeypatch.undo()
    assert y.send(update)["ok"] is True
    assert docs.current_markdown(document) == str(y.text)


def test_an_unavailable_budget_store_lets_edits_through(app, team_doc, monkeypatch):  # noqa: F811
    """Redis down: the limit is lost for a moment, never an edit nor a sync answer."""
    from coelab.documents.sockets import budget

    def broken(*_args, **_kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(budget(app).strategy, "hit", broken)
    monkeypatch.setattr(budget(app).strategy, "get_window_stats", broken)
    y = connect(app, team_doc["amandine"], team_doc["document"])
    y.sync()
    assert y.write(0, "malgré tout ")["ok"] is True
    assert docs.current_markdown(team_doc["document"]).startswith("malgré tout ")
