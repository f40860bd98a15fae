"""Tables of the competency framework, cohort rubrics and assessments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, str_enum, utcnow
from ..deliverables.models import Deliverable, Submission
from ..models import Cohort, User


class BlockScope(enum.StrEnum):
    """What a block of the framework gathers: the competencies one module of the
    programme works (its code is the module's, ``1.0``, ``2.4``…), or those of a
    diploma's domain a parcours is capitalisable toward (``CAFERUIS-DC3``…), see
    docs/domain.md, "Competencies and the passeport compétences"."""

    MODULE = "module"
    DIPLOMA = "diploma"


class CompetencyBlock(db.Model):
    """A block of the framework: a module of the programme or a diploma's domain."""

    __tablename__ = "competency_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    scope: Mapped[BlockScope] = mapped_column(
        str_enum(BlockScope, 20), default=BlockScope.MODULE, server_default="module")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    competencies: Mapped[list[Competency]] = relationship(
        back_populates="block", order_by="(Competency.position, Competency.code)",
        cascade="all, delete-orphan")


class Competency(db.Model):
    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(
        ForeignKey("competency_blocks.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    block: Mapped[CompetencyBlock] = relationship(back_populates="competencies")


class CohortRubric(db.Model):
    """A cohort's own copy of a kind's default rubric, made on its first edit (or when
    the first assessment uses the default); ``locked`` once an assessment uses it."""

    __tablename__ = "cohort_rubrics"
    __table_args__ = (UniqueConstraint("cohort_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    # the criteria, as coelab.assessments.rubrics.Rubric.as_data() gives them
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship()


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class AssessmentKind(enum.StrEnum):
    """What an assessment is, written when it is made and never recomputed from the
    panel as it is later: a trainer's review of a round, or a juror's score around the
    soutenance (README.md, "How it is built")."""

    REVIEW = "review"
    JURY = "jury"


class Assessment(db.Model):
    """One assessor's assessment of one submitted version (a round) of a deliverable."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("submission_id", "assessor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("deliverable_submissions.id", ondelete="CASCADE"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus, 20), default=AssessmentStatus.DRAFT)
    kind: Mapped[AssessmentKind] = mapped_column(
        str_enum(AssessmentKind, 20), default=AssessmentKind.REVIEW, server_default="review")
    # a juror's score: the panel it was given in and the round (the sitting) it belongs
    # to, whose decision it informs (coelab.jury.models.JuryDecision.round); None for a
    # review
    panel_id: Mapped[int | None] = mapped_column(
        ForeignKey("jury_panels.id", ondelete="SET NULL"), index=True)
    round: Mapped[int | None] = mapped_column(Integer)
    # a juror's score withdrawn when its juror left the panel before the decision: kept
    # for the panel, out of the deliberation
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the criteria in force when the assessment began (the rubric is then locked)
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {criterion key: level index (0 = lowest)}, {criterion key: comment}
    levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    comments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    overall_comment: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliverable: Mapped[Deliverable] = relationship()
    submission: Mapped[Submission] = relationship()
    assessor: Mapped[User] = relationship()

    @property
    def submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED

    @property
    def jury(self) -> bool:
        return self.kind == AssessmentKind.JURY

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None
