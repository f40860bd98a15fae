"""Access ends when membership ends: open sockets follow every committed change of who
may read or write a document (coelab.documents.access), in one process here; across
processes through Redis in tests/test_access_live.py."""

from __future__ import annotations

import time

import pycrdt
import pytest
from coelab import operations as ops
from coelab.db import db, transaction
from coelab.documents import awareness
from coelab.documents import operations as docs
from coelab.documents.sockets import _connections
from coelab.extensions import socketio
from coelab.jury import operations as jops
from coelab.jury.models import PanelRole
from coelab.models import CohortRole, Membership, TeamMember
from sqlalchemy import delete, select

from .conftest import socket_token as make_token
from .test_jury import ready  # noqa: F401 - fixture
from .test_realtime import TEMPLATE, YClient, connect, team_doc  # noqa: F401

DEADLINE = 5.0  # seconds: a bound for a slow machine, not the latency promised


def wait_until(predicate, timeout: float = DEADLINE) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def errors_seen(client: YClient) -> list[str]:
    """The error codes the client was sent, connected or not (the test client's own
    get_received refuses once disconnected)."""
    io = client.io._target
    mine = [event for event in io.queue if event["namespace"] == client.ns]
    io.queue = [event for event in io.queue if event["namespace"] != client.ns]
    return client.errors(mine)


def revoked_in_time(client: YClient) -> bool:
    """Told ``access-revoked``, then disconnected by the server, before the deadline."""
    errors: list[str] = []

    def done() -> bool:
        errors.extend(errors_seen(client))
        return not client.connected

    return wait_until(done) and errors + errors_seen(client) == ["access-revoked"]


@pytest.fixture
def team_world(team_doc):  # noqa: F811 - the fixture of tests/test_realtime.py
    """A team document of Amandine and Louis; Claire trains the cohort (a reader)."""
    return team_doc


def socket_id(client: YClient) -> str:
    return socketio.server.manager.sid_from_eio_sid(client.io.eio_sid, client.ns)


def joined(app, user, document) -> YClient:
    client = connect(app, user, document)
    assert client.connected
    client.sync()
    client.receive()
    return client


def test_a_member_taken_out_of_the_team_is_disconnected(app, team_world):
    w = team_world
    amandine = joined(app, w["amandine"], w["document"])
    her_socket = socket_id(amandine)
    assert her_socket in _connections
    louis = joined(app, w["louis"], w["document"])
    trainer = joined(app, w["trainer"], w["document"])
    state = awareness.encode([awareness.Entry(4242, 1, '{"cursor":null}')])
    amandine.io.emit("awareness-update", state, namespace=amandine.ns)
    assert any(e["name"] == "awareness-update" for e in louis.receive())
    ops.set_team_members(None, w["team"], [w["louis"]])
    assert revoked_in_time(amandine)
    # her presence is gone for the others, as when a socket leaves
    left: list = []
    assert wait_until(lambda: (left.extend(
        entry for e in louis.receive() if e["name"] == "awareness-update"
        for entry in awareness.decode(e["args"][0])),
        any(x.client == 4242 and x.state == "null" for x in left))[1])
    # nobody else was touched: they still write and read each other
    assert louis.connected and trainer.connected
    assert louis.write(0, "Louis continue. ")["ok"] is True
    assert wait_until(lambda: (trainer.receive(), "Louis continue." in str(trainer.text))[1])
    assert "access-revoked" not in louis.errors(louis.receive()) + trainer.errors(
        trainer.receive())
    # and the person's socket is forgotten, presence included
    assert her_socket not in _connections


def test_a_person_removed_from_the_cohort_is_disconnected(app, team_world):
    w = team_world
    louis = joined(app, w["louis"], w["document"])
    trainer = joined(app, w["trainer"], w["document"])
    amandine = joined(app, w["amandine"], w["document"])

    def membership(user):
        return db.session.scalar(select(Membership).where(
            Membership.cohort_id == w["cohort"].id, Membership.user_id == user.id))

    ops.remove_member(None, membership(w["louis"]))  # a trainee: out of the team too
    assert revoked_in_time(louis)
    ops.remove_member(None, membership(w["trainer"]))  # a reader
    assert revoked_in_time(trainer)
    assert amandine.connected
    assert amandine.write(0, "Toujours là. ")["ok"] is True


@pytest.fixture
def judged(prog, ready):  # noqa: F811 - the fixture of tests/test_jury.py
    """A case study ready for its jury, with a panel whose member declared impartiality."""
    case = ready
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury du 12 février")
    jops.assign(prog.coordinator, panel, case)
    member = jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    jops.declare(member, impartial=True)
    return {"case": case, "panel": panel, "member": member}


def test_a_juror_removed_from_the_panel_is_disconnected(app, prog, judged):
    document = judged["case"].document
    juror = YClient(app, app.test_client(), document.id,
                    auth={"token": make_token(prog.other_trainer.id, document.id)})
    assert juror.connected
    author = joined(app, prog.p1, document)
    jops.remove_member(prog.coordinator, judged["member"])
    assert revoked_in_time(juror)
    assert author.connected


def test_a_panel_no_longer_judging_the_work_closes_its_jurors_sockets(app, prog, judged):
    from coelab.jury.models import PanelDeliverable

    document = judged["case"].document
    juror = YClient(app, app.test_client(), document.id,
                    auth={"token": make_token(prog.other_trainer.id, document.id)})
    assert juror.connected
    with transaction():
        db.session.execute(delete(PanelDeliverable).where(
            PanelDeliverable.panel_id == judged["panel"].id))
    assert revoked_in_time(juror)


@pytest.fixture
def cohort_doc(app, make):
    """A document every trainee of the cohort writes."""
    cohort = make.cohort()
    ines, jules = make.user("Inès", "Moreau"), make.user("Jules", "Petit")
    make.member(cohort, ines)
    make.member(cohort, jules)
    document = docs.create_document(None, cohort, title="Journal de la cohorte",
                                    template=TEMPLATE)
    return {"cohort": cohort, "document": document, "ines": ines, "jules": jules}


def _connection(client: YClient):
    """The server's record of this client's socket."""
    from coelab.extensions import socketio

    sid = socketio.server.manager.sid_from_eio_sid(client.io._target.eio_sid, client.ns)
    return _connections[sid]


def test_a_writer_who_becomes_a_reader_keeps_reading_but_is_refused_writing(app, cohort_doc):
    w = cohort_doc
    ines = joined(app, w["ines"], w["document"])
    jules = joined(app, w["jules"], w["document"])
    membership = db.session.scalar(select(Membership).where(
        Membership.cohort_id == w["cohort"].id, Membership.user_id == w["ines"].id))
    with transaction():  # a trainee becomes a trainer of the cohort: a reader
        membership.role = CohortRole.TRAINER
        membership.parcours = None
    # read-only as soon as the change is committed, before she even tries to write
    assert wait_until(lambda: _connection(ines).may_write is False)
    ack = ines.write(0, "Réécriture ")
    assert ack == {"ok": False, "code": "read-only"}
    assert "read-only" in ines.errors(ines.receive())
    assert ines.connected
    assert jules.write(0, "Jules écrit. ")["ok"] is True
    assert wait_until(lambda: (ines.receive(), "Jules écrit." in str(ines.text))[1])
    assert ines.connected and "access-revoked" not in ines.errors(ines.receive())


def test_a_frozen_then_reopened_document_follows_for_open_sockets(app, cohort_doc):
    w = cohort_doc
    ines = joined(app, w["ines"], w["document"])
    document = w["document"]
    with transaction():
        document.frozen = True
    assert wait_until(lambda: _connection(ines).may_write is False)
    # an edit made elsewhere (hers would stay pending in her document once refused)
    elsewhere = pycrdt.Doc()
    elsewhere.get("content", type=pycrdt.Text).insert(0, "Figé ")
    assert ines.send(elsewhere.get_update()) == {"ok": False, "code": "read-only"}
    with transaction():
        document.frozen = False
    assert wait_until(lambda: _connection(ines).may_write is True)
    assert ines.write(0, "Rouvert ")["ok"] is True
    assert ines.connected


def test_a_reader_answering_with_what_the_server_has_is_not_refused(app, cohort_doc):
    """A reader's copy of the text (the browser's IndexedDB, a second visit) answers the
    server's sync-step-1 with its whole delete set even when the server has everything:
    that answer was refused as a change ("vous pouvez lire ce document, pas le
    modifier"), shown to every reader coming back to a document."""
    w = cohort_doc
    ines = joined(app, w["ines"], w["document"])
    assert ines.write(0, "Bonjour le monde. ")["ok"] is True
    before = ines.doc.get_state()
    del ines.text[8:11]  # "le " deleted: the server's delete set is not empty
    assert ines.send(ines.doc.get_update(before))["ok"] is True
    with transaction():
        w["document"].frozen = True  # everyone reads now
    assert wait_until(lambda: _connection(ines).may_write is False)
    ines.receive()
    # her whole copy: nothing the server lacks, though not the empty update
    everything = ines.doc.get_update(ines.doc.get_state())
    assert everything != b"\x00\x00"
    assert ines.send(everything) == {"ok": True, "seq": None}
    assert ines.send(ines.doc.get_update()) == {"ok": True, "seq": None}
    assert ines.errors(ines.receive()) == []
    # a deletion the server does not have is a change, refused
    before = ines.doc.get_state()
    del ines.text[0:8]
    assert ines.send(ines.doc.get_update(before)) == {"ok": False, "code": "read-only"}
    # and so is an insertion
    assert ines.write(0, "Non. ") == {"ok": False, "code": "read-only"}
    assert ines.connected


def test_a_bulk_delete_of_team_members_is_seen_too(app, team_world):
    w = team_world
    amandine = joined(app, w["amandine"], w["document"])
    louis = joined(app, w["louis"], w["document"])
    with transaction():
        db.session.execute(delete(TeamMember).where(TeamMember.user_id == w["amandine"].id))
    assert revoked_in_time(amandine)
    assert louis.connected


def test_a_rolled_back_removal_announces_nothing(app, team_world, monkeypatch):
    from coelab.documents import access

    w = team_world
    amandine = joined(app, w["amandine"], w["document"])
    announced = []
    real = access.announce
    monkeypatch.setattr(access, "announce",
                        lambda app, change: (announced.append(change), real(app, change)))

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction():
        ops.set_team_members(None, w["team"], [w["louis"]])
        raise Abandoned
    # nor is the abandoned removal announced by the next commit of the session
    ops.rename_team(None, w["team"], "Équipe Frioul")
    assert announced == []
    time.sleep(0.3)
    assert amandine.connected
    assert amandine.write(0, "Toujours membre. ")["ok"] is True
    assert "access-revoked" not in amandine.errors(amandine.receive())


def test_a_removal_committed_while_the_socket_connects_is_not_missed(app, team_world,
                                                                    monkeypatch):
    """The connect handler read the access before the removal committed, and registers
    the socket after the announcement was handled: the socket is re-checked once
    connected."""
    from coelab.documents import sockets

    w = team_world
    original = sockets.may_write

    def removal_meanwhile(user, document):
        allowed = original(user, document)
        if user.id == w["amandine"].id:
            tm = db.session.scalar(select(TeamMember).where(
                TeamMember.user_id == w["amandine"].id))
            with transaction():
                db.session.delete(tm)
        return allowed

    monkeypatch.setattr(sockets, "may_write", removal_meanwhile)
    amandine = connect(app, w["amandine"], w["document"])
    assert revoked_in_time(amandine)
