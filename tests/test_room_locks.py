"""Waiting for a co-edited document's lock never holds a database connection.

A reconnecting editor flushes its buffered updates at once: each update's handler
reads the database, then waits for the document's lock. If waiting held the pooled
connection, the handlers could take every connection of the pool while the lock's
holder needs one to finish: a deadlock (seen on PostgreSQL in the browser tests).
Here the pool has a single connection, so holding it while waiting is fatal."""

from __future__ import annotations

import threading

import pytest
from coelab.db import db
from coelab.documents.operations import create_document, current_markdown
from coelab.documents.rooms import rooms
from sqlalchemy import select, text

from .conftest import base_config


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    return base_config(tmp_path, database_url, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_size": 1, "max_overflow": 0, "pool_timeout": 3})


def test_a_request_waiting_for_a_room_lets_its_holder_use_the_database(app, make):
    cohort = make.cohort()
    document = create_document(None, cohort, title="Texte", template="Bonjour")
    document_id = document.id
    room = rooms().get(document_id)
    room_locked, outcome = threading.Event(), []

    def holder() -> None:
        with app.app_context():
            with room.lock:
                room_locked.set()
                threading.Event().wait(0.5)  # the request is now waiting for the lock
                try:
                    db.session.execute(text("SELECT 1")).scalar_one()
                    outcome.append("ok")
                except Exception as exc:  # noqa: BLE001 - what failed is the assertion
                    outcome.append(repr(exc))
                finally:
                    db.session.remove()

    # the request has read the database (its session holds the pool's only connection)
    assert db.session.scalar(select(text("1")))
    thread = threading.Thread(target=holder)
    thread.start()
    room_locked.wait(5)
    assert current_markdown(document) == "Bonjour"
    thread.join(10)
    assert outcome == ["ok"]
