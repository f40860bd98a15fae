"""The in-memory copy of each open document, and the write path of its update log.

The database is the source of truth; a :class:`Room` is a cache of one document's state
at ``watermark`` (the highest log sequence number it has applied). Appending an update
locks the document's row, so log sequence numbers of one document commit in order; under
that lock the room first applies whatever other processes appended since its watermark,
then the new update. Rooms of several processes therefore converge on the same log.

A pycrdt ``Doc`` must never be used from two threads or greenlets at once: every use of a
room's doc happens under ``room.lock``. Nothing is ever emitted while holding it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import pycrdt
from flask import Flask, current_app
from sqlalchemy import bindparam, delete, func, select

from ..db import db, release_connection, transaction, utcnow
from ..policy import asked_together
from .authorship import Authorship
from .awareness import Entry
from .models import Document, DocumentContribution, DocumentUpdate
from .surrogates import Pairs
from .yencoding import UpdateFormatError, integrate, read_state_vector, read_update

TEXT = "content"  # the name of the shared Text holding the Markdown


class UpdateRejected(Exception):
    """An update that is not stored; ``code`` is sent to the client with the message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class BrokenRoom(UpdateRejected):
    """An update refused after the room's document took part of it: the room must be
    rebuilt from the log."""


def is_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is a panic of the Rust library under pycrdt (yrs), which pyo3
    raises as ``PanicException``: it derives from BaseException, so ``except
    Exception`` lets it through."""
    return type(exc).__name__ == "PanicException"


def normalise(update: bytes, maximum: int) -> bytes:
    """Check that ``update`` is a Yjs v1 update within the size limit.

    pycrdt silently ignores a v2 update (or any bytes it reads as an empty v1 update);
    re-encoding shows whether the bytes carried anything a v1 decoder understands.
    """
    if not isinstance(update, bytes | bytearray):
        raise UpdateRejected("invalid-update", "an update must be binary")
    if len(update) > maximum:
        raise UpdateRejected("update-too-large",
                             f"update of {len(update)} bytes exceeds the {maximum}-byte limit")
    try:
        merged = pycrdt.merge_updates(bytes(update))
    except BaseException as exc:
        if not isinstance(exc, ValueError) and not is_panic(exc):
            raise
        raise UpdateRejected("invalid-update", f"not a Yjs update: {exc}") from None
    if merged == b"\x00\x00" and len(update) > 2:
        raise UpdateRejected("unsupported-update",
                             "not a Yjs v1 update (v2 updates are not accepted)")
    return bytes(update)


@dataclass
class Presence:
    clock: int
    state: str
    sid: str
    seen: float
    user_id: int | None = None


@dataclass
class Room:
    document_id: int
    doc: pycrdt.Doc
    text: pycrdt.Text
    authorship: Authorship
    watermark: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    presence: dict[int, Presence] = field(default_factory=dict)
    sids: set[str] = field(default_factory=set)
    last_used: float = field(default_factory=time.monotonic)
    since_compaction: int = 0
    compacting: bool = False
    pending: list = field(default_factory=list)
    pending_lock: threading.Lock = field(default_factory=threading.Lock)
    # where the text holds surrogate pairs that yrs must not be asked to cut
    pairs: Pairs = field(default_factory=Pairs)
    # the document's state vector (client -> next clock), kept up to date by apply()
    state: dict[int, int] = field(default_factory=dict)

    def apply(self, update: bytes, user_id: int | None) -> tuple[int, int]:
        """Apply an update whole (caller holds the lock); return the characters it
        inserted and deleted.

        Raises ``out-of-sync`` without touching the document if anything of the update
        refers to what the document does not have (a client's earlier edits that were
        refused, or that never reached this server): Yjs would keep such structs aside
        ("pending") until the rest arrives, invisible to every client, and the document
        encoded for a snapshot would leave them out. The room's document therefore never
        holds anything pending, and whatever is stored is visible to everyone.
        """
        structs: dict = {}
        try:
            inserted, deleted = read_update(update, structs)
        except UpdateFormatError as exc:
            raise UpdateRejected("invalid-update", f"not a Yjs update: {exc}") from None
        moved = integrate(self.state, structs, deleted)
        if moved is None:
            raise UpdateRejected("out-of-sync",
                                 "the update depends on changes the server does not have")
        plain = self._plain(structs)
        self.apply_to_doc([update])
        if moved and not plain:
            # yrs does not always integrate what Yjs would (a struct overlapping known
            # clocks, found by fuzzing): beyond a plain keystroke, ask the document
            actual = read_state_vector(self.doc.get_state())
            if any(actual.get(client, 0) < clock for client, clock in moved.items()):
                raise BrokenRoom("invalid-update", "the update could not be integrated whole")
        self.state.update(moved)
        return self.authorship.record_read(inserted, deleted, user_id)

    def holds(self, update: bytes) -> bool:
        """Whether the document already has everything ``update`` carries: its structs
        (below the state vector) and its deletions (within the document's delete set).

        A reader's copy answers the server's sync-step-1 with its whole delete set, even
        when the server lacks nothing (Yjs always encodes the delete set); such an answer
        is no change, and must not be refused as one (sockets.py). Encodes the document
        once: a reader's answer comes once per connection, not per keystroke.
        """
        structs: dict = {}
        try:
            _, deleted = read_update(update, structs)
        except UpdateFormatError:
            return False
        for client, items in structs.items():
            known = self.state.get(client, 0)
            if any(clock + length > known for clock, length, _ in items):
                return False
        if not deleted:
            return True
        _, have = read_update(self.doc.get_update())
        ranges: dict[int, list[tuple[int, int]]] = {}
        for piece in have:
            ranges.setdefault(piece.client, []).append((piece.clock, piece.clock + piece.length))
        merged: dict[int, list[tuple[int, int]]] = {}
        for client, spans in ranges.items():
            spans.sort()
            out: list[tuple[int, int]] = []
            for start, end in spans:
                if out and start <= out[-1][1]:
                    out[-1] = (out[-1][0], max(out[-1][1], end))
                else:
                    out.append((start, end))
            merged[client] = out
        return all(any(start <= piece.clock and piece.clock + piece.length <= end
                       for start, end in merged.get(piece.client, ()))
                   for piece in deleted)

    def _plain(self, structs: dict) -> bool:
        """One struct that starts where its client's known clocks end (a keystroke)."""
        if len(structs) != 1:
            return False
        (client, items), = structs.items()
        return len(items) == 1 and items[0][0] == self.state.get(client, 0)

    def apply_many(self, updates: list[bytes], user_id: int | None) -> tuple[int, int]:
        """Apply one author's stored updates in one transaction (replaying a long log
        update by update costs more than applying it at once)."""
        self.apply_to_doc(updates)
        inserted = deleted = 0
        exact = True
        for update in updates:
            structs: dict = {}
            try:
                read_i, read_d = read_update(update, structs)
            except UpdateFormatError:
                exact = False  # applied by pycrdt, but not read here: nobody's
                continue
            moved = integrate(self.state, structs, read_d) if exact else None
            if moved is None:
                exact = False
            else:
                self.state.update(moved)
            i, d = self.authorship.record_read(read_i, read_d, user_id)
            inserted, deleted = inserted + i, deleted + d
        if not exact:  # a log written before updates were checked: ask the document
            self.read_state()
        return inserted, deleted

    def apply_to_doc(self, updates: list[bytes]) -> None:
        """Apply updates to the document as Yjs integrates them, even those that cut an
        emoji in two (see documents/surrogates.py: the document may be rebuilt)."""
        doc = self.pairs.apply(self.doc, updates)
        if doc is not self.doc:
            self.doc, self.text = doc, doc.get(TEXT, type=pycrdt.Text)

    def read_state(self) -> None:
        """Read the document's state vector again (after applying a whole snapshot)."""
        self.state = read_state_vector(self.doc.get_state())

    def markdown(self) -> str:
        return str(self.text)

    # presence (awareness) -------------------------------------------------------------

    def record_presence(self, sid: str, entries: list[Entry], user_id: int | None = None
                        ) -> list[Entry]:
        """Record what ``entries`` say of each client and return those that are news.

        A client's presence belongs to the socket that first sent it; another socket
        may only take it over for the same person (a reconnection).

        A Yjs provider re-sends every remote awareness change it applies (y-socket.io and
        y-websocket both do), so each presence renewal comes back from every other
        editor with a clock the room already holds: that echo tells nobody anything
        and must neither be broadcast again (with fifty editors, one renewal became
        2,400 messages) nor make the echoing socket the owner of someone else's
        presence (its departure would then remove them).
        """
        now = time.monotonic()
        news = []
        for entry in entries:
            known = self.presence.get(entry.client)
            if known is not None and known.sid != sid and known.user_id != user_id:
                continue  # someone else's: an echo, or a forgery
            if entry.left:
                if known is None or entry.clock < known.clock:
                    continue
                del self.presence[entry.client]
            elif known is not None and entry.clock <= known.clock:
                continue
            else:
                self.presence[entry.client] = Presence(entry.clock, entry.state, sid, now,
                                                       user_id)
            news.append(entry)
        return news

    def forget_presence(self, *, sid: str | None = None, older_than: float | None = None
                        ) -> list[Entry]:
        """Remove the presence of a socket's clients (or of silent ones) and return the
        "client left" entries to broadcast."""
        now = time.monotonic()
        gone = [client for client, p in self.presence.items()
                if (sid is not None and p.sid == sid)
                or (older_than is not None and now - p.seen > older_than)]
        left = [Entry(client, self.presence[client].clock + 1, "null") for client in gone]
        for client in gone:
            del self.presence[client]
        return left

    def presence_entries(self) -> list[Entry]:
        return [Entry(client, p.clock, p.state) for client, p in self.presence.items()]


class Rooms:
    """The open rooms of one app (kept in ``app.extensions["coelab_rooms"]``)."""

    def __init__(self) -> None:
        self._rooms: dict[int, Room] = {}
        self._lock = threading.Lock()

    def get(self, document_id: int) -> Room:
        """The room of a document, loading it from the database on first use."""
        with self._lock:
            room = self._rooms.get(document_id)
        if room is not None:
            room.last_used = time.monotonic()
            return room
        loaded = load_room(document_id)
        with self._lock:
            room = self._rooms.setdefault(document_id, loaded)
        return room

    def peek(self, document_id: int) -> Room | None:
        """The room if it is open, without loading it."""
        with self._lock:
            return self._rooms.get(document_id)

    def evict(self, document_id: int) -> None:
        with self._lock:
            self._rooms.pop(document_id, None)

    def all(self) -> list[Room]:
        with self._lock:
            return list(self._rooms.values())


@contextmanager
def hold(room: Room) -> Iterator[None]:
    """Take a room's lock, holding no database connection while waiting for it (see
    :func:`coelab.db.release_connection`)."""
    release_connection()
    with room.lock:
        yield


def rooms() -> Rooms:
    return current_app.extensions["coelab_rooms"]


def init_rooms(app: Flask) -> None:
    app.extensions["coelab_rooms"] = Rooms()


def load_room(document_id: int) -> Room:
    """Open a document: its snapshot, then the updates appended after it."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise UpdateRejected("unknown-document", "no such document")
    doc = pycrdt.Doc()
    pairs = Pairs()
    if document.snapshot:
        doc = pairs.load(doc, document.snapshot)
    text = doc.get(TEXT, type=pycrdt.Text)
    authorship = Authorship.loads(document.snapshot_authorship, document.snapshot)
    room = Room(document_id=document_id, doc=doc, text=text, authorship=authorship,
                watermark=document.snapshot_seq, pairs=pairs)
    room.read_state()
    with room.lock:
        catch_up(room)
    return room


DOCUMENTS = Document.__table__
UPDATES = DocumentUpdate.__table__
CONTRIBUTIONS = DocumentContribution.__table__


# the write path's statements, built once: SQLAlchemy then reuses their cache keys
_REF = select(DOCUMENTS.c.id, DOCUMENTS.c.cohort_id, DOCUMENTS.c.team_id, DOCUMENTS.c.owner_id,
              DOCUMENTS.c.frozen, DOCUMENTS.c.snapshot_seq).where(
    DOCUMENTS.c.id == bindparam("document_id"))
_LOCK = _REF.with_for_update()
_LOCK_SHARE = _REF.with_for_update(read=True)
_TAIL = (select(UPDATES.c.id, UPDATES.c.data, UPDATES.c.user_id)
         .where(UPDATES.c.document_id == bindparam("document_id"),
                UPDATES.c.id > bindparam("after"))
         .order_by(UPDATES.c.id))
_INSERT = UPDATES.insert().returning(UPDATES.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True)
class DocumentRef:
    """What the policy needs to know of a document, read under its row lock."""

    id: int
    cohort_id: int
    team_id: int | None
    owner_id: int | None
    frozen: bool
    snapshot_seq: int


def _lock_document(document_id: int, share: bool = False) -> DocumentRef | None:
    """Lock the document's row (PostgreSQL: FOR UPDATE, or FOR SHARE for readers).

    Appends hold the exclusive lock, so one document's sequence numbers commit in order
    and a reader holding the share lock sees a log and a snapshot that belong together.
    SQLite has one writer at a time, which gives the same order.
    """
    query = _LOCK_SHARE if share else _LOCK
    row = db.session.connection().execute(query, {"document_id": document_id}).one_or_none()
    return DocumentRef(*row) if row is not None else None


def _apply_tail(room: Room, ref: DocumentRef) -> None:
    """Apply what the log holds past the room's watermark (caller holds both locks)."""
    connection = db.session.connection()
    if ref.snapshot_seq > room.watermark:
        # another process compacted past us: its snapshot holds what we missed (and
        # the room's state is part of it), its authorship who wrote it
        snapshot, saved = connection.execute(
            select(DOCUMENTS.c.snapshot, DOCUMENTS.c.snapshot_authorship)
            .where(DOCUMENTS.c.id == ref.id)).one()
        if snapshot:
            room.apply_to_doc([snapshot])
            room.read_state()
        room.authorship = Authorship.loads(saved, snapshot)
        room.watermark = ref.snapshot_seq
    rows = connection.execute(
        _TAIL, {"document_id": room.document_id, "after": room.watermark}).all()
    # consecutive updates of one author are applied together
    for user_id, group in groupby(rows, key=lambda row: row.user_id):
        group = list(group)
        room.apply_many([row.data for row in group], user_id)
        room.watermark = group[-1].id
        room.since_compaction += len(group)


def catch_up(room: Room) -> None:
    """Bring the room up to the log (caller holds the room's lock). It only reads: the
    session keeps what it read before (coelab.db.transaction, only_reads)."""
    with transaction(only_reads=True):
        ref = _lock_document(room.document_id, share=True)
        if ref is not None:
            _apply_tail(room, ref)


@dataclass
class _Pending:
    """An update waiting for its turn to be stored (see :func:`append`)."""

    user: Any
    update: bytes
    origin: Any = None  # who sent it (a socket id), so that it is not sent back to them
    done: threading.Event = field(default_factory=threading.Event)
    seq: int | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class Appended:
    """The outcome of :func:`append`: this update's sequence number, and, for the caller
    that stored the batch, every update the batch stored, to broadcast."""

    seq: int
    batch: list[tuple[bytes, Any]] | None


def append(room: Room, user, update: bytes, may_write, origin: Any = None,
           queued: Callable[[], None] | None = None) -> Appended:
    """Store an update and apply it to the room.

    Updates arriving together are stored together: each caller queues its update, and
    whoever holds the room's lock stores everything queued so far in one transaction
    (group commit), so that a busy document pays for one commit per batch, not per
    keystroke. Under the document's row lock: ``may_write(user, document)`` is asked for
    each author (a document frozen a moment ago refuses the update), the room catches up
    with the log, each update is applied (which measures what it inserted and deleted)
    and appended. If the transaction fails the room is rebuilt from the log, so it never
    holds an unstored update; nothing is broadcast or acknowledged before the commit.

    The caller that stored a batch broadcasts it (``Appended.batch``) once it has left
    the lock, so that a busy room sends one message per batch to each reader rather
    than one per update. Raises this update's refusal (:class:`UpdateRejected`) after
    the batch is known, so a refused update never holds back the others. ``queued`` is
    called once the update has joined the queue (the order it will be stored in).
    """
    item = _Pending(user, update, origin)
    batch = None
    with room.pending_lock:
        room.pending.append(item)
        first = len(room.pending) == 1
    if queued is not None:
        queued()  # the sender's next update may now queue behind this one
    with hold(room):
        if first and not db.session().in_transaction():
            # let the updates that arrived with this one join its batch: under gevent,
            # sleep(0) runs the handlers already scheduled, which queue theirs and wait
            # for the lock (with SQLite nothing else yields while it is held, so every
            # batch would otherwise hold one update). Never while this session holds a
            # connection: waiting on the pool under the room's lock could deadlock.
            time.sleep(0)
        if not item.done.is_set():
            batch = [(i.update, i.origin) for i in _store_pending(room, may_write)]
    if item.error is not None:
        if batch:
            raise UpdateRejectedWithBatch(item.error, batch)
        raise item.error
    return Appended(item.seq, batch)


class UpdateRejectedWithBatch(Exception):
    """This update was refused, but the caller stored others that must still be sent."""

    def __init__(self, error: BaseException, batch: list[tuple[bytes, Any]]):
        super().__init__(str(error))
        self.error = error
        self.batch = batch


def _store_pending(room: Room, may_write) -> list[_Pending]:
    """Store every queued update of the room in one transaction (caller holds the lock);
    return the stored ones."""
    with room.pending_lock:
        batch, room.pending = room.pending, []
    stored: list[_Pending] = []
    broken = False
    try:
        with transaction():
            ref = _lock_document(room.document_id)
            if ref is not None:
                _apply_tail(room, ref)
            allowed: dict[int, bool] = {}
            rows = []
            # the policy's questions about the batch's authors, read in one query
            authors = [item.user.id for item in batch]
            with asked_together(ref, authors) if ref is not None else nullcontext():
                for item in batch:
                    if ref is None:
                        item.error = UpdateRejected("unknown-document", "no such document")
                        continue
                    user_id = item.user.id
                    if user_id not in allowed:
                        allowed[user_id] = may_write(item.user, ref)
                    if not allowed[user_id]:
                        item.error = UpdateRejected("read-only", "read-only")
                        continue
                    try:
                        inserted, deleted = room.apply(item.update, user_id)
                    except UpdateRejected as exc:
                        item.error = exc  # not applied: the room is as it was, or
                        broken = broken or isinstance(exc, BrokenRoom)  # to be rebuilt
                        continue
                    except BaseException as exc:
                        if not is_panic(exc):
                            raise
                        # yrs gave up on it halfway (a malformed update it could not
                        # integrate): refused, and the room is rebuilt from the log
                        item.error = UpdateRejected("invalid-update",
                                                    "the update could not be applied")
                        broken = True
                        continue
                    rows.append({"document_id": room.document_id, "user_id": user_id,
                                 "data": item.update, "inserted": inserted,
                                 "deleted": deleted, "created_at": utcnow()})
                    stored.append(item)
            if rows:
                seqs = db.session.connection().execute(_INSERT, rows).scalars().all()
                for item, seq in zip(stored, seqs, strict=True):
                    item.seq = seq
                room.watermark = max(seqs)
                room.since_compaction += len(seqs)
        if broken:
            rooms().evict(room.document_id)
    except BaseException as exc:  # a panic of yrs, or the greenlet killed, as well
        rooms().evict(room.document_id)
        for item in stored:
            item.error = exc
        for item in batch:
            if item.seq is None and item.error is None:
                item.error = exc
        raise
    finally:
        for item in batch:
            item.done.set()
    return stored


def compact(room: Room) -> int:
    """Replace the log up to the room's watermark by one snapshot, in one transaction.

    The snapshot is the room's doc encoded whole (applying updates to a Doc, never
    ``merge_updates`` over the log, which is far slower); what the removed updates
    counted per author moves into the contribution totals. Returns the updates removed.
    """
    with hold(room), transaction():
        ref = _lock_document(room.document_id)
        if ref is None:
            return 0
        _apply_tail(room, ref)
        connection = db.session.connection()
        upto = room.watermark
        totals = connection.execute(
            select(UPDATES.c.user_id, func.sum(UPDATES.c.inserted),
                   func.sum(UPDATES.c.deleted))
            .where(UPDATES.c.document_id == room.document_id, UPDATES.c.id <= upto,
                   UPDATES.c.user_id.is_not(None))
            .group_by(UPDATES.c.user_id)).all()
        for user_id, inserted, deleted in totals:
            _add_contribution(connection, room.document_id, user_id, int(inserted or 0),
                              int(deleted or 0))
        last_edit = connection.execute(
            select(func.max(UPDATES.c.created_at)).where(
                UPDATES.c.document_id == room.document_id, UPDATES.c.id <= upto)).scalar()
        values = {"snapshot": room.doc.get_update(), "snapshot_seq": upto,
                  "snapshot_authorship": room.authorship.dumps()}
        if last_edit is not None:
            values["snapshot_edited_at"] = last_edit
        connection.execute(DOCUMENTS.update().where(DOCUMENTS.c.id == room.document_id)
                           .values(**values))
        removed = connection.execute(
            delete(UPDATES).where(UPDATES.c.document_id == room.document_id,
                                  UPDATES.c.id <= upto)).rowcount
        room.since_compaction = 0
    return removed


def _add_contribution(connection, document_id: int, user_id: int, inserted: int,
                      deleted: int) -> None:
    c = CONTRIBUTIONS.c
    done = connection.execute(
        CONTRIBUTIONS.update().where(c.document_id == document_id, c.user_id == user_id)
        .values(inserted=c.inserted + inserted, deleted=c.deleted + deleted)).rowcount
    if not done:
        connection.execute(CONTRIBUTIONS.insert().values(
            document_id=document_id, user_id=user_id, inserted=inserted, deleted=deleted))
