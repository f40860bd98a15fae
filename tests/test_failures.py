"""A database failure in the middle of an operation leaves no half-written record.

Each test sweeps an operation: it makes the database fail at its 1st statement (or
commit), then at its 2nd, and so on, until the operation runs to its end. After every
failure the whole database must be as before (every row of every table compared, the
stored files too); once a failure lands after the commit (say, while notifying), the
work must be complete. The count of failure points tried is printed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import contextmanager
from itertools import count

import pycrdt
import pytest
from coelab.db import db
from coelab.deliverables import files, workflow
from coelab.documents import operations as docs
from coelab.documents.models import Document
from coelab.documents.rooms import TEXT, append, rooms
from coelab.documents.sockets import may_write
from coelab.operations import OperationError
from sqlalchemy import event, select, text

from .conftest import login
from .test_deliverables import PDF_BYTES
from .test_realtime import YClient
from .test_workflow import write

# written after the operation's commit, and allowed to fail on their own
OUTSIDE = {"notifications"}


class SimulatedFailure(Exception):
    pass


class FailAt:
    """Makes the n-th statement or commit on the engine fail, as a lost connection or
    a full disk would (a DBAPI error, wrapped by SQLAlchemy like a real one)."""

    def __init__(self, n: int):
        self.n = n
        self.seen = 0
        self.fired: str | None = None

    def _step(self, what: str, dbapi_error) -> None:
        self.seen += 1
        if self.seen == self.n:
            self.fired = what
            raise dbapi_error("simulated database failure")

    def before_cursor_execute(self, conn, cursor, statement, *args):
        self._step(statement, conn.dialect.dbapi.OperationalError)

    def commit(self, conn):
        self._step("COMMIT", SimulatedFailure)

    @contextmanager
    def installed(self, engine):
        event.listen(engine, "before_cursor_execute", self.before_cursor_execute)
        event.listen(engine, "commit", self.commit)
        try:
            yield self
        finally:
            event.remove(engine, "before_cursor_execute", self.before_cursor_execute)
            event.remove(engine, "commit", self.commit)


def dump() -> dict[str, list]:
    """Every row of every table (but those written after the commit), as text."""
    db.session.rollback()
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name in OUTSIDE:
            continue
        rows = db.session.execute(select(table)).all()
        out[table.name] = sorted(repr(tuple(row)) for row in rows)
    db.session.rollback()
    return out


def stored_files() -> set[str]:
    folder = files.root()
    return ({str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
            if folder.exists() else set())


def sweep(operation: Callable[[], object], expected: dict[str, int],
          check: Callable[[], None] | None = None) -> int:
    """Fail the operation at each of its statements in turn (see the module's doc);
    ``expected``: how many rows the complete operation adds to each table. Returns the
    number of failure points tried."""
    before, files_before = dump(), stored_files()
    for n in count(1):
        failing = FailAt(n)
        raised = None
        with failing.installed(db.engine):
            try:
                operation()
            except Exception as exc:  # noqa: BLE001 - what the sweep is about
                raised = exc
        db.session.rollback()
        db.session.expire_all()
        after = dump()
        if failing.fired and after == before:
            # nothing written: the operation must have said so, and left no file
            assert raised is not None, f"failure at step {n} ({failing.fired}) was swallowed"
            assert not isinstance(raised, OperationError), raised
            assert stored_files() == files_before, f"a file is left after step {n}"
            if check:
                check()
            continue
        # something was written: it must be all of it
        if not failing.fired:
            assert raised is None, raised
        added = {t: len(after[t]) - len(before[t]) for t in before
                 if len(after[t]) != len(before[t])}
        assert added == expected, (
            f"failure at step {n} ({failing.fired}) left a partial write: {added}")
        if check:
            check()
        print(f"\n{operation.__name__}: failure injected at {n - 1} points before the "
              f"complete run, all-or-nothing each time")
        assert n > 3
        return n
    raise AssertionError("unreachable")


def room_matches_the_database(document_id: int) -> None:
    """The open room (if any) holds exactly what a fresh load of the log gives."""
    room = rooms().peek(document_id)
    live = room.markdown() if room is not None else None
    rooms().evict(document_id)
    stored = docs.current_markdown(db.session.get(Document, document_id))
    if live is not None:
        assert live == stored


def test_submit_is_all_or_nothing(prog, case):
    write(prog.p1, case.document, " Texte remis.")
    document_id = case.document_id

    def submit():
        workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                        statement_accepted=True)

    def check():
        room_matches_the_database(document_id)

    sweep(submit, {"document_versions": 1, "deliverable_submissions": 1,
                   "deliverable_transitions": 1, "audit_events": 3}, check)
    db.session.refresh(case)
    assert case.state == "submitted" and case.document.frozen
    assert workflow.submissions(case)[0].version.markdown.endswith(" Texte remis.")


def test_request_changes_is_all_or_nothing(prog, case):
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)

    def request_changes():
        workflow.request_changes(prog.trainer, case, "Reprenez la conclusion.")

    sweep(request_changes, {"deliverable_transitions": 1, "audit_events": 2})
    db.session.refresh(case)
    assert case.state == "changes_requested" and not case.document.frozen


def test_creating_a_comment_thread_is_all_or_nothing(prog, case):
    from coelab.comments import operations as cops

    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)

    def create_thread():
        cops.create_thread(prog.trainer, case, anchor=cops.Anchor(0, 5, 1), quote="Étude",
                           body="Précisez ce passage.")

    sweep(create_thread, {"comment_threads": 1, "comments": 1, "audit_events": 1})


def test_an_attachment_is_all_or_nothing_and_leaves_no_file(prog, case):
    from coelab.deliverables import operations as dops

    def add_attachment():
        dops.add_attachment(prog.p1, case, io.BytesIO(PDF_BYTES), "diapos.pdf")

    before = stored_files()
    sweep(add_attachment, {"deliverable_attachments": 1, "audit_events": 1})
    attachment = db.session.scalars(select(dops.Attachment)).one()
    path = files.path_for(attachment.stored_name)
    assert stored_files() - before == {str(path.relative_to(files.root()))}
    assert path.read_bytes() == PDF_BYTES


def test_removing_an_attachment_keeps_the_file_until_committed(prog, case):
    from coelab.deliverables import operations as dops

    attachment = dops.add_attachment(prog.p1, case, io.BytesIO(PDF_BYTES), "diapos.pdf")
    path = files.path_for(attachment.stored_name)

    def remove_attachment():
        dops.remove_attachment(prog.p1, db.session.get(dops.Attachment, attachment.id))

    def check():
        # after a failure the row is still there, and so must its file be
        if db.session.get(dops.Attachment, attachment.id) is not None:
            assert path.read_bytes() == PDF_BYTES

    sweep(remove_attachment, {"deliverable_attachments": -1, "audit_events": 1}, check)
    assert not path.exists()


def test_scoring_is_all_or_nothing(app, prog, case):
    """On SQLite, the savepoint that makes the cohort's copy of the rubric, taken before
    any write, used to become the transaction: releasing it committed the copy, left
    behind by a failure later in the operation (fixed by ``coelab.db.savepoint``)."""
    from coelab.assessments import operations as aops

    from cohort.framework import load_framework

    from .test_assessments import CASE_LEVELS

    load_framework()
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)

    def save_assessment():
        aops.save_assessment(prog.trainer, case, levels=CASE_LEVELS, comments={},
                             overall_comment="Solide.", submit=True)

    # the cohort's copy of the rubric, the assessment, and their three audit events
    sweep(save_assessment, {"cohort_rubrics": 1, "assessments": 1, "audit_events": 3})


def test_a_jury_decision_is_all_or_nothing(app, prog, case):
    from coelab.assessments import operations as aops
    from coelab.jury import operations as jops

    from cohort.framework import load_framework

    from .test_assessments import CASE_LEVELS
    from .test_jury import _scheduled, agreed

    load_framework()
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    _panel, president, pro = _scheduled(prog, case, past=True)
    for juror in (president.user, pro.user):
        aops.save_assessment(juror, case, levels=CASE_LEVELS, comments={},
                             overall_comment=None, submit=True)
    jops.open_deliberation(prog.other_trainer, case)
    levels = agreed(case)

    def decide():
        jops.decide(prog.other_trainer, case, validated=True, reasons="Travail solide.",
                    agreed_levels=levels)

    sweep(decide, {"jury_decisions": 1, "deliverable_transitions": 1, "audit_events": 2})


# --- co-editing ---------------------------------------------------------------------


@pytest.fixture
def team_doc(app, make):
    cohort = make.cohort()
    amandine, louis = make.user("Amandine", "Roux"), make.user("Louis", "Ferrand")
    make.member(cohort, amandine)
    make.member(cohort, louis)
    team = make.team(cohort, "Équipe", [amandine, louis])
    document = docs.create_document(None, cohort, title="Texte", template="Départ\n",
                                    team=team)
    return {"document": document, "amandine": amandine, "louis": louis}


def test_a_failing_append_leaves_the_room_as_the_log(app, team_doc):
    """Whatever statement of an update's append fails, the update is refused, the room
    is rebuilt from the log (never holding an unstored update), and the next client is
    given exactly the stored text."""
    document = team_doc["document"]
    client = app.test_client()
    login(client, team_doc["amandine"].email)
    writer = YClient(app, client, document.id)
    writer.sync()
    tried = 0
    for n in count(1):
        failing = FailAt(n)
        before = dump()
        with failing.installed(db.engine):
            ack = writer.write(0, f"[{n}]")
        db.session.rollback()
        ok = isinstance(ack, dict) and ack.get("ok") is True
        if not failing.fired:
            assert ok, ack
            break
        tried += 1
        if ok:
            # the failure came after the commit (nothing else runs then): stored
            assert dump()["document_updates"] != before["document_updates"]
        else:
            assert dump() == before
            # the writer's own copy holds the refused edit: a fresh client must not
            fresh_client = app.test_client()
            login(fresh_client, team_doc["louis"].email)
            reader = YClient(app, fresh_client, document.id)
            reader.sync()
            db.session.expire_all()
            assert str(reader.text) == docs.current_markdown(
                db.session.get(Document, document.id))
            assert f"[{n}]" not in str(reader.text)
            reader.io.disconnect(namespace=reader.ns)
            room_matches_the_database(document.id)
            # a client that lost an edit re-sends it on its next sync (y-socket.io):
            # here, the writer starts again from the stored text
            writer.io.disconnect(namespace=writer.ns)
            writer = YClient(app, client, document.id)
            writer.sync()
    assert tried >= 3
    print(f"\nco-editing append: failure injected at {tried} points")
    rooms().evict(document.id)
    assert docs.current_markdown(db.session.get(Document, document.id)).startswith(f"[{n}]")


def test_a_failing_insert_of_a_batch_refuses_every_update_of_it(app, team_doc):
    """Updates stored together fail together: every author of the batch is refused,
    nothing of it is stored and the room is evicted, then rebuilt from the log."""
    from coelab.documents.rooms import _Pending

    document = team_doc["document"]
    room = rooms().get(document.id)
    updates = []
    for word in ("un ", "deux "):
        source = pycrdt.Doc()
        source.apply_update(room.doc.get_update())
        content = source.get(TEXT, type=pycrdt.Text)
        vector = source.get_state()
        content.insert(0, word)
        updates.append(source.get_update(vector))
    waiting = _Pending(team_doc["louis"], updates[0], "sid-1")
    room.pending.append(waiting)
    before = dump()

    def fail_on_insert(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO DOCUMENT_UPDATES"):
            raise conn.dialect.dbapi.OperationalError("simulated database failure")

    event.listen(db.engine, "before_cursor_execute", fail_on_insert)
    try:
        with pytest.raises(Exception, match="simulated database failure"):
            append(room, team_doc["amandine"], updates[1], may_write, origin="sid-2")
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_on_insert)
    db.session.rollback()
    assert waiting.done.is_set() and waiting.error is not None and waiting.seq is None
    assert rooms().peek(document.id) is None  # evicted: it held the refused updates
    assert dump() == before
    assert docs.current_markdown(db.session.get(Document, document.id)) == "Départ\n"
    count_ = db.session.scalar(text("SELECT count(*) FROM document_updates"))
    assert count_ == 0


def test_creating_a_competency_block_is_all_or_nothing(app):
    """Its unique code is checked in a savepoint, inside the operation's transaction."""
    from coelab.assessments import operations as aops

    def create_block():
        aops.create_block(None, code="BLOC-X", title="Bloc de test")

    sweep(create_block, {"competency_blocks": 1, "audit_events": 1})


def test_a_sockets_updates_are_stored_in_the_order_they_came(app, team_doc, monkeypatch):
    """An update builds on its sender's previous ones: stored without them it stays
    invisible (kept aside by Yjs), acknowledged yet lost if the sender never comes back
    (seen with kill -9 on PostgreSQL, where a handler yields on a database read before
    queueing its update and the next update of the same socket overtook it)."""
    import threading

    from coelab.documents import sockets
    from coelab.extensions import socketio

    document = team_doc["document"]
    client = app.test_client()
    login(client, team_doc["amandine"].email)
    y = YClient(app, client, document.id)
    y.sync()
    sid = socketio.server.manager.sid_from_eio_sid(y.io.eio_sid, y.ns)
    sender = sockets.Sender(sid, y.ns, socketio.server.get_environ(sid, namespace=y.ns))
    sockets._connections[sid].principal = None  # the first update reads the account
    updates = []
    for word in ("un ", "deux "):
        before = y.doc.get_state()
        y.text.insert(len(str(y.text)), word)
        updates.append(y.doc.get_update(before))
    reading, overtaken = threading.Event(), threading.Event()
    original = sockets._user

    def slow_user(connection):
        if not reading.is_set():  # the first update's handler is slow here
            reading.set()
            overtaken.wait(1)
        return original(connection)

    monkeypatch.setattr(sockets, "_user", slow_user)
    acks: dict[str, dict] = {}

    def take(name, update):
        with app.app_context():
            acks[name] = sockets._take_update(sender, update, ack_requested=True)
            db.session.remove()

    first = threading.Thread(target=take, args=("un", updates[0]))
    first.start()
    assert reading.wait(5)
    second = threading.Thread(target=take, args=("deux", updates[1]))
    second.start()
    second.join(0.5)
    overtaken.set()
    first.join(10)
    second.join(10)
    assert acks["un"]["ok"] and acks["deux"]["ok"]
    assert acks["un"]["seq"] < acks["deux"]["seq"]


def test_an_update_yrs_panics_on_is_refused_and_the_room_rebuilt(app, team_doc,
                                                                monkeypatch):
    """pycrdt raises a panic of yrs as PanicException, a BaseException: an update it
    panics on is refused as invalid (not a server error, not acknowledged), the rest of
    its batch is stored, and the room, which may hold half of it, is rebuilt."""
    from coelab.documents.rooms import Room

    class PanicException(BaseException):  # what pyo3 raises, by name
        pass

    document = team_doc["document"]
    client = app.test_client()
    login(client, team_doc["amandine"].email)
    y = YClient(app, client, document.id)
    y.sync()
    original = Room.apply

    def apply(self, update, user_id):
        if b"poison" in update:
            self.text.insert(0, "half-")  # what a panic may leave behind
            raise PanicException("called `Option::unwrap()` on a `None` value")
        return original(self, update, user_id)

    monkeypatch.setattr(Room, "apply", apply)
    before = dump()
    assert y.write(0, "poison ") == {"ok": False, "code": "invalid-update"}
    assert y.errors(y.receive()) == ["invalid-update"]
    assert dump() == before
    assert rooms().peek(document.id) is None  # evicted: it held "half-"
    fresh = YClient(app, client, document.id)
    fresh.sync()
    assert str(fresh.text) == "Départ\n"
    assert fresh.write(0, "sain ")["ok"] is True
