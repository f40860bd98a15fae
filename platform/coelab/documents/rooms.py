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
from dataclasses import dataclass, field

import pycrdt
from flask import Flask, current_app
from sqlalchemy import delete, select

from ..db import db, transaction
from .authorship import Authorship
from .awareness import Entry
from .models import Document, DocumentContribution, DocumentUpdate

TEXT = "content"  # the name of the shared Text holding the Markdown


class UpdateRejected(Exception):
    """An update that is not stored; ``code`` is sent to the client with the message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


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
    except ValueError as exc:
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
    _author: int | None = None
    _counts: list[int] = field(default_factory=lambda: [0, 0])

    def __post_init__(self) -> None:
        self.text.observe(self._on_text_change)

    def _on_text_change(self, event) -> None:
        inserted, deleted = self.authorship.apply_delta(event.delta, self._author)
        self._counts[0] += inserted
        self._counts[1] += deleted

    def apply(self, update: bytes, user_id: int | None) -> tuple[int, int]:
        """Apply an update (caller holds the lock); return characters inserted, deleted."""
        self._author, self._counts = user_id, [0, 0]
        try:
            self.doc.apply_update(update)
        finally:
            self._author = None
        return self._counts[0], self._counts[1]

    def markdown(self) -> str:
        return str(self.text)

    # presence (awareness) -------------------------------------------------------------

    def record_presence(self, sid: str, entries: list[Entry]) -> None:
        now = time.monotonic()
        for entry in entries:
            known = self.presence.get(entry.client)
            if known is not None and entry.clock < known.clock:
                continue
            if entry.left:
                self.presence.pop(entry.client, None)
            else:
                self.presence[entry.client] = Presence(entry.clock, entry.state, sid, now)

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

    def evict(self, document_id: int) -> None:
        with self._lock:
            self._rooms.pop(document_id, None)

    def all(self) -> list[Room]:
        with self._lock:
            return list(self._rooms.values())


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
    text = doc.get(TEXT, type=pycrdt.Text)
    if document.snapshot:
        doc.apply_update(document.snapshot)
    authorship = Authorship.loads(str(text), document.snapshot_authorship)
    room = Room(document_id=document_id, doc=doc, text=text, authorship=authorship,
                watermark=document.snapshot_seq)
    with room.lock, transaction():
        _apply_tail(room, share_lock=True)
    return room


def _apply_tail(room: Room, below: int | None = None, share_lock: bool = False) -> None:
    """Apply what the log holds past the room's watermark (caller holds the lock).

    Readers take a share lock on the document's row (PostgreSQL), so that a compaction
    committing between the two queries below cannot hide updates from them; writers
    already hold the row lock.
    """
    query = select(Document.snapshot_seq, Document.snapshot).where(
        Document.id == room.document_id)
    if share_lock:
        query = query.with_for_update(read=True)
    snapshot = db.session.execute(query).one_or_none()
    if snapshot is not None and snapshot.snapshot_seq > room.watermark and snapshot.snapshot:
        # another process compacted past us: its snapshot holds what we missed
        room.apply(snapshot.snapshot, None)
        room.watermark = snapshot.snapshot_seq
    query = select(DocumentUpdate.id, DocumentUpdate.data, DocumentUpdate.user_id).where(
        DocumentUpdate.document_id == room.document_id, DocumentUpdate.id > room.watermark)
    if below is not None:
        query = query.where(DocumentUpdate.id < below)
    for seq, data, user_id in db.session.execute(query.order_by(DocumentUpdate.id)):
        room.apply(data, user_id)
        room.watermark = seq
        room.since_compaction += 1


def catch_up(room: Room) -> None:
    """Bring the room up to the log (caller holds the lock)."""
    with transaction():
        _apply_tail(room, share_lock=True)


def append(room: Room, user, update: bytes, may_write) -> int:
    """Store an update, then apply it to the room; return its sequence number.

    ``may_write(user, document)`` is asked under the document's row lock, so a document
    frozen a moment ago refuses the update. Nothing is applied unless it is stored.
    """
    with room.lock:
        try:
            with transaction():
                document = db.session.execute(
                    select(Document).where(Document.id == room.document_id).with_for_update()
                ).scalar_one_or_none()
                if document is None:
                    raise UpdateRejected("unknown-document", "no such document")
                if not may_write(user, document):
                    raise UpdateRejected("read-only", "you may read this document but not "
                                         "change it; your change was not saved")
                row = DocumentUpdate(document_id=room.document_id, user_id=user.id,
                                     data=update)
                db.session.add(row)
                db.session.flush()
                _apply_tail(room, below=row.id)
                row.inserted, row.deleted = room.apply(update, user.id)
                room.watermark = row.id
                room.since_compaction += 1
                _count_contribution(room.document_id, user.id, row.inserted, row.deleted)
        except UpdateRejected:
            raise
        except Exception:
            # the room may hold an update the log does not: rebuild it from the log
            rooms().evict(room.document_id)
            raise
        return row.id


def _count_contribution(document_id: int, user_id: int, inserted: int, deleted: int) -> None:
    if not inserted and not deleted:
        return
    row = db.session.scalar(select(DocumentContribution).where(
        DocumentContribution.document_id == document_id,
        DocumentContribution.user_id == user_id))
    if row is None:
        row = DocumentContribution(document_id=document_id, user_id=user_id, inserted=0,
                                   deleted=0)
        db.session.add(row)
    row.inserted += inserted
    row.deleted += deleted


def compact(room: Room) -> int:
    """Replace the log up to the room's watermark by one snapshot, in one transaction.

    The snapshot is the room's doc encoded whole (applying updates to a Doc, never
    ``merge_updates`` over the log, which is far slower). Returns the updates removed.
    """
    with room.lock:
        with transaction():
            document = db.session.execute(
                select(Document).where(Document.id == room.document_id).with_for_update()
            ).scalar_one()
            _apply_tail(room)
            document.snapshot = room.doc.get_update()
            document.snapshot_seq = room.watermark
            document.snapshot_authorship = room.authorship.dumps()
            removed = db.session.execute(
                delete(DocumentUpdate).where(DocumentUpdate.document_id == room.document_id,
                                             DocumentUpdate.id <= room.watermark)
            ).rowcount
            room.since_compaction = 0
    return removed
