"""Real server processes: cross-process fan-out through Redis, and kill -9 durability."""

from __future__ import annotations

import random
import uuid

import pytest
from coelab import create_app
from coelab.db import db

from .conftest import base_config, separate_database
from .live import Server, SocketDoc, run, server_env, wait_for

pytestmark = pytest.mark.slow

SCHEMA = "coelab_live"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def live_database(backend, tmp_path):
    with separate_database(backend, tmp_path, SCHEMA) as url:
        yield url


@pytest.fixture
def world(live_database, tmp_path):
    """A migrated database with a team document, and tokens for its two authors."""
    env = server_env(tmp_path, live_database,
                     COELAB_MESSAGE_QUEUE=REDIS,
                     COELAB_MESSAGE_QUEUE_CHANNEL=f"coelab-test-{uuid.uuid4().hex}")
    run(["db", "upgrade"], env)
    app = create_app(base_config(tmp_path, live_database, SECRET_KEY="live-test-secret"))
    with app.app_context():
        from datetime import date

        from coelab import operations as ops
        from coelab.documents.operations import create_document
        from coelab.documents.tokens import make_token
        from coelab.models import CohortRole, ModuleScope, Parcours

        cohort = ops.create_cohort(None, name="Live", module_scope=ModuleScope.TRANSVERSAL,
                                   start_date=date(2026, 11, 2), end_date=date(2027, 2, 26))
        people = [ops.create_user(None, email=f"p{i}@example.org", first_name="P",
                                  last_name=str(i), password="correct horse battery")
                  for i in range(2)]
        for person in people:
            ops.add_member(None, cohort, person, CohortRole.TRAINEE, Parcours.I)
        team = ops.create_team(None, cohort, "Équipe")
        ops.set_team_members(None, team, people)
        document = create_document(None, cohort, title="Live", template="Départ\n", team=team)
        tokens = [make_token(p.id, document.id) for p in people]
        document_id = document.id
        db.session.remove()
        db.engine.dispose()
    return {"env": env, "document_id": document_id, "tokens": tokens, "app": app,
            "logs": tmp_path}


def test_two_processes_share_edits_through_redis(world):
    one = Server(world["env"], world["logs"] / "one.log").start()
    two = Server(world["env"], world["logs"] / "two.log").start()
    try:
        a = SocketDoc(one.url, world["document_id"], world["tokens"][0])
        b = SocketDoc(two.url, world["document_id"], world["tokens"][1])
        a.sync()
        b.sync()
        assert a.content() == b.content() == "Départ\n"
        assert a.write(0, "Écrit sur le serveur un. ")["ok"] is True
        assert wait_for(lambda: "Écrit sur le serveur un." in b.content())
        assert b.write(len(b.content().encode()), "Puis sur le serveur deux.")["ok"] is True
        assert wait_for(lambda: "Puis sur le serveur deux." in a.content())
        # concurrent edits from both sides
        for i in range(20):
            (a if i % 2 else b).write(0, f"[{i}]")
        assert wait_for(lambda: a.content() == b.content() and a.content().count("[") == 20)
        # each process's copy of the document equals the clients' text
        for server in (one, two):
            probe = SocketDoc(server.url, world["document_id"], world["tokens"][0])
            probe.sync()
            assert probe.content() == a.content()
            probe.close()
        a.close()
        b.close()
    finally:
        one.stop()
        two.stop()
    # and so does the stored log, read by a fresh process
    restarted = Server(world["env"], world["logs"] / "three.log").start()
    try:
        probe = SocketDoc(restarted.url, world["document_id"], world["tokens"][1])
        probe.sync()
        assert probe.content() == a.content()
        probe.close()
    finally:
        restarted.stop()


def test_acknowledged_updates_survive_kill_9(world):
    rng = random.Random(20261129)
    acknowledged: list[str] = []
    server = Server(world["env"], world["logs"] / "kill.log").start()
    for round_ in range(3):
        client = SocketDoc(server.url, world["document_id"], world["tokens"][round_ % 2])
        client.sync()
        for i in range(rng.randint(5, 25)):
            word = f"<{round_}.{i}>"
            if client.write(0, word).get("ok"):
                acknowledged.append(word)
        server.kill()  # kill -9: no shutdown, no flush
        client.io.disconnect()
        server = Server(world["env"], world["logs"] / "kill.log").start()
    try:
        probe = SocketDoc(server.url, world["document_id"], world["tokens"][0])
        probe.sync()
        missing = [w for w in acknowledged if w not in probe.content()]
        assert missing == [], f"{len(missing)} acknowledged updates lost"
        assert len(acknowledged) >= 15
        probe.close()
    finally:
        server.stop()


def test_offline_edits_reach_the_server_through_its_sync_step_1(world):
    """The server asks every joining client for what it lacks (y-socket.io sync step 2)."""
    server = Server(world["env"], world["logs"] / "offline.log").start()
    try:
        a = SocketDoc(server.url, world["document_id"], world["tokens"][0])
        a.sync()
        a.close()
        # edits made while disconnected
        with a.lock:
            a.text.insert(0, "Écrit hors ligne. ")
        b = SocketDoc(server.url, world["document_id"], world["tokens"][0])
        with b.lock:
            b.doc.apply_update(a.doc.get_update())
        b.sync()
        reader = SocketDoc(server.url, world["document_id"], world["tokens"][1])
        assert wait_for(lambda: (reader.sync() or True) and
                        reader.content().startswith("Écrit hors ligne."))
        b.close()
        reader.close()
    finally:
        server.stop()


