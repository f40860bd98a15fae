"""Tables of the admission procedure (docs/domain.md, "Admission"): campaigns, the
candidates' applications and their attachments, the workflow's transitions, interviews,
partner organisations, commission sittings, their members and decisions, the passeport
opened at enrolment, and the anonymised counts left by deleted applications.

An application's state moves only through the workflow table (cohort/admissions/steps.py)
by a conditional UPDATE (cohort/admissions/workflow.py), like a deliverable's.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from coelab.api import Parcours, User, UTCDateTime, db, str_enum, utcnow
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Funding, Module, Site


class ApplicationState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    COMPLETE = "complete"
    INTERVIEW_SCHEDULED = "interview_scheduled"
    INTERVIEWED = "interviewed"
    BEFORE_COMMISSION = "before_commission"
    ADMITTED = "admitted"
    ADMITTED_DEROGATION = "admitted_derogation"
    WAITING_LIST = "waiting_list"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


A = ApplicationState
#: the commission's decisions (each a state an application reaches by a decision)
DECISIONS = (A.ADMITTED, A.ADMITTED_DEROGATION, A.WAITING_LIST, A.REFUSED)
#: the decisions that admit (an admitted application becomes an enrolment)
ADMITTING = frozenset({A.ADMITTED, A.ADMITTED_DEROGATION})


class Campaign(db.Model):
    """A recruitment campaign: applications are received continuously between
    ``opens_on`` and ``closes_on`` (the programme's: September to May) for the sessions
    of the year ``year_label`` (cohort/catalogue.py ``SESSIONS``). An application not
    admitted is deleted ``retention_months`` after ``closes_on``."""

    __tablename__ = "admission_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year_label: Mapped[str] = mapped_column(String(20))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    retention_months: Mapped[int] = mapped_column(Integer, default=12)
    # what the coordination adds on the public page (contact, information meetings...)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PartnerOrganisation(db.Model):
    """A partner organisation of the programme: one of its representatives sits on each
    admission commission."""

    __tablename__ = "admission_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Application(db.Model):
    """A candidate's application to a campaign: the dossier (fiche descriptive, lettre de
    motivation, wishes, funding), the facts the access profiles read, and where the
    procedure stands. One per candidate and campaign."""

    __tablename__ = "admission_applications"
    __table_args__ = (UniqueConstraint("campaign_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("admission_campaigns.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[ApplicationState] = mapped_column(
        str_enum(ApplicationState, 30), default=ApplicationState.DRAFT, index=True)

    # fiche descriptive
    situation: Mapped[str | None] = mapped_column(Text)  # current situation
    employer: Mapped[str | None] = mapped_column(String(200))  # employer or status
    job_title: Mapped[str | None] = mapped_column(String(200))
    career: Mapped[str | None] = mapped_column(Text)  # career path
    education: Mapped[str | None] = mapped_column(Text)  # initial and continuing
    highest_diploma: Mapped[str | None] = mapped_column(String(300))
    # level of the highest diploma on the French scale (3 = CAP … 8 = doctorat)
    diploma_level: Mapped[int | None] = mapped_column(Integer)
    motivation: Mapped[str | None] = mapped_column(Text)  # lettre de motivation

    # wishes
    parcours: Mapped[Parcours | None] = mapped_column(str_enum(Parcours, 5))
    thematic_module_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_modules.id", ondelete="SET NULL"))
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_sites.id", ondelete="SET NULL"))
    # the preferred session's number (1-3) of the campaign's year; None: no preference
    session_number: Mapped[int | None] = mapped_column(Integer)
    funding: Mapped[Funding | None] = mapped_column(str_enum(Funding, 20))

    # the facts the access profiles read (cohort/admissions/profiles.py)
    in_sector: Mapped[bool | None] = mapped_column(Boolean)  # works in the social field
    management_months: Mapped[int | None] = mapped_column(Integer)
    job_seeker: Mapped[bool | None] = mapped_column(Boolean)
    mobility: Mapped[bool | None] = mapped_column(Boolean)  # professional mobility
    volunteering_months: Mapped[int | None] = mapped_column(Integer)
    # the professional or volunteering project, when a derogation is needed
    derogation_project: Mapped[str | None] = mapped_column(Text)
    # computed from the facts each time they are saved: the codes of the profiles met,
    # and what a derogation would bear on ("qualification", "experience")
    profiles: Mapped[list[str]] = mapped_column(JSON, default=list)
    derogation: Mapped[list[str]] = mapped_column(JSON, default=list)

    # the commission sitting the application is put before
    commission_id: Mapped[int | None] = mapped_column(
        ForeignKey("admission_commissions.id", ondelete="SET NULL"), index=True)
    # the coordination's note when it asks for more (back to draft)
    coordinator_note: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship()
    candidate: Mapped[User] = relationship()
    thematic_module: Mapped[Module | None] = relationship()
    site: Mapped[Site | None] = relationship()
    commission: Mapped[Commission | None] = relationship()
    attachments: Mapped[list[ApplicationAttachment]] = relationship(
        back_populates="application", cascade="all, delete-orphan",
        order_by="ApplicationAttachment.id")
    interview: Mapped[Interview | None] = relationship(
        back_populates="application", cascade="all, delete-orphan", uselist=False)

    @property
    def needs_derogation(self) -> bool:
        return bool(self.derogation)


class AttachmentCategory(enum.StrEnum):
    CV = "cv"
    DIPLOMA = "diploma"
    OTHER = "other"


class ApplicationAttachment(db.Model):
    """A file of the dossier (CV, diploma...), stored like a deliverable's attachments
    (checked by content, in the uploads folder under an opaque name)."""

    __tablename__ = "admission_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("admission_applications.id", ondelete="CASCADE"), index=True)
    category: Mapped[AttachmentCategory] = mapped_column(str_enum(AttachmentCategory, 20))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="attachments")


class ApplicationTransition(db.Model):
    """One step of an application's procedure, with who took it and what they said
    (the same shape as a deliverable's transitions)."""

    __tablename__ = "admission_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("admission_applications.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[ApplicationState] = mapped_column(str_enum(ApplicationState, 30))
    to_state: Mapped[ApplicationState] = mapped_column(str_enum(ApplicationState, 30))
    comment: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()


class Opinion(enum.StrEnum):
    """The interviewer's opinion on the admission."""

    FAVOURABLE = "favourable"
    RESERVED = "reserved"
    UNFAVOURABLE = "unfavourable"


#: the diplomas a VAE accompaniment is proposed toward (docs/domain.md, "Admission")
VAE_DIPLOMAS = ("DESJEPS", "DEIS", "CAFERUIS", "CAFDES")


class Interview(db.Model):
    """The admission interview: when and where (or the video link), with whom, then
    its record, one part per aim of the interview (docs/domain.md, "Admission")."""

    __tablename__ = "admission_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("admission_applications.id", ondelete="CASCADE"), unique=True)
    interviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    place: Mapped[str | None] = mapped_column(String(300))
    video_url: Mapped[str | None] = mapped_column(String(500))
    # the calendar file's SEQUENCE: a moved interview replaces the event in calendars
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    # the record
    prerequisites: Mapped[str | None] = mapped_column(Text)
    objectives: Mapped[str | None] = mapped_column(Text)
    personalisation: Mapped[str | None] = mapped_column(Text)
    immersion: Mapped[str | None] = mapped_column(Text)
    complementary_training: Mapped[str | None] = mapped_column(Text)
    vae_proposal: Mapped[list[str]] = mapped_column(JSON, default=list)
    vae_note: Mapped[str | None] = mapped_column(Text)
    funding_note: Mapped[str | None] = mapped_column(Text)
    opinion: Mapped[Opinion | None] = mapped_column(str_enum(Opinion, 20))
    opinion_text: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    application: Mapped[Application] = relationship(back_populates="interview")
    interviewer: Mapped[User | None] = relationship(foreign_keys=[interviewer_id])


class Commission(db.Model):
    """A sitting of the admission commission: it decides on the applications put before
    it; once its list of admitted people is closed ("arrêtée", ``closed_at``), its
    decisions are final (a later change is a new decision)."""

    __tablename__ = "admission_commissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("admission_campaigns.id", ondelete="CASCADE"), index=True)
    sits_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(300))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    members: Mapped[list[CommissionMember]] = relationship(
        back_populates="commission", cascade="all, delete-orphan",
        order_by="CommissionMember.id")


class CommissionRole(enum.StrEnum):
    """Who sits on the commission (docs/domain.md, "Admission")."""

    DIRECTOR = "director"
    PROGRAMME_LEAD = "programme_lead"
    PARTNER = "partner"


class CommissionMember(db.Model):
    __tablename__ = "admission_commission_members"
    __table_args__ = (UniqueConstraint("commission_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(
        ForeignKey("admission_commissions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[CommissionRole] = mapped_column(str_enum(CommissionRole, 20))
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("admission_partners.id", ondelete="SET NULL"))

    commission: Mapped[Commission] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
    partner: Mapped[PartnerOrganisation | None] = relationship()


class CommissionDecision(db.Model):
    """A decision of the commission on one application, as its chair recorded it. A
    change is a new row (the latest one stands), with its reason."""

    __tablename__ = "admission_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("admission_applications.id", ondelete="CASCADE"), index=True)
    commission_id: Mapped[int | None] = mapped_column(
        ForeignKey("admission_commissions.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[ApplicationState] = mapped_column(str_enum(ApplicationState, 30))
    reason: Mapped[str | None] = mapped_column(Text)
    # True for a change made after the sitting's list was closed
    revision: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User | None] = relationship()


class PassportOpening(db.Model):
    """The passeport compétences opened at the enrolment of an admitted person: how
    their parcours is personalised, as the admission interview recorded it (kept as
    opened, whatever the application becomes)."""

    __tablename__ = "passport_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("admission_applications.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # {"parcours", "profiles", "derogation", "objectives", "personalisation",
    #  "immersion", "complementary_training", "vae_proposal", "vae_note", "funding_note"}
    personalisation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PurgedApplications(db.Model):
    """What is left of deleted applications: a count, without anyone's data."""

    __tablename__ = "admission_purged_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("admission_campaigns.id", ondelete="SET NULL"))
    state: Mapped[ApplicationState] = mapped_column(str_enum(ApplicationState, 30))
    parcours: Mapped[str | None] = mapped_column(String(5))
    # "retention" (the period after the campaign ran out) or "request" (the candidate's)
    reason: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
