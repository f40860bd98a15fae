"""Tables of the programme around the core's cohorts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from coelab.api import (
    Cohort,
    Membership,
    ModuleScope,
    Parcours,
    User,
    UTCDateTime,
    db,
    str_enum,
    utcnow,
)
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Module(db.Model):
    """One of the programme's seven modules (1.0 transversal, 2.1–2.6 thematic)."""

    __tablename__ = "programme_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    scope: Mapped[ModuleScope] = mapped_column(str_enum(ModuleScope, 20))
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return f"{self.code} — {self.title}"


class ParcoursDefinition(db.Model):
    """A parcours: its days, hours and what is left to pay for an employed person."""

    __tablename__ = "programme_parcours"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    welcome_days: Mapped[int] = mapped_column(Integer)
    training_days: Mapped[int] = mapped_column(Integer)
    hours: Mapped[int] = mapped_column(Integer)
    # what an employed trainee pays, in euro cents (the region funds 70 %)
    remaining_cost_cents: Mapped[int] = mapped_column(Integer)
    includes_transversal: Mapped[bool] = mapped_column(Boolean)
    includes_thematic: Mapped[bool] = mapped_column(Boolean)

    @property
    def total_days(self) -> int:
        return self.welcome_days + self.training_days


class Site(db.Model):
    __tablename__ = "programme_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)


class ProgrammeSession(db.Model):
    """A session of the transversal module or of the thematic modules, with its dates."""

    __tablename__ = "programme_sessions"
    __table_args__ = (UniqueConstraint("scope", "year_label", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[ModuleScope] = mapped_column(str_enum(ModuleScope, 20))
    year_label: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # the programme sometimes gives only a month ("juin 2021"): shown instead of the date
    end_label: Mapped[str | None] = mapped_column(String(50))


class CohortSetup(db.Model):
    """Which module, session and site a cohort follows."""

    __tablename__ = "cohort_setups"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("programme_modules.id"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="SET NULL")
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("programme_sites.id"))

    cohort: Mapped[Cohort] = relationship()
    module: Mapped[Module] = relationship()
    session: Mapped[ProgrammeSession | None] = relationship()
    site: Mapped[Site] = relationship()


class Gathering(db.Model):
    """One of the monthly gatherings (2 to 4 days) of a cohort."""

    __tablename__ = "cohort_gatherings"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("programme_sites.id"))
    notes: Mapped[str | None] = mapped_column(Text)

    site: Mapped[Site | None] = relationship()

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class Funding(enum.StrEnum):
    """How a trainee's training is paid for (docs/domain.md, "Sessions, sites, rhythm and
    costs"): an employed person pays the parcours' remaining cost, a job seeker nothing;
    ``other`` (self-funded, a personal training account...) pays the remaining cost like
    an employed person unless the coordination records otherwise."""

    EMPLOYED = "employed"
    JOB_SEEKER = "job_seeker"
    OTHER = "other"


class Enrolment(db.Model):
    """A trainee's enrolment in a cohort: chosen theme and funding situation.

    The parcours itself is on the core's membership, which the core's deliverables
    read; the rest of the enrolment is programme detail kept here.
    """

    __tablename__ = "cohort_enrolments"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True
    )
    thematic_module_id: Mapped[int | None] = mapped_column(ForeignKey("programme_modules.id"))
    funding: Mapped[Funding] = mapped_column(str_enum(Funding, 20), default=Funding.EMPLOYED)
    notes: Mapped[str | None] = mapped_column(Text)

    membership: Mapped[Membership] = relationship()
    thematic_module: Mapped[Module | None] = relationship()


class PassportEntry(db.Model):
    """A competency attested in a trainee's passeport compétences: validated by the jury
    of one of their deliverables (docs/domain.md, "Competencies and the passeport
    compétences")."""

    __tablename__ = "passport_entries"
    __table_args__ = (UniqueConstraint("user_id", "competency_code", "deliverable_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    competency_code: Mapped[str] = mapped_column(String(40))
    # copied: the passeport attests what was validated, whatever the framework becomes
    competency_title: Mapped[str] = mapped_column(String(500))
    block_title: Mapped[str | None] = mapped_column(String(300))
    deliverable_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliverables.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(500))
    cohort_name: Mapped[str] = mapped_column(String(200))
    validated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class Attendance(db.Model):
    """Whether a trainee attended one day of one of their cohort's gatherings, as the
    coordination recorded it; the attestation states the hours actually followed
    from it (docs/domain.md, "The attestation de fin de formation")."""

    __tablename__ = "cohort_attendance"
    __table_args__ = (UniqueConstraint("gathering_id", "user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_gatherings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus, 20))
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    gathering: Mapped[Gathering] = relationship()


class EligibilityStatus(enum.StrEnum):
    """Whether a trainee meets a diploma's access conditions (cohort/framework.py)."""

    TO_CHECK = "to_check"
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"


class DiplomaEligibility(db.Model):
    """The coordination's record of whether a trainee meets the access conditions of a
    diploma their parcours is capitalisable toward (``diploma``: a code of
    cohort/framework.py ``DIPLOMAS``), with its note. Without a record, it is still to
    be checked."""

    __tablename__ = "diploma_eligibility"
    __table_args__ = (UniqueConstraint("user_id", "diploma"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    diploma: Mapped[str] = mapped_column(String(20))
    status: Mapped[EligibilityStatus] = mapped_column(str_enum(EligibilityStatus, 20))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attestation(db.Model):
    """The attestation de fin de formation the coordination issues once a trainee's
    parcours is validated. What it states (``content``: modules, days and hours followed,
    dates, sites, deliverables and their decisions, competencies, diploma blocks) is
    kept as issued, whatever the records become."""

    __tablename__ = "training_attestations"
    __table_args__ = (UniqueConstraint("user_id", "parcours"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    parcours: Mapped[Parcours] = mapped_column(str_enum(Parcours, 5))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    # who signs it, as printed: the programme lead's name and function
    signatory: Mapped[str] = mapped_column(String(300))
    hours_followed: Mapped[float] = mapped_column(Float)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
