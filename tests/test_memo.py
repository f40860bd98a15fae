"""What a request reads once (coelab/memo.py) and the transactions that only read
(coelab/db.py: ``transaction(only_reads=True)``, ``release_connection``)."""

from __future__ import annotations

from coelab.db import db, release_connection, transaction
from coelab.memo import read_once, remember, writes_seen
from coelab.models import User
from sqlalchemy import inspect, select


def test_a_transaction_that_only_read_keeps_what_the_session_read(app, make):
    person = make.user("Lise")
    db.session.expire_all()
    with app.test_request_context():
        loaded = db.session.scalar(select(User).where(User.id == person.id))
        assert loaded.first_name == "Lise"
        with transaction(only_reads=True):
            db.session.scalar(select(User.id).where(User.id == person.id))
        assert "first_name" not in inspect(loaded).expired_attributes
        release_connection()
        assert "first_name" not in inspect(loaded).expired_attributes
        # one that wrote after all expires everything, as a commit does
        with transaction(only_reads=True):
            loaded.organisation = "Association des Calanques"
        assert "first_name" in inspect(loaded).expired_attributes
        # and so does an ordinary transaction
        loaded.first_name  # noqa: B018 - read it again
        with transaction():
            pass
        assert "first_name" in inspect(loaded).expired_attributes


def test_read_once_keeps_for_the_request_and_forgets_on_a_write(app, make):
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    with app.test_request_context():
        assert read_once(("k",), load) == 1  # not remembered: read each time
        assert read_once(("k",), load) == 2
        remember()
        assert read_once(("k",), load) == 3
        assert read_once(("k",), load) == 3
        before = writes_seen()
        make.user("Nadia")  # a write, committed
        assert writes_seen() > before
        assert read_once(("k",), load) == 4


def test_an_operation_decides_on_what_it_reads_under_its_own_transaction(app, make):
    """What the page read before an operation began may have changed by the time the
    operation holds its locks (another request committed meanwhile): inside a writing
    transaction nothing kept is used, nor kept for later."""
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    with app.test_request_context():
        remember()
        assert read_once(("scores",), load) == 1
        with transaction():
            assert read_once(("scores",), load) == 2  # read again, not the page's copy
            assert read_once(("scores",), load) == 3  # and not kept inside either
        # a transaction that wrote nothing leaves what was kept as it was
        assert read_once(("scores",), load) == 1
        with transaction(only_reads=True):
            assert read_once(("scores",), load) == 1  # a reading block may use it
