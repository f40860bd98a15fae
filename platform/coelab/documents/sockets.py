"""The y-socket.io wire protocol over Flask-SocketIO (documented in the README).

One Socket.IO namespace per document, ``/yjs|<document id>``. Events, both directions:

- ``sync-step-1`` (state vector, ack): answered through the ack with the update the
  sender is missing. After answering a client's, the server sends its own, and the
  client's ack carries the client's changes the server lacks (offline edits).
- ``sync-update`` (update): a Yjs v1 update. From a client it is checked, stored, applied
  and then broadcast to the other sockets of the namespace; if the client asked for an
  ack, the ack is ``{"ok": true, "seq": n}`` once it is stored.
- ``awareness-update`` (bytes of ``encodeAwarenessUpdate``): presence, relayed under the
  identity the server knows.
- ``yjs-error`` (server to client): ``{"code": ..., "message": ...}`` for a refused event.

Refusing is not losing. ``ok`` means integrated, visible to everyone and kept: an update
that refers to anything the server's document lacks is refused ``out-of-sync`` (see
``Room.apply``). Whenever a writer's update is refused in a way that leaves the server
behind the writer (``rate-limited``, ``update-too-large``, ``out-of-sync``), the server
asks that socket to resync: it sends its own ``sync-step-1``, which the stock provider
answers with everything the server lacks, as one update. That answer is bounded by
``YJS_MAX_SYNC_BYTES``, not by the size of one update, and is not charged to the rate
limit; the request itself is, and waits for the person's budget to refill. The budget
is one per person across their sockets, tabs and server processes (the ``limits``
package, on Redis when ``MESSAGE_QUEUE`` is set).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import pycrdt
from flask import current_app, has_request_context, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError as Refused
from limits import RateLimitItemPerSecond, storage, strategies
from sqlalchemy import and_, bindparam, select

from .. import sessions
from ..db import db
from ..extensions import socketio
from ..models import User, UserSession
from ..policy import can
from . import access, awareness, frames
from .connections import (
    MESSAGES,
    PREFIX,
    Connection,
    Principal,
)
from .connections import connections as _connections
from .models import Document
from .rooms import (
    UpdateRejected,
    UpdateRejectedWithBatch,
    append,
    catch_up,
    compact,
    hold,
    is_panic,
    normalise,
    rooms,
)
from .tokens import read_token

log = logging.getLogger(__name__)

# (person, document) -> until when their connections are refused, after a frame larger
# than the server reads closed one of their sockets (see coelab.documents.frames)
_too_large_until: dict[tuple[int, int], float] = {}
FRAME_REFUSAL_SECONDS = 60.0


@dataclass(frozen=True)
class Sender:
    """The socket an event came from (its namespace is the document's)."""

    sid: str
    namespace: str
    environ: dict


def _sender() -> Sender:
    """The sender of the event a Flask-SocketIO handler is answering."""
    return Sender(request.sid, request.namespace, request.environ)


def _message(code: str, detail: str | None) -> str:
    message = str(MESSAGES.get(code, code))
    if detail and code in ("invalid-update", "invalid-awareness"):
        message = f"{message} ({detail})"
    return message


def _error(code: str, detail: str | None = None, sender: Sender | None = None) -> None:
    """Tell the sender, in their language, why an event was refused."""
    sender = sender or _sender()
    if has_request_context():
        message = _message(code, detail)
    else:  # a frequent event runs without a request: its language is the connection's
        with current_app.request_context(sender.environ):
            message = _message(code, detail)
    socketio.emit("yjs-error", {"code": code, "message": message}, to=sender.sid,
                  namespace=sender.namespace)


def _refuse(code: str) -> Refused:
    return Refused(str(MESSAGES[code]), {"code": code})


# the one name of a document's namespace: ASCII decimal digits, no leading zero (the
# same room must never open under a second name, whose writes nobody else would see)
_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,11}")


def _document_id(namespace: str) -> int | None:
    if not namespace.startswith(PREFIX):
        return None
    raw = namespace[len(PREFIX):]
    return int(raw) if _CANONICAL_ID.fullmatch(raw) else None


def _user_from(auth) -> tuple[User, int | None] | None:
    """The person opening the socket and the server-side session they are in: the
    browser's cookie session, or the session a token was issued in."""
    if current_user.is_authenticated:
        current = sessions.current()
        sessions.touch()  # co-editing is activity: it keeps an idle session alive
        return current_user._get_current_object(), current.id if current else None
    token = auth.get("token") if isinstance(auth, dict) else None
    document_id = _document_id(request.namespace)
    if isinstance(token, str) and document_id is not None:
        found = read_token(token, document_id)
        if found is not None:
            user_id, session_id = found
            user = db.session.get(User, user_id)
            if user is not None and user.active and sessions.is_open(session_id):
                return user, session_id
    return None


def may_write(user, document: Document) -> bool:
    return can(user, "document.write", document)


def _sent_as_event(name: str) -> bool:
    """Whether "connect" or "disconnect" is an ordinary event a connected client sent.

    python-socketio dispatches a client's event named like a reserved one to the
    connect or disconnect handler; while a socket really connects or disconnects, it is
    not counted as connected. Such an event must neither make the server forget the
    socket nor enrol it again (a fresh rate-limit budget): it is answered as unknown.
    """
    if not socketio.server.manager.is_connected(request.sid, request.namespace):
        return False
    socketio.emit("yjs-error", {"code": "unknown-event", "message": f"unknown event {name!r}"},
                  to=request.sid, namespace=request.namespace)
    return True


@socketio.on("connect", namespace="*")
def on_connect(auth=None):
    if _sent_as_event("connect"):
        return None
    seen = access.generation()  # access changes announced while this one connects
    document_id = _document_id(request.namespace)
    if document_id is None:
        raise _refuse("unknown-document")
    found = _user_from(auth)
    if found is None:
        raise _refuse("unauthenticated")
    user, session_id = found
    document = db.session.get(Document, document_id)
    # a document one may not read looks exactly like one that does not exist
    if document is None or not can(user, "document.read", document):
        raise _refuse("unknown-document")
    if _too_large_until.get((user.id, document_id), 0.0) > time.monotonic():
        # its last frame was more than the server reads: resyncing would send it again
        raise Refused(str(MESSAGES["frame-too-large"]), {"code": "update-too-large"})
    _connections[request.sid] = Connection(
        user.id, document_id, may_write(user, document),
        identity=awareness.identity(user.id, user.full_name), session_id=session_id)
    rooms().get(document_id).sids.add(request.sid)
    _start_sweeper(current_app._get_current_object())
    access.joined(current_app._get_current_object(), request.sid, seen)


@socketio.on("disconnect", namespace="*")
def on_disconnect(*_args):
    if _sent_as_event("disconnect"):
        return
    connection = _connections.pop(request.sid, None)
    if connection is None:
        return
    if frames.noted(socketio.server.manager.eio_sid_from_sid(request.sid, request.namespace)):
        now = time.monotonic()
        for key in [k for k, until in _too_large_until.items() if until < now]:
            del _too_large_until[key]
        _too_large_until[(connection.user_id, connection.document_id)] = (
            now + FRAME_REFUSAL_SECONDS)
    room = rooms().peek(connection.document_id)
    if room is None:
        return  # closed meanwhile: nothing of this socket is left in memory
    room.sids.discard(request.sid)
    with room.lock:
        left = room.forget_presence(sid=request.sid)
    if left:
        socketio.emit("awareness-update", awareness.encode(left),
                      namespace=request.namespace, skip_sid=request.sid)


def _joined(sender: Sender | None = None) -> Connection | None:
    sender = sender or _sender()
    connection = _connections.get(sender.sid)
    if connection is None:
        _error("not-joined", sender=sender)
    return connection


PRINCIPAL_SECONDS = 5.0
_PRINCIPAL = (
    select(User.active, User.is_coordinator, User.is_admin, UserSession.ended_at,
           UserSession.id.label("session_id"))
    .select_from(User)
    .outerjoin(UserSession, and_(UserSession.id == bindparam("session_id"),
                                 UserSession.user_id == User.id))
    .where(User.id == bindparam("user_id")))


def _user(connection: Connection) -> Principal | None:
    """The socket's person, if their account is still active and the session the
    socket was opened in still open (checked every 5 s: a backstop for the re-check an
    ended session announces, see documents/access.py)."""
    now = time.monotonic()
    if connection.principal is None or now - connection.principal_read > PRINCIPAL_SECONDS:
        # a connection of its own, given back at once: the session must not hold one
        # (and a transaction open) while the update waits for its batch
        with db.engine.connect() as sql:
            row = sql.execute(_PRINCIPAL, {"user_id": connection.user_id,
                                           "session_id": connection.session_id}).one_or_none()
        session_open = connection.session_id is None or (
            row is not None and row.session_id is not None and row.ended_at is None)
        connection.principal = (Principal(connection.user_id, row.is_coordinator, row.is_admin)
                                if row is not None and row.active and session_open else None)
        connection.principal_read = now
    return connection.principal


@socketio.on("sync-step-1", namespace="*")
def on_sync_step_1(state_vector=None, *_rest):
    connection = _joined()
    if connection is None:
        return None
    if not isinstance(state_vector, bytes | bytearray):
        _error("invalid-state-vector")
        return None
    room = rooms().get(connection.document_id)
    with hold(room):
        catch_up(room)
        try:
            missing = room.doc.get_update(bytes(state_vector))
        except ValueError:
            missing = None
        except BaseException as exc:
            if not is_panic(exc):
                raise
            # yrs panics answering some vectors once a document holds overlapping
            # updates (malformed ones it accepted): the whole state is a right answer
            log.warning("document %s: diff failed, sending the whole state",
                        connection.document_id)
            missing = room.doc.get_update()
        server_vector = room.doc.get_state()
        present = room.presence_entries()
    if missing is None:
        _error("invalid-state-vector")
        return None
    sid, namespace = request.sid, request.namespace
    # ask the client for what we lack: its ack carries its offline edits (at once if
    # the person's budget allows, else when it refills)
    request_resync(current_app._get_current_object(), sid, namespace, connection,
                   server_vector)
    if present:
        socketio.emit("awareness-update", awareness.encode(present), to=sid,
                      namespace=namespace)
    return missing


def _receive_from_ack(sid: str, namespace: str, update) -> None:
    """The client's answer to our sync-step-1 (its sync step 2), outside any request."""
    environ = socketio.server.get_environ(sid, namespace=namespace)
    if not environ:
        return  # the client left meanwhile; it will sync again when it comes back
    connection = _connections.get(sid)
    if connection is not None:
        connection.resync_pending = False
    with environ["flask.app"].app_context():
        try:
            _take_update(Sender(sid, namespace, environ), update, ack_requested=False,
                         resync=True)
        finally:
            db.session.remove()


def on_sync_update(sender: Sender, update=None, *_rest):
    return _take_update(sender, update, ack_requested=True)


def _take_update(sender: Sender, update, ack_requested: bool, resync: bool = False):
    connection = _joined(sender)
    if connection is None:
        return None
    # A socket's updates must be stored in the order they came: a Yjs update builds on
    # the sender's previous ones, and one stored without them stays invisible (kept
    # aside until they come), acknowledged but never shown if the sender never comes
    # back. Each handler runs in a greenlet of its own, started in arrival order, which
    # may yield (reading the person's account, spending their budget) before it queues
    # its update: the socket's turns, taken before anything can yield and given back
    # once the update is queued (or refused), keep them in line.
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            connection.order.done()

    connection.order.take()
    try:
        return _take_update_in_order(sender, connection, update, ack_requested, release,
                                     resync)
    finally:
        release()


# refusals after which the server lacks what the writer has: it asks for a resync
_BEHIND = frozenset({"rate-limited", "update-too-large", "out-of-sync"})
# a resync answer that could not be integrated either: ask again at most this often
RESYNC_ATTEMPTS = 3


def _take_update_in_order(sender: Sender, connection: Connection, update,
                          ack_requested: bool, queued, resync: bool = False):
    config = current_app.config
    try:
        limit = config["YJS_MAX_SYNC_BYTES" if resync else "YJS_MAX_UPDATE_BYTES"]
        update = normalise(update, limit)
        if update == b"\x00\x00":
            return {"ok": True, "seq": None} if ack_requested else None
        if not connection.may_write:
            # a reader's answer to the server's sync-step-1 carries what the server has
            # (at least its delete set): no change, nothing to refuse
            room = rooms().get(connection.document_id)
            with room.lock:
                if room.holds(update):
                    return {"ok": True, "seq": None} if ack_requested else None
            raise UpdateRejected("read-only", "read-only")
        if not resync:  # an answer to the server's own request was paid for then
            _spend(connection)
        user = _user(connection)
        if user is None:
            raise UpdateRejected("unauthenticated", "account inactive")
        room = rooms().get(connection.document_id)
        try:
            appended = append(room, user, update, may_write, origin=sender.sid,
                              queued=queued)
        except UpdateRejectedWithBatch as refused:
            _broadcast(refused.batch, sender.namespace)
            raise refused.error from None
    except UpdateRejected as exc:
        code = exc.code
        if code == "read-only":
            connection.may_write = False
        elif resync and code == "update-too-large":
            code = "document-too-large"  # everything it lacks is more than it may take
            connection.gave_up = True
        elif resync and code == "out-of-sync":
            connection.resync_failures += 1
            if connection.resync_failures >= RESYNC_ATTEMPTS:
                connection.gave_up = True
        if code in _BEHIND:
            request_resync(current_app._get_current_object(), sender.sid, sender.namespace,
                           connection)
        _error(code, exc.message, sender)
        return {"ok": False, "code": code} if ack_requested else None
    if resync:
        connection.resync_failures = 0
    _broadcast(appended.batch, sender.namespace)
    seq = appended.seq
    if room.since_compaction >= config["YJS_COMPACT_EVERY"] and not room.compacting:
        room.compacting = True  # one compaction at a time per room
        socketio.start_background_task(_compact_in_background,
                                       current_app._get_current_object(), room)
    return {"ok": True, "seq": seq} if ack_requested else None


def _broadcast(batch, namespace: str) -> None:
    """Send a stored batch to the document's other sockets: one update as it came (not
    back to its sender); several merged into one message for those who sent none of
    them, and for each sender the merge of the others' (nobody receives their own
    changes back: Yjs would ignore them, after decoding them)."""
    if not batch:
        return
    if len(batch) == 1:
        update, origin = batch[0]
        socketio.emit("sync-update", update, namespace=namespace, skip_sid=origin)
        return
    origins = list(dict.fromkeys(origin for _update, origin in batch))
    socketio.emit("sync-update", pycrdt.merge_updates(*(update for update, _ in batch)),
                  namespace=namespace, skip_sid=origins)
    for sender in origins:
        others = [update for update, origin in batch if origin != sender]
        if others:
            socketio.emit("sync-update",
                          others[0] if len(others) == 1 else pycrdt.merge_updates(*others),
                          to=sender, namespace=namespace)


class Budget:
    """Each person's budget of co-editing messages: ``YJS_UPDATES_BURST`` in any window of
    burst / rate seconds (100 a second on average, bursts of 400 by default), shared by
    all their sockets, tabs and server processes: a moving window of the ``limits``
    package, kept on Redis when the processes share ``MESSAGE_QUEUE``, else in memory.
    Never per address: a classroom shares one."""

    def __init__(self, config) -> None:
        rate, burst = config["YJS_UPDATES_PER_SECOND"], config["YJS_UPDATES_BURST"]
        self.item = RateLimitItemPerSecond(burst, max(1, round(burst / max(rate, 1))))
        self.strategy = strategies.MovingWindowRateLimiter(
            storage.storage_from_string(config.get("MESSAGE_QUEUE") or "memory://"))
        self.scope = f"coelab-yjs-{config['MESSAGE_QUEUE_CHANNEL']}"

    def spend(self, user_id: int) -> bool:
        """Take one message from the person's budget; False if none is left. If the
        storage (Redis) fails, the edit is let through: losing the limit for a moment is
        better than losing people's work or leaving a sync unanswered."""
        try:
            return self.strategy.hit(self.item, self.scope, str(user_id))
        except Exception:  # noqa: BLE001 - any storage failure
            log.warning("co-editing budget unavailable; not limiting", exc_info=True)
            return True

    def wait(self, user_id: int) -> float:
        """Seconds until the person may send again."""
        try:
            stats = self.strategy.get_window_stats(self.item, self.scope, str(user_id))
        except Exception:  # noqa: BLE001 - any storage failure: try again in a moment
            log.warning("co-editing budget unavailable", exc_info=True)
            return 1.0
        if stats.remaining > 0:
            return 0.0
        return max(0.05, stats.reset_time - time.time())


def budget(app) -> Budget:
    found = app.extensions.get("coelab_yjs_budget")
    if found is None:
        found = app.extensions["coelab_yjs_budget"] = Budget(app.config)
    return found


def _spend(connection: Connection) -> None:
    if not budget(current_app).spend(connection.user_id):
        raise UpdateRejected("rate-limited", "rate limited")


def request_resync(app, sid: str, namespace: str, connection: Connection,
                   vector: bytes | None = None) -> None:
    """Ask a socket for everything the server lacks: send it the server's state vector
    as ``sync-step-1`` (the stock provider answers through the ack). One request at a
    time per socket; each is charged to the person's budget, so it waits for the budget
    to refill rather than being refused."""
    if connection.resync_pending or connection.gave_up:
        return
    connection.resync_pending = True
    if vector is not None and budget(app).spend(connection.user_id):
        _send_sync_step_1(sid, namespace, vector)
        return
    socketio.start_background_task(_resync_when_allowed, app, sid, namespace, connection)


def _send_sync_step_1(sid: str, namespace: str, vector: bytes) -> None:
    socketio.emit("sync-step-1", vector, to=sid, namespace=namespace,
                  callback=lambda update=None, *_: _receive_from_ack(sid, namespace, update))


def _resync_when_allowed(app, sid: str, namespace: str, connection: Connection) -> None:
    with app.app_context():
        try:
            allowance = budget(app)
            while not allowance.spend(connection.user_id):
                socketio.sleep(allowance.wait(connection.user_id))
                if _connections.get(sid) is not connection:
                    return  # the socket left: it will sync when it comes back
            if _connections.get(sid) is not connection:
                return
            room = rooms().get(connection.document_id)
            with hold(room):
                vector = room.doc.get_state()
            _send_sync_step_1(sid, namespace, vector)
        except Exception:
            connection.resync_pending = False
            log.exception("resync request to a socket of document %s failed",
                          connection.document_id)
        finally:
            db.session.remove()


def _compact_in_background(app, room) -> None:
    with app.app_context():
        try:
            compact(room)
        except Exception:
            log.exception("compaction of document %s failed", room.document_id)
        finally:
            room.compacting = False
            db.session.remove()


def on_awareness_update(sender: Sender, update=None, *_rest):
    connection = _joined(sender)
    if connection is None:
        return
    if not isinstance(update, bytes | bytearray) or len(update) > 64 * 1024:
        _error("invalid-awareness", sender=sender)
        return
    try:
        entries = awareness.decode(bytes(update))
    except awareness.AwarenessError as exc:
        _error("invalid-awareness", str(exc), sender)
        return
    reader = not connection.may_write
    stamped = []
    for entry in entries:
        if not entry.left:
            state = awareness.stamp(entry.state, connection.identity, reader)
            if state is None:
                continue  # someone else's presence, sent back: not this socket's to tell
            entry = awareness.Entry(entry.client, entry.clock, state)
        stamped.append(entry)
    room = rooms().get(connection.document_id)
    with room.lock:
        news = room.record_presence(sender.sid, stamped, connection.user_id)
    if not news:
        return  # an echo of what every socket of the room was already sent
    socketio.emit("awareness-update", awareness.encode(news),
                  namespace=sender.namespace, skip_sid=sender.sid)


def _frequent(server, handler):
    """Run a frequent event's handler with an app context only: Flask-SocketIO would
    build a request context (and open the cookie session) for every keystroke, which
    was an eighth of the server's time with fifty editors."""

    def run(namespace, sid, *args):
        environ = server.get_environ(sid, namespace=namespace)
        if not environ:
            return None  # not (or no longer) connected
        sender = Sender(sid, namespace, environ)
        with environ["flask.app"].app_context():
            try:
                return handler(sender, *args)
            except BaseException as exc:
                if not isinstance(exc, Exception) and not is_panic(exc):
                    raise  # the greenlet or the process is being stopped
                log.exception("socket event failed")
                try:
                    _error("server-error", sender=sender)
                except Exception:  # noqa: BLE001 - the connection may be gone
                    log.debug("could not report the error to the client")
                return None

    return run


def register_server_handlers(server) -> None:
    """Handlers registered on the python-socketio server itself, after ``init_app``.

    ``sync-update`` and ``awareness-update`` run without a request context (see
    :func:`_frequent`). Flask-SocketIO mixes up the arguments of a handler that is
    catch-all for both the event and the namespace, so the unknown-event answer is
    registered directly too.
    """
    server.on("sync-update", _frequent(server, on_sync_update), namespace="*")
    server.on("awareness-update", _frequent(server, on_awareness_update), namespace="*")

    def on_unknown(*args):
        # a catch-all handler is given (event, namespace, sid, ...), except for an event
        # literally named "*": python-socketio then gives it (namespace, sid, ...)
        if len(args) >= 3 and server.manager.is_connected(args[2], args[1]):
            event, namespace, sid = args[:3]
        else:
            event, namespace, sid = "*", *args[:2]
        server.emit("yjs-error", {"code": "unknown-event",
                                  "message": f"unknown event {str(event)[:50]!r}"},
                    to=sid, namespace=namespace)

    server.on("*", on_unknown, namespace="*")


@socketio.on_error_default
def on_socket_error(exc):
    log.exception("socket event failed", exc_info=exc)
    try:
        _error("server-error")
    except Exception:  # noqa: BLE001 - the connection may be gone
        log.debug("could not report the error to the client")


def sweep_presence(app) -> None:
    """Forget presence that stopped renewing (clients renew every 15 s) and tell the rest;
    close the rooms nobody has used for a while (they are only caches)."""
    with app.app_context():
        timeout = app.config["YJS_PRESENCE_TIMEOUT"]
        idle = app.config["YJS_ROOM_IDLE_SECONDS"]
        now = time.monotonic()
        for room in rooms().all():
            if not room.sids and now - room.last_used > idle:
                rooms().evict(room.document_id)
                continue
            with room.lock:
                left = room.forget_presence(older_than=timeout)
            if left:
                socketio.emit("awareness-update", awareness.encode(left),
                              namespace=f"{PREFIX}{room.document_id}")


def _start_sweeper(app) -> None:
    """One presence sweeper per app and process, started with its first connection."""
    if app.extensions.get("coelab_presence_sweeper"):
        return
    app.extensions["coelab_presence_sweeper"] = True

    def loop() -> None:
        while True:
            socketio.sleep(app.config["YJS_PRESENCE_SWEEP_SECONDS"])
            try:
                sweep_presence(app)
            except Exception:
                log.exception("presence sweep failed")

    socketio.start_background_task(loop)
