"""What a web request reads once and keeps until the next write (docs/architecture.md,
"Queries per page").

A page asks the same questions of the database many times: the policy about each row
(a person's memberships, teams, seats: ``policy.Facts``), the sections of a page about
the same panel, rubric or schedule. A request that called :func:`remember` (every page:
``views/core.py``) keeps what :func:`read_once` loads, under its key, for the rest of
the request. What is kept is dropped whenever the session writes (a flush, an ORM
``INSERT``/``UPDATE``/``DELETE``, the commit of a transaction that wrote, a rollback)
and ignored while the session holds changes not yet flushed, so a request that changes
something and asks again sees the change. Inside an operation's writing
``db.transaction()`` nothing kept is used nor kept: the operation decides on what it reads
under its own transaction. Outside a request (the co-editing events,
background work, commands) nothing is kept: each question reads the database.

This module depends on :mod:`coelab.db` only, so that the models' layer
(``jury/queries.py``) keeps its reads too; :mod:`coelab.policy` re-exports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .db import OPERATING_KEY as _OPERATING
from .db import WROTE_KEY as _WROTE
from .db import db

_KEY = "coelab_memo"
# how many committed transactions of this process wrote through an ORM session (see
# writes_seen); a plain int, read without a lock
_writes = 0


def remember() -> None:
    """Keep, for the rest of this request, what :func:`read_once` reads."""
    g.setdefault(_KEY, {})


def forget() -> None:
    if has_request_context():
        kept = g.get(_KEY)
        if kept:
            kept.clear()


def kept() -> dict | None:
    """What this request keeps, or None: outside a page's request, while the session
    holds changes not yet written, and inside an operation's writing transaction (what
    the page read before may have changed by the time the operation holds its locks:
    it decides on what it reads itself)."""
    if not has_request_context():
        return None
    found = g.get(_KEY)
    if found is None:
        return None
    session = db.session()
    if (session.info.get(_OPERATING) or session._new or session._deleted
            or session.identity_map._modified):
        return None
    return found


def keeping() -> bool:
    """Whether :func:`read_once` keeps what it reads at this moment."""
    return kept() is not None


def read_once(key: tuple, load: Callable[[], Any]) -> Any:
    """``load()``, kept for the rest of the request under ``key`` (dropped on any
    write): for what a page asks per row, or per section, but can read once."""
    found = kept()
    if found is None:
        return load()
    if key not in found:
        found[key] = load()
    return found[key]


def writes_seen() -> int:
    """A number that changes whenever a transaction of this process that wrote through
    an ORM session commits: what was computed from the database at the same number
    still holds, as far as this process's writes go (coelab.frame keeps the header's
    counts so)."""
    return _writes


def _wrote(session: Any, *args: Any) -> None:
    session.info[_WROTE] = True
    forget()


def _forget_on_write(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _wrote(state.session)


def _forget_if_written(session: Any) -> None:
    # a commit that only ends a reading transaction (rooms.hold releases its connection
    # so) changes nothing of what is kept
    global _writes
    if session.info.pop(_WROTE, False):
        _writes += 1
        forget()


def _forget(session: Any, *args: Any) -> None:
    session.info.pop(_WROTE, None)
    forget()


# any session (the app's, a test's): a write, or a rollback, drops what is kept
event.listen(Session, "after_flush", _wrote)
event.listen(Session, "do_orm_execute", _forget_on_write)
event.listen(Session, "after_commit", _forget_if_written)
event.listen(Session, "after_rollback", _forget)
event.listen(Session, "after_soft_rollback", _forget)
