"""Tables of deliverables: the work itself, per-cohort schedules, extensions, files."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, str_enum, utcnow
from ..documents.models import Document, DocumentVersion
from ..models import Cohort, Team, User


class DeliverableState(enum.StrEnum):
    """The workflow states of every deliverable (docs/architecture.md, "The workflow
    table"); the review and jury workflow moves a deliverable through them, from
    ``draft``."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    READY_FOR_JURY = "ready_for_jury"
    SOUTENANCE_SCHEDULED = "soutenance_scheduled"
    DELIBERATION = "deliberation"
    DECIDED = "decided"
    RELEASED = "released"


class AuthorshipMode(enum.StrEnum):
    TEAM = "team"
    INDIVIDUAL = "individual"
    COHORT = "cohort"


def author_key(mode: AuthorshipMode, team_id: int | None, owner_id: int | None) -> str:
    """One string per set of authors, unique per cohort and kind: two teammates who
    start their case study at the same moment get one deliverable, not two."""
    if mode == AuthorshipMode.TEAM:
        return f"team:{team_id}"
    if mode == AuthorshipMode.INDIVIDUAL:
        return f"user:{owner_id}"
    return "cohort"


class Deliverable(db.Model):
    __tablename__ = "deliverables"
    __table_args__ = (UniqueConstraint("cohort_id", "kind", "author_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    authorship: Mapped[AuthorshipMode] = mapped_column(str_enum(AuthorshipMode, 20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    author_key: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="RESTRICT"), unique=True)
    state: Mapped[DeliverableState] = mapped_column(
        str_enum(DeliverableState, 30), default=DeliverableState.DRAFT)
    # the kind's detail fields ({name: value}), see coelab.plugins.DetailField
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # how many times it was submitted: each submission opens a round of review
    round: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    team: Mapped[Team | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    document: Mapped[Document] = relationship()
    extensions: Mapped[list[DeliverableExtension]] = relationship(
        back_populates="deliverable", order_by="DeliverableExtension.id",
        cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="deliverable", order_by="Attachment.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Deliverable {self.id} {self.kind} {self.author_key}>"


class DeliverableSchedule(db.Model):
    """How a cohort produces one kind of deliverable: by when, and who writes it."""

    __tablename__ = "deliverable_schedules"
    __table_args__ = (UniqueConstraint("cohort_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[date | None] = mapped_column(Date)
    authorship: Mapped[AuthorshipMode] = mapped_column(str_enum(AuthorshipMode, 20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliverableExtension(db.Model):
    """A later due date granted to one deliverable, with its reason (kept as history)."""

    __tablename__ = "deliverable_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliverable: Mapped[Deliverable] = relationship(back_populates="extensions")
    granted_by: Mapped[User | None] = relationship()


class Attachment(db.Model):
    """A file attached to a deliverable (soutenance slides...), stored under the
    instance folder with a generated name; the user's file name is only ever shown."""

    __tablename__ = "deliverable_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliverable: Mapped[Deliverable] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()


class Submission(db.Model):
    """One submission of a deliverable: the frozen version of that round, who submitted
    it, the co-authors they confirmed and the statement they accepted."""

    __tablename__ = "deliverable_submissions"
    __table_args__ = (UniqueConstraint("deliverable_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="RESTRICT"))
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    co_authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[DocumentVersion] = relationship()
    submitted_by: Mapped[User | None] = relationship()


class Transition(db.Model):
    """One step of a deliverable's workflow, with who took it and what they said."""

    __tablename__ = "deliverable_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[DeliverableState] = mapped_column(str_enum(DeliverableState, 30))
    to_state: Mapped[DeliverableState] = mapped_column(str_enum(DeliverableState, 30))
    round: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
