"""Property-based robustness tests (hypothesis).

1. Every event of the co-editing namespace, fed random and malformed payloads (garbage,
   truncated or corrupted Yjs updates, huge varints, JSON values of every shape, wrong
   argument counts, unknown and reserved event names): the server never fails, the
   client is told why (``yjs-error`` or a refused ack), its connection stays usable and
   the stored document changes only when a valid update was sent.
2. Every form endpoint of the app (the POST rules of ``app.url_map``), fed random form
   data by the roles who use them: never a 500, and a refused form writes nothing.
"""

from __future__ import annotations

import logging
import re

import pycrdt
import pytest
from coelab.db import db
from coelab.documents import awareness
from coelab.documents import operations as docs
from coelab.documents.models import Document, DocumentUpdate
from coelab.documents.rooms import rooms
from coelab.documents.yencoding import read_state_vector
from coelab.extensions import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from .conftest import login
from .test_realtime import TEMPLATE, YClient

FUZZ = settings(max_examples=100, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


class ErrorLog(logging.Handler):
    """Collects every ERROR logged while a test runs (an unhandled failure in a handler
    is logged by Flask-SocketIO's error handler, ``_frequent`` or the 500 page)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def error_log():
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def report(name: str, count: int) -> None:
    print(f"\n{name}: {count} hypothesis examples run")


# --- 1. the co-editing socket -------------------------------------------------------


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


@st.composite
def yjs_updates(draw) -> bytes:
    """A valid Yjs v1 update from an unrelated client (it inserts into "content")."""
    doc = pycrdt.Doc(client_id=draw(st.integers(1, 2**32)))
    content = doc.get("content", type=pycrdt.Text)
    value = draw(st.text(min_size=1, max_size=20))
    content += value
    if value[0].isascii() and draw(st.booleans()):  # (pycrdt panics on some deletions)
        del content[0:1]
    return doc.get_update()


truncated = yjs_updates().flatmap(
    lambda u: st.integers(1, len(u) - 1).map(lambda i: u[:i]))
corrupted = st.tuples(yjs_updates(), st.integers(0, 10_000), st.integers(1, 255)).map(
    lambda t: t[0][:t[1] % len(t[0])] + bytes([t[0][t[1] % len(t[0])] ^ t[2]])
    + t[0][t[1] % len(t[0]) + 1:])
huge_varints = st.builds(
    lambda prefix, n, tail: prefix + varint(n) + tail,
    st.sampled_from([b"", b"\x00", b"\x01", b"\x01\x01", b"\x01\x01\x01\x00\x04", b"\x02"]),
    st.integers(2**31, 2**70), st.binary(max_size=8))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.binary(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
payloads = st.one_of(st.binary(max_size=300), truncated, corrupted, huge_varints,
                     json_values, st.just(b""), st.just(b"\x00\x00"), yjs_updates())
KNOWN = ["sync-step-1", "sync-update", "awareness-update"]
OTHER_EVENTS = st.one_of(
    st.sampled_from(["connect", "disconnect", "message", "json", "yjs-error",
                     "comments-changed", "*"]),
    st.text(min_size=1, max_size=20))


def is_update(payload) -> bool:
    if not isinstance(payload, bytes):
        return False
    try:
        return pycrdt.merge_updates(payload) != b"\x00\x00" or payload == b"\x00\x00"
    except ValueError:
        return False


def is_state_vector(payload) -> bool:
    if not isinstance(payload, bytes):
        return False
    try:
        pycrdt.Doc().get_update(payload)
    except ValueError:
        return False
    return True


def is_awareness(payload) -> bool:
    if not isinstance(payload, bytes) or len(payload) > 64 * 1024:
        return False
    try:
        awareness.decode(payload)
    except awareness.AwarenessError:
        return False
    return True


@pytest.fixture
def co_editing(app, make):
    app.config.update(YJS_UPDATES_BURST=100_000, YJS_UPDATES_PER_SECOND=100_000,
                      YJS_COMPACT_EVERY=1_000_000)
    cohort = make.cohort()
    writer, reader = make.user("Amandine", "Roux"), make.user("Claire", "Vidal")
    make.member(cohort, writer)
    make.member(cohort, reader, "trainer")
    team = make.team(cohort, "Équipe", [writer])
    document = docs.create_document(None, cohort, title="Fuzz", template=TEMPLATE, team=team)
    return {"document": document, "writer": writer, "reader": reader}


def stored_state(document_id: int) -> tuple:
    db.session.expire_all()
    rows = tuple(db.session.execute(
        select(DocumentUpdate.id, DocumentUpdate.data).where(
            DocumentUpdate.document_id == document_id).order_by(DocumentUpdate.id)))
    doc = db.session.get(Document, document_id)
    db.session.commit()
    return rows, doc.snapshot, doc.snapshot_seq, doc.frozen


def no_answer(answer) -> bool:
    """An ack without arguments (the test client gives [] for it), or no ack at all."""
    return answer is None or answer == []


def sid_of(y: YClient) -> str:
    return socketio.server.manager.sid_from_eio_sid(y.io.eio_sid, y.ns)


@pytest.mark.parametrize("kind", KNOWN + ["other"])
def test_random_payloads_to_every_co_editing_event(app, co_editing, error_log, kind):
    events = OTHER_EVENTS if kind == "other" else st.just(kind)
    document = co_editing["document"]
    client = app.test_client()
    login(client, co_editing["writer"].email)
    y = YClient(app, client, document.id)
    assert y.connected
    y.sync()
    y.receive()
    examples = {"n": 0, "stored": 0, "refused": 0}

    @FUZZ
    @given(event=events, args=st.lists(payloads, max_size=3), ack=st.booleans())
    def run(event, args, ack):
        examples["n"] += 1
        before = stored_state(document.id)
        try:
            answer = y.io.emit(event, *args, namespace=y.ns, callback=ack)
        except Exception as exc:  # noqa: BLE001 - the property under test
            pytest.fail(f"the server raised {exc!r} on {event!r}")
        received = y.io.get_received(y.ns)
        codes = [e["args"][0]["code"] for e in received if e["name"] == "yjs-error"]
        after = stored_state(document.id)
        assert not error_log.records, [r.getMessage() for r in error_log.records]
        assert "server-error" not in codes
        assert y.connected
        first = args[0] if args else None
        if event == "sync-update":
            if is_update(first) and first != b"\x00\x00" and not codes:
                assert len(after[0]) == len(before[0]) + 1  # a valid update is stored
                assert after[0][-1].data == first
                if ack:
                    assert answer == {"ok": True, "seq": after[0][-1].id}
                examples["stored"] += 1
                for e in received:  # nobody else is connected: nothing comes back
                    assert e["name"] != "sync-update"
            else:
                assert after == before
                if first == b"\x00\x00":
                    assert not codes and (not ack or answer == {"ok": True, "seq": None})
                else:
                    assert len(codes) == 1
                    if ack:
                        assert answer == {"ok": False, "code": codes[0]}
                    examples["refused"] += 1
        else:
            assert after == before
            if event == "sync-step-1":
                if is_state_vector(first):
                    assert not codes and (not ack or isinstance(answer, bytes))
                else:
                    assert codes == ["invalid-state-vector"] and no_answer(answer)
            elif event == "awareness-update":
                assert codes == ([] if is_awareness(first) else ["invalid-awareness"])
            elif event not in ("connect", "disconnect"):
                assert codes == ["unknown-event"]
        # the connection stays usable: the next valid update is stored and applied
        y.sync()
        y.receive()
        rows = len(after[0])
        ack_ok = y.write(0, f"<{examples['n']}>")
        assert ack_ok["ok"] is True, ack_ok
        assert len(stored_state(document.id)[0]) == rows + 1

    run()
    report(f"socket events ({kind})", examples["n"])
    assert examples["n"] >= 50
    if kind == "sync-update":
        print(f"  random updates stored as valid: {examples['stored']}, refused: "
              f"{examples['refused']} (and a valid update after each example)")
        assert examples["refused"] > 10
    # every acknowledged write is in the room and in what the stored log rebuilds (the
    # texts themselves may differ where random updates yrs accepted overlap: see
    # OVERLAPPING below)
    from coelab.documents.rooms import rooms

    live = rooms().get(document.id).markdown()
    rooms().evict(document.id)
    reloaded = docs.current_markdown(db.session.get(Document, document.id))
    for n in range(1, examples["n"] + 1):
        assert f"<{n}>" in live and f"<{n}>" in reloaded, n


# three updates of one client found by the fuzzer: the third overlaps the first, and
# once yrs has taken them all it panics (a BaseException, not an Exception) answering
# some state vectors, for instance the one below; the log keeps them, so the document
# could no longer be synced by such a client
OVERLAPPING = [bytes.fromhex(h) for h in (
    "0101cde0f40600040107636f6e74656e741631c2a2c39dc3945b001b6c0c67c385ecbd9af1acbea5"
    "00",
    "0102cde0f40672010107636f6e74656e740184cde0f4060015c2a2c39dc3945b001b6c0c67c385ec"
    "bd9af1acbea501cde0f406010001",
    "0102cde0f40601010107636f6e74656e740184cde0f4060015c2a2c39dc3945b001b6c0c67c385ec"
    "bd9af1acbea501cde0f406010001",
)]
PANICKING_VECTOR = b"\x01" + varint(14495821) + varint(14)


def test_a_document_holding_overlapping_updates_still_answers_every_sync(
        app, co_editing, error_log):
    document = co_editing["document"]
    client = app.test_client()
    login(client, co_editing["writer"].email)
    y = YClient(app, client, document.id)
    y.sync()
    # the second builds on clocks the server lacks: refused. The third overlaps the
    # first, and cuts a character outside the BMP: taken as Yjs takes it (see
    # documents/surrogates.py), so yrs no longer holds the inconsistent text it
    # panicked on
    assert [y.send(update) for update in OVERLAPPING] == [
        {"ok": True, "seq": 1}, {"ok": False, "code": "out-of-sync"}, {"ok": True, "seq": 2}]
    answer = y.io.emit("sync-step-1", PANICKING_VECTOR, namespace=y.ns, callback=True)
    assert isinstance(answer, bytes)
    assert "server-error" not in y.errors(y.receive())
    room = rooms().get(document.id)
    assert read_state_vector(room.doc.get_state()) == room.state
    assert room.state[14495821] == 15
    assert answer == room.doc.get_update(PANICKING_VECTOR)
    pycrdt.Doc().apply_update(answer)
    # and a log written before updates were checked, holding all three, still opens
    for update in OVERLAPPING[1:]:
        db.session.add(DocumentUpdate(document_id=document.id, user_id=co_editing["writer"].id,
                                      data=update, inserted=0, deleted=0))
    db.session.commit()
    rooms().evict(document.id)
    answer = y.io.emit("sync-step-1", PANICKING_VECTOR, namespace=y.ns, callback=True)
    assert isinstance(answer, bytes)
    pycrdt.Doc().apply_update(answer)
    assert [r.getMessage() for r in error_log.records] == []
    assert y.write(0, "encore ")["ok"] is True


def test_reserved_event_names_from_a_client_change_nothing(app, co_editing, error_log):
    """A client emitting "disconnect" or "connect" as an ordinary event must neither
    leave the room (its next update refused as "not joined") nor rejoin it (a fresh
    rate-limit budget, or write access recomputed)."""
    from coelab.documents.sockets import _connections

    app.config.update(YJS_UPDATES_BURST=4, YJS_UPDATES_PER_SECOND=0.0001)  # 1 for the sync
    client = app.test_client()
    login(client, co_editing["writer"].email)
    y = YClient(app, client, co_editing["document"].id)
    y.sync()
    sid = sid_of(y)
    connection = _connections[sid]
    y.io.emit("disconnect", "client namespace disconnect", namespace=y.ns)
    assert _connections.get(sid) is connection and sid in _rooms_sids(app, y)
    assert y.write(0, "a")["ok"] is True
    assert y.write(0, "b")["ok"] is True
    assert y.write(0, "c")["ok"] is True
    assert y.write(0, "d") == {"ok": False, "code": "rate-limited"}
    y.io.emit("connect", {"token": "x"}, namespace=y.ns)
    assert _connections.get(sid) is connection
    assert y.write(0, "e") == {"ok": False, "code": "rate-limited"}  # no fresh budget
    assert not error_log.records


def _rooms_sids(app, y):
    from coelab.documents.rooms import rooms

    return rooms().get(y_document_id(y)).sids


def y_document_id(y: YClient) -> int:
    return int(y.ns.split("|", 1)[1])


def test_events_from_sockets_that_never_joined(app, co_editing, error_log):
    """Two kinds of strangers: a socket whose connection to the document was refused
    (its packets are dropped), and a connected socket the server has no record of (as
    when its process restarted under it): told "not-joined", nothing stored."""
    from coelab.documents.sockets import _connections
    from socketio import packet

    document = co_editing["document"]
    refused = YClient(app, app.test_client(), document.id)  # anonymous: refused
    assert not refused.connected
    client = app.test_client()
    login(client, co_editing["writer"].email)
    stranger = YClient(app, client, document.id)
    _connections.pop(sid_of(stranger))
    valid = pycrdt.Doc()
    valid.get("content", type=pycrdt.Text).insert(0, "intrus")
    examples = {"n": 0}

    @FUZZ
    @given(event=st.sampled_from(["sync-step-1", "sync-update", "awareness-update"]),
           args=st.lists(st.one_of(payloads, st.just(valid.get_update())), max_size=3),
           ack=st.booleans())
    def run(event, args, ack):
        examples["n"] += 1
        before = stored_state(document.id)
        # the refused socket's packets reach the server all the same
        pkt = packet.Packet(packet.EVENT, data=[event, *args], namespace=refused.ns,
                            id=1 if ack else None)
        encoded = pkt.encode()
        try:
            for part in encoded if isinstance(encoded, list) else [encoded]:
                socketio.server._handle_eio_message(refused.io.eio_sid, part)
        except ValueError as exc:  # python-socketio drops a binary one before any handler
            assert str(exc) == "Unexpected binary packet"
        assert [e for e in refused.io.queue if e["namespace"] == refused.ns] == []
        answer = stranger.io.emit(event, *args, namespace=stranger.ns, callback=ack)
        codes = [e["args"][0]["code"] for e in stranger.io.get_received(stranger.ns)
                 if e["name"] == "yjs-error"]
        assert codes == ["not-joined"]
        assert no_answer(answer)
        assert stored_state(document.id) == before
        assert not error_log.records, [r.getMessage() for r in error_log.records]

    run()
    report("events from sockets that never joined", examples["n"])
    assert examples["n"] >= 50
    assert stored_state(document.id)[0] == ()
    assert docs.current_markdown(db.session.get(Document, document.id)) == TEMPLATE


# --- 2. every form endpoint ---------------------------------------------------------

NAME_RE = re.compile(r'<(?:input|select|textarea|button)\b[^>]*?\bname="([^"]+)"', re.S)
FILE_RE = re.compile(r'<input\b[^>]*?type="file"[^>]*?\bname="([^"]+)"'
                     r'|<input\b[^>]*?\bname="([^"]+)"[^>]*?type="file"', re.S)
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
FORM_ERROR = re.compile(r'class="(?:form-errors|errors)"|aria-invalid="true"|has-error')
# logging out, logging in again, password resets and invitations are the auth tests'
EXCLUDED = {"auth.logout", "auth.login", "auth.forgot_password", "auth.reset_password",
            "auth.accept_invitation"}
COMMON_NAMES = ["title", "name", "email", "first_name", "last_name", "description", "reason",
                "due_date", "start_date", "end_date", "date", "starts_at", "duration_minutes",
                "place", "video_link", "level", "position", "weight", "code", "label", "body",
                "comment", "summary", "role", "parcours", "user_id", "team_id", "deliverable_id",
                "authorship", "validated", "reasons", "confirmed_authors", "statement",
                "impartial", "file", "password", "new_password", "locale", "organisation"]

controls = st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20)
# a form can only carry what UTF-8 encodes: no lone surrogate (a browser replaces them,
# and the test client cannot even send them)
long_text = st.builds(lambda ch, n: ch * n, st.characters(exclude_categories=["Cs"]),
                      st.integers(1000, 70_000))
numbers = st.one_of(st.integers().map(str), st.floats().map(str), st.sampled_from(
    ["", "-1", "0", "1e400", "NaN", "inf", "١٢", "0x10", " 3 ", "99999999999999999999999"]))
dates = st.one_of(st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()),
                  st.sampled_from(["2026-02-30", "0000-00-00", "9999-12-31", "31/12/2026",
                                   "2026-1-1", "-1", "2026-12-31T25:00", "2026-11-30T10:00"]))
field_values = st.one_of(st.text(max_size=60), controls, long_text, numbers, dates,
                         st.sampled_from(["on", "y", "true", "1", "0", "trainer", "trainee",
                                          "team", "individual", "I", "II", "III"]))
form_values = st.one_of(field_values, st.lists(field_values, min_size=2, max_size=3))
json_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        st.text(max_size=40), controls, long_text)
json_bodies = st.dictionaries(
    st.sampled_from(["anchor", "quote", "body", "visibility", "version"]) | st.text(max_size=8),
    st.recursive(json_leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["start", "end"]) | st.text(max_size=5), inner, max_size=3),
        max_leaves=6),
    max_size=5) | json_leaves | st.lists(json_leaves, max_size=3)


class FormWorld:
    """A programme with a deliverable in review, its attachment, a comment thread, a
    jury panel and the competency framework; a logged-in client per role."""

    def __init__(self, app, make):
        import io

        from coelab.comments import operations as cops
        from coelab.deliverables import operations as dops
        from coelab.deliverables import workflow
        from coelab.jury import operations as jops
        from coelab.jury.models import PanelRole

        from cohort.framework import load_framework
        from recommendations.demo import seed_entries

        from .test_deliverables import PDF_BYTES, Programme, _partner

        load_framework()
        prog = Programme(make)
        case = dops.start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                                      title="Fusion", team=prog.team_t, details=_partner())
        workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                        statement_accepted=True)
        workflow.start_review(prog.trainer, case)
        attachment = dops.add_attachment(prog.p1, case, io.BytesIO(PDF_BYTES), "diapos.pdf")
        thread = cops.create_thread(prog.trainer, case, anchor=cops.Anchor(0, 5, 1),
                                    quote="Étude", body="Précisez.")
        panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury")
        member = jops.add_member(prog.coordinator, panel, prog.other_trainer,
                                 PanelRole.PRESIDENT)
        collection = dops.start_deliverable(prog.p2, prog.thematic, "recommendation_collection",
                                            title="Recueil", team=prog.team_h)
        entries = seed_entries(prog.p2, collection)
        membership_id = db.session.execute(text(
            "SELECT id FROM memberships WHERE user_id = :u"), {"u": prog.p1.id}).scalar()
        db.session.commit()
        ids = {"cohort_id": prog.transversal.id, "deliverable_id": case.id,
               "attachment_id": attachment.id, "thread_id": thread.id, "panel_id": panel.id,
               "member_id": member.id, "team_id": prog.team_t.id, "user_id": prog.p3.id,
               "membership_id": membership_id, "document_id": case.document_id,
               "collection_id": collection.id, "entry_id": entries[0].id}
        self.ids = ids
        self.args = {name: st.sampled_from([value] * 6 + [1, 999_999])
                     for name, value in ids.items()}
        self.args.update(
            kind_name=st.sampled_from(["collective_case_study", "mini_diagnostic", "x"]),
            key=st.sampled_from(["analyse", "ecrit", "nope"]),
            action=st.sampled_from(["start_review", "request_changes", "ready_for_jury",
                                    "x"]),
            token=st.text(min_size=1, max_size=40).filter(lambda t: "/" not in t))
        self.defaults = {k: 1 for k in ("competency_id", "block_id", "gathering_id",
                                        "notification_id", "module_id", "parcours_id",
                                        "session_id", "site_id")}
        self.users = {"coordinator": prog.coordinator, "trainer": prog.trainer,
                      "trainee": prog.p1}
        self.clients = {}
        for role, user in self.users.items():
            client = app.test_client()
            login(client, user.email)
            html = client.get("/dashboard").get_data(as_text=True)
            self.clients[role] = (client, CSRF_META.search(html).group(1))
        self.rules = sorted((r for r in app.url_map.iter_rules()
                             if "POST" in r.methods and r.endpoint not in EXCLUDED),
                            key=lambda r: r.rule)
        self.names, self.files = self._harvest(app)

    def url_args(self, rule, draw) -> dict:
        out = {}
        for name in rule.arguments:
            strategy = self.args.get(name)
            if name == "action" and rule.endpoint.startswith("comments."):
                strategy = st.sampled_from(["resolve", "reopen", "x"])
            items = getattr(rule._converters.get(name), "items", None)
            if strategy is None and items:
                # an ``any(...)`` segment: only its words build a URL
                strategy = st.sampled_from(sorted(items))
            if strategy is None:
                strategy = st.sampled_from([self.defaults.get(name, 1), 999_999])
            out[name] = draw(strategy)
        return out

    def _harvest(self, app):
        """The field names of each endpoint's form, read from the pages that show it."""
        from flask import url_for

        names: dict[str, set[str]] = {}
        files: dict[str, set[str]] = {}
        pages = set()
        with app.test_request_context():
            for rule in app.url_map.iter_rules():
                if "GET" not in rule.methods or rule.endpoint == "static":
                    continue
                values = {name: self._first(name) for name in rule.arguments}
                try:
                    pages.add(url_for(rule.endpoint, **values))
                except Exception:  # noqa: BLE001, S112 - a rule this world cannot build
                    continue
        for role in ("coordinator", "trainer", "trainee"):
            client, _token = self.clients[role]
            for path in sorted(pages):
                if "logout" in path:
                    continue
                response = client.get(path)
                if response.mimetype != "text/html":  # a PDF, a calendar, an image
                    continue
                html = response.get_data(as_text=True)
                for form in re.findall(r'<form\b[^>]*>.*?</form>', html, re.S):
                    action = re.search(r'action="([^"]*)"', form)
                    target = (action.group(1) if action and action.group(1) else path)
                    target = target.split("?")[0]
                    names.setdefault(target, set()).update(NAME_RE.findall(form))
                    for a, b in FILE_RE.findall(form):
                        files.setdefault(target, set()).add(a or b)
        return names, files

    def _first(self, name):
        return {"kind_name": "collective_case_study", "key": "analyse",
                "action": "start_review", "token": "x", **self.ids}.get(name, 1)


def table_counts() -> dict[str, int]:
    db.session.rollback()
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    db.session.rollback()
    return counts


@pytest.fixture
def form_world(app, make):
    return FormWorld(app, make)


@pytest.mark.slow  # hypothesis, every form endpoint
def test_random_form_data_to_every_form_endpoint(app, form_world, error_log):
    world = form_world
    assert len(world.rules) > 50
    examples = {"n": 0, "refused": 0, "done": 0, "by_status": {}}
    endpoints = set()

    @settings(FUZZ, max_examples=250)
    @given(data=st.data())
    def run(data):
        rule = data.draw(st.sampled_from(world.rules), label="rule")
        role = data.draw(st.sampled_from(["coordinator"] * 5 + ["trainer"] * 3
                                         + ["trainee"] * 2), label="role")
        client, token = world.clients[role]
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **world.url_args(rule, data.draw))
        known = sorted(world.names.get(url, set()) | set(COMMON_NAMES))
        before = table_counts()
        if rule.endpoint.startswith("comments."):
            body = data.draw(json_bodies, label="json")
            response = client.post(url, json=body, headers={"X-CSRFToken": token})
        else:
            form = data.draw(st.dictionaries(st.sampled_from(known) | st.text(max_size=12),
                                             form_values, max_size=10), label="form")
            for name in known:
                if name.endswith("csrf_token"):
                    form[name] = token
            form.setdefault("csrf_token", token)
            for name in world.files.get(url, ()):
                if data.draw(st.booleans(), label=f"file {name}"):
                    import io

                    form[name] = (io.BytesIO(data.draw(st.binary(max_size=2000))),
                                  data.draw(st.text(max_size=40), label="filename"))
            response = client.post(url, data=form)
        examples["n"] += 1
        endpoints.add(rule.endpoint)
        status = response.status_code
        examples["by_status"][status] = examples["by_status"].get(status, 0) + 1
        assert status != 500 and status < 500, (rule.endpoint, url, role)
        assert not error_log.records, [r.getMessage() for r in error_log.records]
        with client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        categories = {category for category, _message in flashes}
        html = response.get_data(as_text=True) if status == 200 else ""
        refused = (status >= 400 or ("error" in categories and "success" not in categories)
                   or (status == 200 and bool(FORM_ERROR.search(html))))
        if refused:
            examples["refused"] += 1
            after = table_counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, (rule.endpoint, url, role, status, changed)
        else:
            examples["done"] += 1

    run()
    report("form posts", examples["n"])
    print(f"  endpoints reached: {len(endpoints)} of {len(world.rules)}; refused: "
          f"{examples['refused']}, other outcomes: {examples['done']}; "
          f"statuses: {sorted(examples['by_status'].items())}")
    assert examples["n"] >= 50 and examples["refused"] > 0
