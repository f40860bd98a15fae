"""Every change to comments: a new thread, a reply, resolving and reopening.

Each operation checks its input (with a plain French message for the person), writes in
one transaction with its audit event, and, once committed, tells the browsers viewing
the document (``comments-changed`` on its socket.io namespace) to fetch the list again.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record
from ..db import db, transaction, utcnow
from ..deliverables.models import Deliverable
from ..deliverables.operations import authors_of
from ..documents.connections import PREFIX
from ..documents.models import DocumentVersion
from ..documents.yencoding import UpdateFormatError, read_uint
from ..extensions import socketio
from ..models import User
from ..notifications.operations import app_path
from ..notifications.operations import notify as notify_people
from ..operations import OperationError
from ..policy import can
from .models import Comment, CommentThread, CommentVisibility

log = logging.getLogger(__name__)

MAX_BODY = 5000
MAX_QUOTE = 2000
# an encoded relative position is a few bytes: a type tag, a client id, a clock (or a
# root type's name) and an association; anything much larger is not one
MAX_ANCHOR_BYTES = 256
MAX_OFFSET = 10_000_000


def _read_varuint(data: bytes, at: int) -> tuple[int, int]:
    """One lib0 variable-length integer and the position after it (the documents'
    reader, documents/yencoding.read_uint), a ValueError when it is cut or too long."""
    try:
        return read_uint(data, at)
    except (IndexError, UpdateFormatError):
        raise ValueError("truncated integer") from None


def _varuint(data: bytes, at: int) -> int:
    """Skip one lib0 variable-length integer, unsigned or signed (both end at the first
    byte without the continuation bit)."""
    return _read_varuint(data, at)[1]


def decode_anchor(value) -> bytes:
    """The bytes of a relative position sent by a browser, if they look like one.

    pycrdt has no relative positions: this only checks the shape of lib0's encoding
    (kind 0: item id; 1: root type name; 2: type id; then the association) so that
    nothing but a well-formed, small value is stored. It is never trusted further.
    """
    if not isinstance(value, str) or not value or len(value) > 2 * MAX_ANCHOR_BYTES:
        raise ValueError("not a short string")
    data = base64.b64decode(value.encode("ascii", "strict"), validate=True)
    if not data or len(data) > MAX_ANCHOR_BYTES:
        raise ValueError("bad size")
    kind, at = _read_varuint(data, 0)
    if kind in (0, 2):
        at = _varuint(data, _varuint(data, at))  # client, clock
    elif kind == 1:
        length, at = _read_varuint(data, at)
        if at + length > len(data):
            raise ValueError("truncated name")
        data[at:at + length].decode("utf-8")
        at += length
    else:
        raise ValueError("unknown kind")
    if at < len(data):
        at = _varuint(data, at)  # assoc (absent in encodings before yjs 13.5)
    if at != len(data):
        raise ValueError("trailing bytes")
    return data


def _check_anchor(value) -> str:
    try:
        decode_anchor(value)
    except (ValueError, UnicodeError, binascii.Error):
        raise OperationError(_("Le passage commenté n'a pas pu être repéré dans le texte. "
                               "Rechargez la page et sélectionnez-le de nouveau.")) from None
    return value


def _check_body(body) -> str:
    body = body.strip() if isinstance(body, str) else ""
    if not body:
        raise OperationError(_("Écrivez votre commentaire avant de le publier."))
    if len(body) > MAX_BODY:
        raise OperationError(_("Commentaire trop long : %(max)s caractères au plus.",
                               max=MAX_BODY))
    return body


def _check_quote(quote) -> str:
    if not isinstance(quote, str) or not quote.strip():
        raise OperationError(_("Sélectionnez d'abord le passage à commenter."))
    if len(quote) > MAX_QUOTE:
        raise OperationError(_("Passage trop long : sélectionnez au plus %(max)s caractères.",
                               max=MAX_QUOTE))
    return quote


@dataclass(frozen=True)
class Anchor:
    """Where a new thread points: relative positions in the live text, or character
    offsets in a version."""

    start: object
    end: object
    version: int | None = None


def create_thread(actor: User, deliverable: Deliverable, *, anchor: Anchor, quote: str,
                  body: str,
                  visibility: str = CommentVisibility.AUTHORS) -> CommentThread:
    try:
        visibility = CommentVisibility(visibility)
    except ValueError:
        raise OperationError(_("Visibilité inconnue pour ce commentaire.")) from None
    if visibility == CommentVisibility.PANEL and not can(actor, "comment.create_panel",
                                                         deliverable):
        raise OperationError(_("Les notes réservées au jury ne sont pas encore ouvertes."))
    quote = _check_quote(quote)
    body = _check_body(body)
    values: dict = {}
    if anchor.version is None:
        values.update(anchor_start=_check_anchor(anchor.start),
                      anchor_end=_check_anchor(anchor.end))
    else:
        version = db.session.scalar(select(DocumentVersion).where(
            DocumentVersion.document_id == deliverable.document_id,
            DocumentVersion.number == anchor.version))
        if version is None:
            raise OperationError(_("Cette version n'existe pas."))
        start, end = anchor.start, anchor.end
        if (type(start) is not int or type(end) is not int
                or not 0 <= start < end <= MAX_OFFSET or end - start > 2 * MAX_QUOTE):
            raise OperationError(_("Le passage commenté n'a pas pu être repéré dans cette "
                                   "version. Sélectionnez-le de nouveau."))
        values.update(version_number=version.number, offset_start=start, offset_end=end)
    with transaction():
        thread = CommentThread(deliverable_id=deliverable.id, quote=quote,
                               visibility=visibility, created_by_id=actor.id, **values)
        db.session.add(thread)
        db.session.flush()
        comment = Comment(thread_id=thread.id, author_id=actor.id, body=body)
        db.session.add(comment)
        db.session.flush()
        record("comment.thread_created", thread, actor=actor,
               cohort_id=deliverable.cohort_id,
               after={"deliverable_id": deliverable.id, "version": thread.version_number,
                      "quote": quote[:200], "comment_id": comment.id,
                      "visibility": visibility})
    notify(thread)
    _tell_readers(actor, thread, body, first=True)
    return thread


def reply(actor: User, thread: CommentThread, body: str) -> Comment:
    body = _check_body(body)
    with transaction():
        comment = Comment(thread_id=thread.id, author_id=actor.id, body=body)
        db.session.add(comment)
        thread.updated_at = utcnow()
        db.session.flush()
        record("comment.replied", thread, actor=actor,
               cohort_id=thread.deliverable.cohort_id, after={"comment_id": comment.id})
    db.session.refresh(thread)
    notify(thread)
    _tell_readers(actor, thread, body, first=False)
    return comment


def set_resolved(actor: User, thread: CommentThread, resolved: bool) -> CommentThread:
    if thread.resolved == resolved:
        return thread  # someone else did it a moment ago: nothing to change
    with transaction():
        before = {"resolved": thread.resolved}
        thread.resolved = resolved
        thread.resolved_at = utcnow() if resolved else None
        thread.resolved_by_id = actor.id if resolved else None
        thread.updated_at = utcnow()
        db.session.flush()
        record("comment.resolved" if resolved else "comment.reopened", thread, actor=actor,
               cohort_id=thread.deliverable.cohort_id, before=before,
               after={"resolved": resolved})
    notify(thread)
    return thread


def notify(thread: CommentThread) -> None:
    """Tell every browser on the document (after the commit) that the list changed."""
    try:
        socketio.emit("comments-changed", {"thread_id": thread.id},
                      namespace=f"{PREFIX}{thread.deliverable.document_id}")
    except Exception:  # noqa: BLE001 - a failed notice never undoes the change
        log.exception("could not announce the change of comment thread %s", thread.id)


def _tell_readers(actor: User, thread: CommentThread, body: str, *, first: bool) -> None:
    """"Comment on your passage": the authors of the work when someone else writes, and
    on a reply whoever took part in the thread; never the writer, and only those who
    may read the thread (a juror's private note reaches no author)."""

    deliverable = thread.deliverable
    authors = authors_of(deliverable)
    people: list[User] = []
    if actor.id not in {a.id for a in authors}:
        people += authors
    if not first:
        people += db.session.scalars(select(User).join(Comment, Comment.author_id == User.id)
                                     .where(Comment.thread_id == thread.id).distinct())
    readers = [p for p in people if p.id != actor.id and can(p, "comment.read", thread)]
    if not readers:
        return
    if first:
        subject = _("Nouveau commentaire sur « %(title)s »", title=deliverable.title)
    else:
        subject = _("Réponse à un commentaire sur « %(title)s »", title=deliverable.title)
    quote = thread.quote if len(thread.quote) <= 200 else thread.quote[:199] + "…"
    text = body if len(body) <= 1000 else body[:999] + "…"
    notify_people(readers, subject,
                  _("%(name)s, sur le passage « %(quote)s » :\n%(text)s",
                    name=actor.full_name, quote=quote, text=text),
                  app_path("deliverables.page", deliverable_id=deliverable.id))


def threads_for(user: User, deliverable: Deliverable) -> list[CommentThread]:
    threads = db.session.scalars(select(CommentThread).where(
        CommentThread.deliverable_id == deliverable.id).order_by(CommentThread.id))
    return [t for t in threads if can(user, "comment.read", t)]
