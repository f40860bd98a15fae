"""Tables of juries: panels, their members, the deliverables they judge, soutenances."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, str_enum, utcnow
from ..deliverables.models import Deliverable
from ..models import Cohort, User


class PanelRole(enum.StrEnum):
    PRESIDENT = "president"
    MEMBER = "member"


class Impartiality(enum.StrEnum):
    """A member's declaration, made before they may see the work."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class JuryPanel(db.Model):
    __tablename__ = "jury_panels"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship()
    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelMember.id")
    assignments: Mapped[list[PanelDeliverable]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelDeliverable.id")


class PanelMember(db.Model):
    __tablename__ = "jury_members"
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("jury_panels.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[PanelRole] = mapped_column(str_enum(PanelRole, 20))
    # a practising professional from outside the programme (invited by e-mail)
    external: Mapped[bool] = mapped_column(default=False)
    impartiality: Mapped[Impartiality] = mapped_column(
        str_enum(Impartiality, 20), default=Impartiality.PENDING)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    panel: Mapped[JuryPanel] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class PanelDeliverable(db.Model):
    """A deliverable judged by a panel (one panel per deliverable)."""

    __tablename__ = "jury_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("jury_panels.id", ondelete="CASCADE"))
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), unique=True)

    panel: Mapped[JuryPanel] = relationship(back_populates="assignments")
    deliverable: Mapped[Deliverable] = relationship()


class Soutenance(db.Model):
    """When and where a deliverable is defended before its panel."""

    __tablename__ = "jury_soutenances"

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), unique=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("jury_panels.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(300))
    video_link: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliverable: Mapped[Deliverable] = relationship()
    panel: Mapped[JuryPanel] = relationship()


class Outcome(enum.StrEnum):
    VALIDATED = "validated"
    NOT_VALIDATED = "not_validated"


class JuryDecision(db.Model):
    """The panel's decision on a round of a deliverable, with its reasons; trainees
    learn it when the coordination releases it, once every member has signed the
    minutes. A work the jury sent back for a new submission is decided anew: each
    round keeps its own decision and minutes."""

    __tablename__ = "jury_decisions"
    __table_args__ = (UniqueConstraint("deliverable_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    panel_id: Mapped[int] = mapped_column(ForeignKey("jury_panels.id", ondelete="CASCADE"))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, 20))
    reasons: Mapped[str] = mapped_column(Text)
    resubmission_allowed: Mapped[bool] = mapped_column(default=False)
    # the level the panel agreed for each criterion of the rubric {criterion key: rank}
    agreed_levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # authors of a collective work the panel treats differently:
    # {user id: {"validated": bool, "reason": str}}
    individual: Mapped[dict[str, dict]] = mapped_column(JSON, default=dict)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deliverable: Mapped[Deliverable] = relationship()
    panel: Mapped[JuryPanel] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    signatures: Mapped[list[MinutesSignature]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="MinutesSignature.id")


class MinutesSignature(db.Model):
    """A member's sign-off of the minutes (procès-verbal) of a decision."""

    __tablename__ = "jury_signatures"
    __table_args__ = (UniqueConstraint("decision_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("jury_decisions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decision: Mapped[JuryDecision] = relationship(back_populates="signatures")
    user: Mapped[User] = relationship()


def outcome_for(decision: JuryDecision, user_id: int) -> bool:
    """Whether the decision validates the work for this author (the panel may treat an
    author of a collective work differently)."""
    special = (decision.individual or {}).get(str(user_id))
    if special is not None:
        return bool(special.get("validated"))
    return decision.outcome == Outcome.VALIDATED
