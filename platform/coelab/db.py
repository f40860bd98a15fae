"""Database handle, declarative base and the transaction helper used by operations."""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite enforces foreign keys (and their cascades) only when asked, per connection.

    A file database also runs in WAL mode, so that readers do not wait for the writer of
    the co-editing log; with WAL, synchronous=NORMAL survives any crash of the process
    (not of the machine's power), which is what the embedded default is for.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date where the programme takes place (``BABEL_DEFAULT_TIMEZONE``)."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def str_enum(cls: type[enum.Enum], length: int) -> Enum:
    """A column type storing a Python enum by its value, as a plain string column."""
    return Enum(cls, native_enum=False, length=length,
                values_callable=lambda members: [m.value for m in members])


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, PostgreSQL does; this type makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_depth_key = "coelab_transaction_depth"
# set on a session by coelab.memo when it flushes or executes a write; popped at commit
WROTE_KEY = "coelab_wrote"
# how many writing transaction() blocks the session is inside: coelab.memo keeps nothing
# there, an operation deciding on what it reads under its own transaction and locks
OPERATING_KEY = "coelab_operating"


def _end_reading(session) -> None:
    """Commit the session's transaction; one that wrote nothing keeps what it read.

    Committing expires every object the session holds, so that the next transaction
    reads them again. After a transaction that only read (a page waiting for a room's
    lock, a room catching up with the log), that second reading only costs queries: what
    a page shows was read milliseconds apart either way, as it would be in one
    transaction (docs/architecture.md, "Queries per page").
    """
    s = session()
    if s.new or s.dirty or s.deleted or s.info.get(WROTE_KEY):
        s.commit()
        return
    keep = s.expire_on_commit
    s.expire_on_commit = False
    try:
        s.commit()
    finally:
        s.expire_on_commit = keep


@contextmanager
def transaction(*, only_reads: bool = False) -> Iterator[None]:
    """Run a block as one all-or-nothing unit of work.

    Operations wrap their writes in it. Nested blocks join the outermost one, which
    commits on success and rolls back everything on any exception. ``only_reads``: a
    block that reads under a lock (a room catching up with the log) commits without
    expiring what the session read before, unless it wrote after all
    (:func:`_end_reading`).
    """
    session = db.session
    info = session.info
    depth = info.get(_depth_key, 0)
    info[_depth_key] = depth + 1
    if not only_reads:
        info[OPERATING_KEY] = info.get(OPERATING_KEY, 0) + 1
    try:
        yield
        if depth == 0:
            if only_reads:
                _end_reading(session)
            else:
                session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        info[_depth_key] = depth
        if not only_reads:
            info[OPERATING_KEY] -= 1


@contextmanager
def savepoint() -> Iterator[None]:
    """``session.begin_nested()`` that stays inside the operation's transaction on SQLite.

    Python's sqlite3 driver opens its transaction only before a data-changing statement:
    a SAVEPOINT taken while the operation has only read would itself start the
    transaction, and releasing it would commit everything so far, so that a failure
    later in the operation could no longer undo it. The transaction is begun first.
    """
    raw = db.session.connection().connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        raw.execute("BEGIN")
    with db.session.begin_nested():
        yield


def release_connection() -> None:
    """Give the session's connection back to the pool before waiting on a lock.

    Outside an operation (no :func:`transaction` block open), a session holds a pooled
    connection from its first query to the end of the request. A request that waits
    for an in-process lock (a co-edited document's) while holding one can starve the
    pool, and the lock's holder, which needs a connection to finish, then waits for
    them: a deadlock seen with PostgreSQL when a reconnecting editor flushed its
    buffered updates. Ending the read transaction here keeps the rule "never wait for
    a room's lock while holding a connection". Inside an operation it does nothing: an
    operation's transaction is never cut in two.
    """
    session = db.session
    if session.info.get(_depth_key, 0) == 0 and session().in_transaction():
        _end_reading(session)


def migrated(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's ``include_name``: leave alone the tables a plugin manages itself (such
    as SQLite full-text tables and their shadow tables), which it lists in
    ``db.metadata.info["unmanaged_tables"]``."""
    return not (type_ == "table" and name in db.metadata.info.get("unmanaged_tables", ()))
