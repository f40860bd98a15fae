"""Access ends when membership ends: open sockets follow every change of who may read.

A socket is let in once, when it connects (see :mod:`.sockets`). When a committed change
may take that right away (a person leaves a team, a cohort or a panel, withdraws from a
panel, loses a programme role or their account...), every server process looks again at
its sockets of the people and documents concerned: a socket whose person may no longer
read the document is told ``access-revoked`` and disconnected by the server (the stock
client does not reconnect after that); one that may still read but no longer write
becomes read-only (its next update is refused ``read-only``), and the other way round.
A socket whose server-side session ended (logout, "Se déconnecter partout", a password
change, see :mod:`coelab.sessions`) is told ``unauthenticated`` and disconnected.

**How a change is noticed.** Not by each operation sending a signal, which the next
operation to touch a membership could forget, but by SQLAlchemy's own events on the
tables the document rules of :mod:`coelab.policy` read (``_WATCHED`` below): whatever
writes them through the ORM (an operation, a cascade, a plugin, a shell command) is
seen. The rows changed in a flush are noted on the session (people and documents
concerned), forgotten if the transaction rolls back, and announced once it has
committed, so that whoever re-checks reads the new state. A bulk ``UPDATE`` or
``DELETE`` of those tables through the session cannot say which rows it touched: every
socket is re-checked.

**How it reaches every process.** With ``MESSAGE_QUEUE`` (Redis), the announcement is
published on the channel ``<MESSAGE_QUEUE_CHANNEL>:access`` and each process that holds
sockets listens to it in a background task (started with its first socket); without
it, the process that committed re-checks its own sockets, in a background task. An
announcement only says whom to look at again: the answer always comes from the
database and the policy, so a lost, repeated or forged announcement never grants
anything. None is lost in the gaps either: after (re)subscribing, a process re-checks
all its sockets, and a socket whose connection raced with an announcement is re-checked
once it is connected (see :func:`generation`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import redis
from flask import Flask, current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, object_session

from .. import sessions
from ..db import db
from ..deliverables.models import Deliverable
from ..extensions import socketio
from ..jury.models import JuryPanel, PanelDeliverable, PanelMember
from ..models import Cohort, Membership, Team, TeamMember, User, UserSession
from ..policy import can
from .connections import MESSAGES, PREFIX
from .connections import connections as _connections
from .models import Document

log = logging.getLogger(__name__)

CODE = "access-revoked"
SESSION_ENDED = "unauthenticated"  # the socket's session ended (logout, password...)
_PENDING = "coelab_access_changes"  # session.info key: the Change of the transaction
# above this many people or documents, one announcement says "everyone"
_MAX_IDS = 1000


@dataclass
class Change:
    """Whom to look at again: sockets of these people, sockets on these documents."""

    users: set[int] = field(default_factory=set)
    documents: set[int] = field(default_factory=set)
    everyone: bool = False

    def __bool__(self) -> bool:
        return self.everyone or bool(self.users or self.documents)

    def add(self, other: Change) -> None:
        self.users |= other.users
        self.documents |= other.documents
        self.everyone = self.everyone or other.everyone

    def concerns(self, user_id: int, document_id: int) -> bool:
        return self.everyone or user_id in self.users or document_id in self.documents

    def encode(self) -> str:
        if self.everyone or len(self.users) + len(self.documents) > _MAX_IDS:
            return json.dumps({"everyone": True})
        return json.dumps({"users": sorted(self.users), "documents": sorted(self.documents)})

    @classmethod
    def decode(cls, data: bytes | str) -> Change | None:
        try:
            raw = json.loads(data)
            if raw.get("everyone") is True:
                return cls(everyone=True)
            return cls({int(i) for i in raw.get("users", ())},
                       {int(i) for i in raw.get("documents", ())})
        except (ValueError, TypeError, AttributeError):
            log.warning("unreadable access announcement: %r", data[:200])
            return None


EVERYONE = Change(everyone=True)


# --- noticing changes ------------------------------------------------------------------

# mapped class -> the columns whose change can change someone's access to a document
_WATCHED: dict[type, tuple[str, ...]] = {
    User: ("active", "is_coordinator", "is_admin"),
    Membership: ("user_id", "cohort_id", "role"),
    TeamMember: ("user_id", "team_id"),
    PanelMember: ("user_id", "panel_id", "impartiality"),
    PanelDeliverable: ("panel_id", "deliverable_id"),
    Document: ("cohort_id", "team_id", "owner_id", "frozen"),
    Deliverable: ("document_id",),
    Team: ("cohort_id",),
    Cohort: (),
    JuryPanel: (),
    UserSession: ("ended_at",),  # a session that ends takes its sockets with it
}
_WATCHED_TABLES = {cls.__table__.name: set(columns) for cls, columns in _WATCHED.items()}
# the rows whose creation can change the access of someone already connected (a new
# person, document, team... has nobody connected to it yet)
_INSERTS = (Membership, TeamMember, PanelMember, PanelDeliverable)


def _values(target: Any, name: str) -> set[Any]:
    """The attribute's value, and its value before the flush if it changed."""
    history = inspect(target).attrs[name].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted)
            if v is not None} or ({getattr(target, name)} - {None})


def _rows_changed(target: Any, connection) -> Change:
    """The people and documents whose access a change of this row may change."""
    change = Change()
    if isinstance(target, User):
        change.users.add(target.id)
    elif isinstance(target, UserSession):
        change.users.add(target.user_id)
    elif isinstance(target, Membership | TeamMember | PanelMember):
        change.users |= _values(target, "user_id")
    elif isinstance(target, Document):
        change.documents.add(target.id)
    elif isinstance(target, Deliverable):
        change.documents |= _values(target, "document_id")
    elif isinstance(target, PanelDeliverable):
        deliverables = _values(target, "deliverable_id")
        change.documents |= set(connection.scalars(
            select(Deliverable.document_id).where(Deliverable.id.in_(deliverables))))
    elif isinstance(target, Team):
        change.users |= set(connection.scalars(
            select(TeamMember.user_id).where(TeamMember.team_id == target.id)))
        change.documents |= set(connection.scalars(
            select(Document.id).where(Document.team_id == target.id)))
    elif isinstance(target, Cohort):
        change.users |= set(connection.scalars(
            select(Membership.user_id).where(Membership.cohort_id == target.id)))
        change.documents |= set(connection.scalars(
            select(Document.id).where(Document.cohort_id == target.id)))
    elif isinstance(target, JuryPanel):
        change.users |= set(connection.scalars(
            select(PanelMember.user_id).where(PanelMember.panel_id == target.id)))
    return change


def _note(target: Any, change: Change) -> None:
    session = object_session(target)
    if session is None or not change:
        return
    session.info.setdefault(_PENDING, Change()).add(change)


def _on_insert_or_delete(_mapper, connection, target) -> None:
    _note(target, _rows_changed(target, connection))


def _on_update(_mapper, connection, target) -> None:
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in _WATCHED[type(target)]):
        _note(target, _rows_changed(target, connection))


def _on_bulk(execute_state) -> None:
    """A bulk UPDATE or DELETE through the session: whom it touched is unknown."""
    if not (execute_state.is_update or execute_state.is_delete):
        return
    statement = execute_state.statement
    table = getattr(getattr(statement, "table", None), "name", None)
    if table not in _WATCHED_TABLES:
        return
    if execute_state.is_update:
        values = getattr(statement, "_values", None)
        if values is not None:
            names = {getattr(key, "key", key) for key in values}
            if not names & _WATCHED_TABLES[table]:
                return
    execute_state.session.info.setdefault(_PENDING, Change()).add(EVERYONE)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the transaction is not over
    change = session.info.pop(_PENDING, None)
    if change:
        announce(current_app._get_current_object(), change)


def _after_transaction_end(session: Session, transaction) -> None:
    """Rolled back or closed without a commit: nothing of it is announced."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _install() -> None:
    for cls in _INSERTS:
        event.listen(cls, "after_insert", _on_insert_or_delete)
    for cls in _WATCHED:
        event.listen(cls, "before_delete", _on_insert_or_delete)
        event.listen(cls, "before_update", _on_update)
    event.listen(db.session, "do_orm_execute", _on_bulk)
    event.listen(db.session, "after_commit", _after_commit)
    event.listen(db.session, "after_transaction_end", _after_transaction_end)


_install()


# --- telling every process -------------------------------------------------------------

# Bumped whenever sockets are about to be re-checked: a socket whose connection started
# before a bump (its access was read before the change) is re-checked once connected.
_generation = 0


def generation() -> int:
    return _generation


def _channel(app: Flask) -> str:
    return f"{app.config['MESSAGE_QUEUE_CHANNEL']}:access"


def _queue_url(app: Flask) -> str | None:
    url = app.config.get("MESSAGE_QUEUE")
    return url if url and url.split(":", 1)[0] in ("redis", "rediss", "unix") else None


def _publisher(app: Flask) -> redis.Redis:
    client = app.extensions.get("coelab_access_publisher")
    if client is None:
        client = redis.Redis.from_url(_queue_url(app), socket_timeout=5,
                                      socket_connect_timeout=5)
        app.extensions["coelab_access_publisher"] = client
    return client


def announce(app: Flask, change: Change) -> None:
    """Tell every process (this one included) that ``change`` was committed."""
    if _queue_url(app):
        try:
            _publisher(app).publish(_channel(app), change.encode())
            return  # this process's listener hears it too
        except redis.RedisError:
            log.exception("could not announce an access change; re-checking here only")
    _deliver(app, change, in_background=True)


def _deliver(app: Flask, change: Change, in_background: bool) -> None:
    global _generation
    _generation += 1

    if not any(change.concerns(c.user_id, c.document_id) for c in list(_connections.values())):
        return
    if in_background:
        socketio.start_background_task(recheck, app, change)
    else:
        recheck(app, change)


def joined(app: Flask, sid: str, seen: int) -> None:
    """Called once a socket is registered: listen for announcements (once per process),
    and re-check this socket if an announcement came while it was connecting."""
    if _queue_url(app) and not app.extensions.get("coelab_access_listener"):
        app.extensions["coelab_access_listener"] = True
        socketio.start_background_task(_listen, app)
    if _generation != seen:

        connection = _connections.get(sid)
        if connection is not None:
            socketio.start_background_task(recheck, app, Change({connection.user_id}))


def _listen(app: Flask) -> None:
    """Receive the announcements of every process, for as long as this one lives."""
    delay = 0.5
    while True:
        pubsub = None
        try:
            client = redis.Redis.from_url(_queue_url(app), socket_connect_timeout=5,
                                          health_check_interval=30)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(_channel(app))
            delay = 0.5
            # whatever was announced while nobody here listened
            _deliver(app, EVERYONE, in_background=False)
            while True:
                message = pubsub.get_message(timeout=5.0)
                if message and message.get("type") == "message":
                    change = Change.decode(message["data"])
                    if change:
                        _deliver(app, change, in_background=False)
        except Exception:
            log.exception("access announcements: listening failed, retrying in %.1f s", delay)
        finally:
            if pubsub is not None:
                try:
                    pubsub.close()
                except Exception:  # noqa: BLE001 - already broken
                    log.debug("closing the subscription failed")
        socketio.sleep(delay)
        delay = min(delay * 2, 10.0)


# --- re-checking sockets ---------------------------------------------------------------


def _may(user_id: int, document_id: int) -> tuple[bool, bool]:
    """Whether the person may read and write the document, read afresh."""
    user = db.session.get(User, user_id)
    document = db.session.get(Document, document_id)
    if user is None or not user.active or document is None:
        return False, False
    read = can(user, "document.read", document)
    return read, read and can(user, "document.write", document)


def recheck(app: Flask, change: Change) -> None:
    """Look again at this process's sockets that ``change`` concerns."""

    server = socketio.server
    with app.app_context():
        try:
            answers: dict[tuple[int, int], tuple[bool, bool]] = {}
            for sid, connection in list(_connections.items()):
                if not change.concerns(connection.user_id, connection.document_id):
                    continue
                namespace = f"{PREFIX}{connection.document_id}"
                environ = server.get_environ(sid, namespace=namespace)
                if not environ or environ.get("flask.app") is not app:
                    continue  # gone, or a socket of another app (tests)
                if not sessions.is_open(connection.session_id):
                    _revoke(app, server, sid, namespace, environ, SESSION_ENDED)
                    continue
                key = (connection.user_id, connection.document_id)
                if key not in answers:
                    answers[key] = _may(*key)
                read, write = answers[key]
                if not read:
                    _revoke(app, server, sid, namespace, environ)
                else:
                    connection.may_write = write
                    connection.principal = None  # roles read again at the next update
        except Exception:
            log.exception("re-checking access of open sockets failed")
        finally:
            db.session.remove()


def _revoke(app: Flask, server, sid: str, namespace: str, environ: dict,
            code: str = CODE) -> None:
    """Tell the socket why, then disconnect it (which forgets its presence)."""

    # a socket still connecting (its connect handler running) cannot be disconnected yet
    for _ in range(100):
        if server.manager.is_connected(sid, namespace):
            break
        if not server.get_environ(sid, namespace=namespace):
            return
        socketio.sleep(0.01)
    else:
        return
    with app.request_context(environ):
        message = str(MESSAGES[code])
    log.info("access to %s ended: disconnecting %s", namespace, sid)
    # locally and in order: through the queue, the error could arrive after the close
    server.emit("yjs-error", {"code": code, "message": message}, to=sid,
                namespace=namespace, ignore_queue=True)
    server.disconnect(sid, namespace=namespace, ignore_queue=True)
