"""Compaction coordinated between processes (PostgreSQL): two apps, each with its own
rooms and its own connections as two `coelab serve` processes have, compact one document
at the same moment.

`rooms.compact` takes the document's row lock (SELECT ... FOR UPDATE) before it reads the
log: the second compaction waits for the first to commit, then finds the log it would
have folded already gone (its room catches up with the new snapshot), so that it removes
nothing and counts nobody's contribution twice.
"""

from __future__ import annotations

import os
import threading

import pycrdt
import pytest
from coelab import create_app
from coelab.db import db
from sqlalchemy import create_engine, func, select, text

from .conftest import base_config, separate_database
from .live import wait_for

SCHEMA = f"coelab_compaction_{os.getpid()}"


@pytest.fixture
def shared(backend, tmp_path):
    """Two apps on one PostgreSQL database (a schema of their own), and a document whose
    log holds 40 updates of two authors."""
    if backend != "postgresql":
        pytest.skip("compaction by several processes concerns PostgreSQL (several processes "
                    "refuse SQLite): set COELAB_TEST_DATABASE_URL")
    with separate_database(backend, tmp_path, SCHEMA) as url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        one = create_app(base_config(tmp_path / "one", url))
        two = create_app(base_config(tmp_path / "two", url))
        with one.app_context():
            db.create_all()
            from .conftest import Factory

            make = Factory()
            cohort = make.cohort()
            people = [make.user("Ada"), make.user("Bo")]
            for person in people:
                make.member(cohort, person)
            team = make.team(cohort, "Équipe", people)
            from coelab.documents.operations import create_document

            document = create_document(None, cohort, title="Shared", template="Départ\n",
                                       team=team)
            world = {"document_id": document.id, "people": [p.id for p in people],
                     "url": url, "one": one, "two": two}
            db.session.remove()
        try:
            yield world
        finally:
            for app in (one, two):
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()


def _append(app, world, source: pycrdt.Doc, count: int, start: int) -> None:
    """``count`` updates typed in ``source`` (alternating authors), stored through
    ``app``'s room as a socket's would be."""
    from coelab.documents.rooms import append, rooms
    from coelab.models import User

    text_ = source.get("content", type=pycrdt.Text)
    with app.app_context():
        room = rooms().get(world["document_id"])
        for i in range(start, start + count):
            user = db.session.get(User, world["people"][i % 2])
            before = source.get_state()
            text_.insert(0, f"<{i}>")
            appended = append(room, user, source.get_update(before),
                              lambda *_: True)
            assert appended.seq is not None
        db.session.remove()


def _source(app, world) -> pycrdt.Doc:
    from coelab.documents.models import Document

    with app.app_context():
        snapshot = db.session.get(Document, world["document_id"]).snapshot
        db.session.remove()
    doc = pycrdt.Doc()
    doc.apply_update(snapshot)
    return doc


def test_two_processes_compacting_at_once_fold_the_log_once(shared):
    from coelab.documents.models import Document, DocumentContribution, DocumentUpdate
    from coelab.documents.rooms import compact, load_room, rooms

    world, one, two = shared, shared["one"], shared["two"]
    source = _source(one, world)
    _append(one, world, source, 30, 0)
    with two.app_context():  # the second process opened the document 10 updates ago
        rooms().get(world["document_id"])
        db.session.remove()
    _append(one, world, source, 10, 30)
    expected = str(source.get("content", type=pycrdt.Text))
    with one.app_context():
        typed = {user_id: inserted for user_id, inserted in db.session.execute(
            select(DocumentUpdate.user_id, func.sum(DocumentUpdate.inserted))
            .where(DocumentUpdate.document_id == world["document_id"])
            .group_by(DocumentUpdate.user_id)).all()}
        last = db.session.scalar(select(func.max(DocumentUpdate.id)))
        db.session.remove()
    assert sum(typed.values()) == sum(len(f"<{i}>") for i in range(40))

    # a third connection holds the row lock, so that both compactions start and wait
    holder = create_engine(world["url"]).connect()
    transaction = holder.begin()
    holder.execute(text("SELECT id FROM documents WHERE id = :id FOR UPDATE"),
                   {"id": world["document_id"]})
    holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()
    removed: dict[str, int] = {}
    errors: list[BaseException] = []

    def compact_in(name, app):
        try:
            with app.app_context():
                removed[name] = compact(rooms().get(world["document_id"]))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=compact_in, args=(name, app))
               for name, app in (("one", one), ("two", two))]
    for thread in threads:
        thread.start()
    try:
        # both are waiting for the row lock: they run at once (asked on a connection of
        # its own: a transaction sees the activity as it was when it first asked)
        watcher = create_engine(world["url"], isolation_level="AUTOCOMMIT")

        def waiting() -> int:
            """Backends waiting behind the holder, directly or behind another waiter
            (the second waits for the first, which holds the row's tuple lock)."""
            with watcher.connect() as connection:
                rows = connection.execute(text(
                    "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity")).all()
            behind = {holder_pid}
            while True:
                more = {pid for pid, blockers in rows if set(blockers) & behind} - behind
                if not more:
                    return len(behind) - 1
                behind |= more

        assert wait_for(lambda: waiting() == 2, timeout=20)
        watcher.dispose()
    finally:
        transaction.commit()
        holder.close()
        for thread in threads:
            thread.join(30)
    assert errors == []
    # one folded the whole log, the other found nothing left to fold
    assert sorted(removed.values()) == [0, 40]

    with one.app_context():
        document = db.session.get(Document, world["document_id"])
        assert document.snapshot_seq == last
        assert db.session.scalar(select(func.count()).select_from(DocumentUpdate).where(
            DocumentUpdate.document_id == world["document_id"])) == 0
        # each author's contribution counted once
        counted = {c.user_id: c.inserted for c in db.session.scalars(
            select(DocumentContribution).where(
                DocumentContribution.document_id == world["document_id"]))}
        assert counted == typed
        # the snapshot holds the text, and a fresh process reads it
        fresh = pycrdt.Doc()
        fresh.apply_update(document.snapshot)
        assert str(fresh.get("content", type=pycrdt.Text)) == expected
        assert load_room(world["document_id"]).markdown() == expected
        db.session.remove()
    # both processes' rooms hold the text, and go on appending to the same log
    for app in (one, two):
        with app.app_context():
            assert rooms().get(world["document_id"]).markdown() == expected
            db.session.remove()
    _append(two, world, source, 4, 40)
    expected = str(source.get("content", type=pycrdt.Text))
    with one.app_context():
        from coelab.documents.rooms import catch_up

        room = rooms().get(world["document_id"])
        with room.lock:
            catch_up(room)
        assert room.markdown() == expected
        db.session.remove()
