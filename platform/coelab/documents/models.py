"""Tables of co-edited documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, utcnow
from ..models import Cohort, Team, User


class Document(db.Model):
    """A co-edited Markdown text. Its content is only ever its Yjs state: the last
    snapshot followed by the updates appended after it."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           index=True)
    title: Mapped[str] = mapped_column(String(300))
    # who writes it: a team, one trainee, or (neither set) every trainee of the cohort
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # the deliverable kind this document belongs to, if any (declared by a plugin)
    kind: Mapped[str | None] = mapped_column(String(100))
    # frozen documents are read-only for everyone (e.g. once submitted)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # compaction: the merged state of every update with seq <= snapshot_seq
    snapshot: Mapped[bytes | None] = mapped_column(LargeBinary)
    snapshot_seq: Mapped[int] = mapped_column(Integer, default=0)
    # who wrote which part of the snapshot's text: JSON runs [[user_id, utf8_bytes], ...]
    snapshot_authorship: Mapped[str | None] = mapped_column(Text)
    # when the last update folded into the snapshot was written (the log keeps the rest)
    snapshot_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()
    team: Mapped[Team | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])


class DocumentUpdate(db.Model):
    """One Yjs v1 update, appended before it is acknowledged or broadcast."""

    __tablename__ = "document_updates"
    # sequence numbers must never be reused after compaction deletes the log's prefix
    # (SQLite would otherwise hand out max(id) + 1 again)
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)  # the log's sequence number
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    inserted: Mapped[int] = mapped_column(Integer, default=0)  # characters
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentContribution(db.Model):
    """Characters each person inserted and deleted in a document (kept through compaction)."""

    __tablename__ = "document_contributions"
    __table_args__ = (UniqueConstraint("document_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()


class DocumentVersion(db.Model):
    """An immutable, numbered copy of a document's exact state."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    state: Mapped[bytes] = mapped_column(LargeBinary)
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # versions frozen by the system (a submission) rather than saved by a person
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()
