"""Property: no interleaving of refusals, reconnects and compactions makes an edit the
server acknowledged ``ok`` invisible, and a refused edit is not lost.

Writers are pycrdt documents behaving as the stock y-socket.io provider does: each local
transaction's update is sent as ``sync-update`` (here with an ack, to know what the
server acknowledged); on connecting, the client sends ``sync-step-1`` and applies the
answer; it answers the server's ``sync-step-1`` with ``doc.get_update(server_vector)``
(``encodeStateAsUpdate(doc, vector)``). The server is the in-process app, with a tiny
rate budget, a small update limit and frequent compactions, so that refusals of every
kind happen. Hypothesis picks the interleaving, including when messages are delivered
and when the server's requests are answered (the network's delays).

Invariants, checked after every step: every edit acknowledged ``ok`` (and not deleted
since) is in the server's text. After healing (every message delivered, every request
of the server answered, as the stock provider does in time): every writer's text is the
server's, a fresh client's is too, every edit acknowledged ``ok`` and not deleted is in
it, and a compaction and a reload from the database change nothing.
"""

from __future__ import annotations

import contextvars
import re
import threading
import time

import pycrdt
import pytest
from coelab.db import db
from coelab.documents import operations as docs
from coelab.documents.models import Document
from coelab.documents.rooms import compact, rooms
from coelab.extensions import socketio
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from socketio import packet

from .conftest import Isolated, base_config
from .conftest import socket_token as make_token

TEMPLATE = "# Étude de cas\n\n## Contexte\n\n"
MARKER = re.compile(r"\[[a-z]\d+\]")
MAX_UPDATE_BYTES = 2000
HEAL_SECONDS = 10.0  # generous: a refused edit comes back once the budget refills (1 s)

# a failing example waits HEAL_SECONDS for healing: one failure is shrunk, not several
PROPERTY = settings(max_examples=12, deadline=None, database=None, report_multiple_bugs=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    # 6 updates in any second per person (the server's requests for a resync count
    # too): bursts are refused at once; an update over 2000 bytes is refused, a resync
    # answer may be much larger; a compaction every 4 stored updates
    return base_config(tmp_path, database_url, YJS_UPDATES_PER_SECOND=6, YJS_UPDATES_BURST=6,
                       YJS_MAX_UPDATE_BYTES=MAX_UPDATE_BYTES, YJS_MAX_SYNC_BYTES=1_000_000,
                       YJS_COMPACT_EVERY=4)


def fresh_context(function, *args):
    """Run as another request would: not in the test's app context."""
    return contextvars.Context().run(function, *args)


class Inbox:
    """The server's requests for a resync (its ``sync-step-1`` with an ack), per socket.

    Flask-SocketIO's test client keeps a server event's name and arguments, not the id
    a client answers its ack with, and its queue is not safe against the server's
    background tasks (a request waiting for the budget is sent from one). The requests
    are taken where the server hands them to its client manager: each gets its ack id
    there, as python-socketio gives it, and the client answers with an ack packet
    through the server's ordinary input (see :meth:`Writer.answer`). Everything else
    goes on to the test client as before."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: dict[str, list[tuple[int, bytes]]] = {}
        self.manager = None

    def install(self) -> None:
        manager = self.manager = socketio.server.manager
        original = type(manager).emit.__get__(manager)

        def emit(event, data, namespace, room=None, skip_sid=None, callback=None, to=None,
                 **kwargs):
            if event != "sync-step-1" or callback is None:
                return original(event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, to=to, **kwargs)
            for sid, eio_sid in manager.get_participants(namespace, to or room):
                with self.lock:
                    ack_id = manager._generate_ack_id(sid, callback)
                    self.requests.setdefault(eio_sid, []).append((ack_id, bytes(data)))
            return None

        manager.emit = emit

    def take(self, eio_sid: str) -> list[tuple[int, bytes]]:
        with self.lock:
            return self.requests.pop(eio_sid, [])

    def uninstall(self) -> None:
        if self.manager is not None:
            self.manager.__dict__.pop("emit", None)


class Writer:
    """A pycrdt document behind a (re)connectable socket, sending as the stock provider."""

    def __init__(self, name: str, app, inbox: Inbox, document_id: int, token: str):
        self.name, self.app, self.token = name, app, token
        self.ns = f"/yjs|{document_id}"
        self.doc = pycrdt.Doc()
        self.text = self.doc.get("content", type=pycrdt.Text)
        self.outgoing: list[bytes] = []
        self._local = False
        self._subscription = self.doc.observe(self._on_transaction)
        self.inbox = inbox
        self.requests: list[tuple[int, bytes]] = []  # the server's sync-step-1, unanswered
        self.acks: list[tuple[list[str], dict]] = []
        self.errors: list[str] = []
        self.io = None
        self.connect()

    def _on_transaction(self, event) -> None:
        if self._local:  # the provider sends its own transactions, not remote ones
            self.outgoing.append(event.update)

    # the socket --------------------------------------------------------------------

    def connect(self) -> None:
        self.io = Isolated(socketio.test_client, self.app, namespace=self.ns,
                           auth={"token": self.token})
        assert self.io.is_connected(self.ns), f"{self.name} could not connect"
        # as the provider on "connect": its state vector, and the answer applied
        answer = self.io.emit("sync-step-1", self.doc.get_state(), namespace=self.ns,
                              callback=True)
        self.doc.apply_update(bytes(answer))

    def disconnect(self) -> None:
        if self.io.is_connected(self.ns):
            self.io.get_received(self.ns)  # in flight to a closed socket: lost
            self.io.disconnect(namespace=self.ns)
        self.inbox.take(self.io.eio_sid)  # asked of the socket that is gone
        self.requests = []

    def reconnect(self) -> None:
        self.disconnect()
        self.connect()

    # editing -----------------------------------------------------------------------

    def _edit(self, change) -> None:
        self._local = True
        try:
            change()
        finally:
            self._local = False
        for update in self.outgoing:
            markers = MARKER.findall(_strings(update))
            ack = self.io.emit("sync-update", update, namespace=self.ns, callback=True)
            self.acks.append((markers, ack))
        self.outgoing = []

    def insert(self, marker: str, where: int, filler: str = "") -> None:
        content = str(self.text)
        boundaries = [0, len(content)] + [m.end() for m in MARKER.finditer(content)]
        at = len(content[:boundaries[where % len(boundaries)]].encode())
        self._edit(lambda: self.text.insert(at, marker + filler))

    def delete(self, which: int) -> str | None:
        content = str(self.text)
        found = list(MARKER.finditer(content))
        if not found:
            return None
        match = found[which % len(found)]
        start = len(content[:match.start()].encode())
        end = start + len(match.group().encode())

        def change():
            del self.text[start:end]

        self._edit(change)
        return match.group()

    # what the server sent ------------------------------------------------------------

    def deliver(self) -> None:
        for event in self.io.get_received(self.ns):
            if event["name"] == "sync-update":
                self.doc.apply_update(bytes(event["args"][0]))
            elif event["name"] == "yjs-error":
                self.errors.append(event["args"][0]["code"])
            else:
                assert event["name"] == "awareness-update", event["name"]
        self.requests += self.inbox.take(self.io.eio_sid)

    def answer(self) -> int:
        """Answer the server's requests as the stock provider does, through the ack:
        ``encodeStateAsUpdate(doc, vector)``, sent as the ack packet a client sends."""
        self.deliver()
        requests, self.requests = self.requests, []
        for ack_id, vector in requests:
            ack = packet.Packet(packet.ACK, namespace=self.ns,
                                data=[self.doc.get_update(vector)], id=ack_id)
            encoded = ack.encode()
            for message in encoded if isinstance(encoded, list) else [encoded]:
                fresh_context(socketio.server._handle_eio_message, self.io.eio_sid, message)
        return len(requests)

    def content(self) -> str:
        return str(self.text)

    def acknowledged(self) -> set[str]:
        return {m for markers, ack in self.acks if isinstance(ack, dict) and ack.get("ok")
                for m in markers}


def _strings(update: bytes) -> str:
    """An update's bytes as text: the strings it inserts are in it as they are."""
    return update.decode("utf-8", "replace")


def in_app(app, function):
    """Run as another request would: in an app context of its own."""
    def run():
        with app.app_context():
            try:
                return function()
            finally:
                db.session.remove()

    return fresh_context(run)


def server_text(app, document_id: int) -> str:
    return in_app(app, lambda: docs.current_markdown(db.session.get(Document, document_id)))


def stored_text(app, document_id: int) -> str:
    """The text as loaded from the database (snapshot and log), by a new room."""
    def read():
        rooms().evict(document_id)
        return docs.current_markdown(db.session.get(Document, document_id))

    return in_app(app, read)


def compact_now(app, document_id: int) -> None:
    in_app(app, lambda: compact(rooms().get(document_id)))


CLIENTS = 3  # two sockets (tabs) of one person, and a second person

steps = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.integers(0, CLIENTS - 1), st.integers(0, 40)),
    st.tuples(st.just("burst"), st.integers(0, CLIENTS - 1), st.integers(2, 12)),
    st.tuples(st.just("oversized"), st.integers(0, CLIENTS - 1), st.integers(0, 40)),
    st.tuples(st.just("delete"), st.integers(0, CLIENTS - 1), st.integers(0, 40)),
    st.tuples(st.just("deliver"), st.integers(0, CLIENTS - 1), st.just(0)),
    st.tuples(st.just("answer"), st.integers(0, CLIENTS - 1), st.just(0)),
    st.tuples(st.just("reconnect"), st.integers(0, CLIENTS - 1), st.just(0)),
    st.tuples(st.just("compact"), st.just(0), st.just(0)),
    st.tuples(st.just("pause"), st.just(0), st.just(0)),
), min_size=1, max_size=25)


@pytest.fixture
def people(app, make):
    cohort = make.cohort()
    amandine, louis = make.user("Amandine", "Roux"), make.user("Louis", "Ferrand")
    make.member(cohort, amandine)
    make.member(cohort, louis)
    team = make.team(cohort, "Équipe Calanques", [amandine, louis])
    return {"cohort": cohort, "team": team, "amandine": amandine, "louis": louis}


def test_refusals_reconnects_and_compactions_never_hide_an_acknowledged_edit(app, people):
    examples = {"count": 0, "refusals": {}}

    @PROPERTY
    @given(steps=steps)
    # the cases, in miniature: a burst partly refused, then an edit once the
    # budget has refilled (built on the refused ones); a refused paste, then an edit
    @example(steps=[("burst", 0, 12)] + [("pause", 0, 0)] * 4 + [("insert", 0, 0)])
    @example(steps=[("oversized", 2, 0), ("insert", 2, 0), ("compact", 0, 0)])
    def check(steps):
        examples["count"] += 1
        document = docs.create_document(None, people["cohort"], title="Propriété",
                                        template=TEMPLATE, team=people["team"])
        document_id = document.id
        amandine, louis = people["amandine"], people["louis"]
        inbox = Inbox()
        inbox.install()
        writers = [
            Writer("Amandine (onglet 1)", app, inbox, document_id,
                   make_token(amandine.id, document_id)),
            Writer("Amandine (onglet 2)", app, inbox, document_id,
                   make_token(amandine.id, document_id)),
            Writer("Louis", app, inbox, document_id, make_token(louis.id, document_id)),
        ]
        deleted: set[str] = set()
        counter = iter(range(10**6))
        try:
            for step, (action, who, arg) in enumerate(steps):
                writer = writers[who]
                if action == "insert":
                    writer.insert(f"[{'abc'[who]}{next(counter)}]", arg)
                elif action == "burst":
                    for _ in range(arg):
                        writer.insert(f"[{'abc'[who]}{next(counter)}]", -1)
                elif action == "oversized":
                    writer.insert(f"[{'abc'[who]}{next(counter)}]", arg,
                                  filler=" Texte collé." * (MAX_UPDATE_BYTES // 10))
                elif action == "delete":
                    gone = writer.delete(arg)
                    if gone:
                        deleted.add(gone)
                elif action == "deliver":
                    writer.deliver()
                elif action == "answer":
                    writer.answer()
                elif action == "reconnect":
                    writer.reconnect()
                elif action == "compact":
                    compact_now(app, document_id)
                elif action == "pause":
                    time.sleep(0.3)  # the budget refills a little
                # ok means integrated and visible, at once
                shown = set(MARKER.findall(server_text(app, document_id)))
                for w in writers:
                    hidden = w.acknowledged() - deleted - shown
                    assert not hidden, (f"step {step} ({action}): {w.name}'s edits "
                                        f"{sorted(hidden)} were acknowledged ok but the "
                                        f"server's text does not show them")
            heal(app, writers, document_id)
            text = server_text(app, document_id)
            markers = MARKER.findall(text)
            assert len(markers) == len(set(markers)), "an edit shows twice"
            for w in writers:
                assert w.content() == text, f"{w.name}'s text is not the server's"
                missing = w.acknowledged() - deleted - set(markers)
                assert not missing, f"{w.name}'s acknowledged edits lost: {sorted(missing)}"
                for _markers, ack in w.acks:
                    if isinstance(ack, dict) and not ack.get("ok"):
                        code = ack.get("code")
                        examples["refusals"][code] = examples["refusals"].get(code, 0) + 1
            made = {m for w in writers for markers, _ack in w.acks for m in markers}
            assert made - deleted <= set(markers), "refused edits were lost after healing"
            fresh = Writer("nouveau client", app, inbox, document_id,
                           make_token(louis.id, document_id))
            assert fresh.content() == text, "a fresh client does not show the server's text"
            fresh.disconnect()
            compact_now(app, document_id)
            assert stored_text(app, document_id) == text, "compaction and reload changed the text"
        finally:
            for w in writers:
                w.disconnect()
            inbox.uninstall()

    check()
    print(f"\nintegrity property: {examples['count']} examples, refusals seen "
          f"{examples['refusals']}")
    # the interleavings did exercise refusals (with this budget, any burst is refused)
    assert examples["refusals"].get("rate-limited")


def heal(app, writers: list[Writer], document_id: int) -> None:
    """Deliver everything and answer every request, as stock providers do in time, until
    every writer shows the server's text (requests refused for the budget come once it
    refills)."""
    deadline = time.monotonic() + HEAL_SECONDS
    while True:
        for w in writers:
            w.answer()
        for w in writers:
            w.deliver()
        text = server_text(app, document_id)
        if all(w.content() == text and not w.requests for w in writers):
            return
        if time.monotonic() > deadline:
            details = "; ".join(
                f"{w.name}: {len(MARKER.findall(w.content()))} edits shown, errors "
                f"{sorted(set(w.errors))}" for w in writers)
            raise AssertionError(f"not healed in {HEAL_SECONDS} s: the server shows "
                                 f"{len(MARKER.findall(text))} edits; {details}")
        time.sleep(0.05)
