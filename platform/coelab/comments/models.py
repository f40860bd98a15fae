"""Comment threads anchored to a passage of a deliverable's text, and their messages.

A thread on the live (co-edited) text is anchored by two Yjs *relative positions*
(``Y.encodeRelativePosition``, base64), which follow the passage as the text is edited;
the browser resolves them. A thread on a frozen version is anchored by character
offsets in that version's text. Both keep the quoted passage, shown when it is gone.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, str_enum, utcnow
from ..deliverables.models import Deliverable
from ..models import User


class CommentVisibility(enum.StrEnum):
    """Who reads a thread: the authors and the cohort's trainers; or (with the jury
    work, not yet open) only the jury panel."""

    AUTHORS = "authors"
    PANEL = "panel"


class CommentThread(db.Model):
    __tablename__ = "comment_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    # None: the live text (anchored by relative positions); else a version's number
    version_number: Mapped[int | None] = mapped_column(Integer)
    anchor_start: Mapped[str | None] = mapped_column(String(400))
    anchor_end: Mapped[str | None] = mapped_column(String(400))
    offset_start: Mapped[int | None] = mapped_column(Integer)
    offset_end: Mapped[int | None] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    visibility: Mapped[CommentVisibility] = mapped_column(
        str_enum(CommentVisibility, 20), default=CommentVisibility.AUTHORS)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliverable: Mapped[Deliverable] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    comments: Mapped[list[Comment]] = relationship(
        back_populates="thread", order_by="Comment.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<CommentThread {self.id} on deliverable {self.deliverable_id}>"


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("comment_threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[CommentThread] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()
