"""Attendance at the gatherings, and the hours each trainee followed.

The coordination records, for each day of a cohort's gatherings, whether each trainee
of the cohort was present, absent, or absent with an excuse (``Attendance``,
cohort/models.py). The hours a trainee followed come from it (docs/domain.md, "The
attestation de fin de formation"): the days they were present, times their parcours'
hours per day (``ParcoursDefinition.hours / total_days``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from coelab.api import (
    Cohort,
    CohortRole,
    Membership,
    OperationError,
    Parcours,
    User,
    cohort_role,
    db,
    is_staff,
    local_today,
    record,
    transaction,
    utcnow,
)
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from .models import Attendance, AttendanceStatus, Gathering, ParcoursDefinition

# --- who may read and record it (cohort/plugin.py gives these to the policy) ------------


def _may_read_attendance(user, cohort: Cohort) -> bool:
    """The trainers of the cohort read it; the coordination reads and records it."""
    return is_staff(user) or cohort_role(user, cohort) == CohortRole.TRAINER


def _may_record_attendance(user, cohort: Cohort) -> bool:
    return is_staff(user)


POLICY_RULES = {
    "attendance.view": _may_read_attendance,
    "attendance.record": _may_record_attendance,
}


# --- reading ---------------------------------------------------------------------------


def gathering_days(gathering: Gathering) -> list[date]:
    """Each day of the gathering, first to last."""
    return [gathering.start_date + timedelta(days=n) for n in range(gathering.days)]


def trainees_of(cohort: Cohort) -> list[Membership]:
    """The cohort's trainee memberships with their people (one query), by name."""
    found = db.session.scalars(
        select(Membership).join(Membership.user).options(contains_eager(Membership.user))
        .where(Membership.cohort_id == cohort.id, Membership.role == CohortRole.TRAINEE))
    return sorted(found, key=lambda m: (m.user.last_name.lower(), m.user.first_name.lower(),
                                        m.user_id))


def attendance_of(gathering: Gathering) -> dict[tuple[int, date], AttendanceStatus]:
    """What was recorded for the gathering: ``{(user id, day): status}``."""
    return {(a.user_id, a.day): a.status for a in db.session.scalars(
        select(Attendance).where(Attendance.gathering_id == gathering.id))}


# --- recording -------------------------------------------------------------------------


def record_attendance(actor: User, gathering: Gathering,
                      marks: Mapping[tuple[int, date], str]) -> int:
    """Record the attendance of the gathering's days at once: ``marks`` maps (user id,
    day) to a status (``present``, ``absent``, ``excused``). Every mark must name a
    trainee of the gathering's cohort, a day of the gathering and a known status, and a
    day still to come cannot be marked present; otherwise nothing is written. A
    (trainee, day) left out keeps what it had. Returns how many marks changed; one
    audit event lists them."""
    if not is_staff(actor):
        raise OperationError(_("Seule la coordination note les présences."))
    days = set(gathering_days(gathering))
    cohort = db.session.get(Cohort, gathering.cohort_id)
    trainees = {m.user_id: m.user for m in trainees_of(cohort)}
    today = local_today()
    wanted: dict[tuple[int, date], AttendanceStatus] = {}
    for (user_id, day), value in marks.items():
        if user_id not in trainees:
            raise OperationError(_(
                "Une des personnes de la feuille n'est pas stagiaire de cette cohorte : "
                "rechargez la page et recommencez."))
        if day not in days:
            raise OperationError(_(
                "Le %(day)s ne fait pas partie de ce regroupement : rechargez la page et "
                "recommencez.", day=format_date(day, "long")))
        try:
            status = AttendanceStatus(value)
        except ValueError:
            raise OperationError(_(
                "Choix de présence inconnu pour %(name)s le %(day)s : choisissez "
                "présent·e, absent·e ou absent·e excusé·e.",
                name=trainees[user_id].full_name, day=format_date(day, "long"))) from None
        if status == AttendanceStatus.PRESENT and day > today:
            raise OperationError(_(
                "%(name)s ne peut pas être noté·e présent·e le %(day)s : cette journée "
                "n'a pas encore eu lieu.", name=trainees[user_id].full_name,
                day=format_date(day, "long")))
        wanted[user_id, day] = status
    try:
        with transaction():
            rows = {(a.user_id, a.day): a for a in db.session.scalars(
                select(Attendance).where(Attendance.gathering_id == gathering.id)
                .with_for_update())}
            before: dict[str, str | None] = {}
            after: dict[str, str] = {}
            for (user_id, day), status in sorted(wanted.items()):
                row = rows.get((user_id, day))
                if row is not None and row.status == status:
                    continue
                key = f"{trainees[user_id].email} {day.isoformat()}"
                before[key] = row.status.value if row is not None else None
                after[key] = status.value
                if row is None:
                    db.session.add(Attendance(
                        gathering_id=gathering.id, user_id=user_id, day=day, status=status,
                        recorded_by_id=actor.id))
                else:
                    row.status, row.recorded_by_id, row.recorded_at = status, actor.id, utcnow()
            if after:
                db.session.flush()
                record("attendance.recorded", gathering, actor=actor,
                       cohort_id=gathering.cohort_id, before=before, after=after)
    except IntegrityError:
        # someone else recorded the same trainee's day at the same moment
        raise OperationError(_(
            "La feuille de présence a été modifiée en même temps par quelqu'un d'autre : "
            "rechargez la page et recommencez.")) from None
    return len(after)


# --- hours followed ----------------------------------------------------------------------


@dataclass(frozen=True)
class DayMark:
    """One gathering day of one of the trainee's cohorts, and what was recorded."""

    cohort: Cohort
    gathering: Gathering
    day: date
    status: AttendanceStatus | None


@dataclass(frozen=True)
class Hours:
    """A trainee's days and hours at their cohorts' gatherings (docs/domain.md, "The
    attestation de fin de formation").

    ``programme_days`` and ``programme_hours`` are the parcours' own (14 days, 98 h for
    parcours I); ``scheduled_days`` the gathering days of the trainee's cohorts;
    ``present``, ``absent`` and ``excused`` the days recorded so; ``unrecorded`` the past
    days with nothing recorded, ``upcoming`` the days still to come."""

    parcours: Parcours | None
    programme_days: int
    programme_hours: float
    hours_per_day: float
    days: list[DayMark] = field(default_factory=list)

    def _count(self, status: AttendanceStatus) -> int:
        return sum(1 for d in self.days if d.status == status)

    @property
    def scheduled_days(self) -> int:
        return len(self.days)

    @property
    def present_days(self) -> int:
        return self._count(AttendanceStatus.PRESENT)

    @property
    def absent_days(self) -> int:
        """Absences without an excuse."""
        return self._count(AttendanceStatus.ABSENT)

    @property
    def excused_days(self) -> int:
        return self._count(AttendanceStatus.EXCUSED)

    @property
    def unrecorded(self) -> list[DayMark]:
        """The past days (before today) with no attendance recorded."""
        today = local_today()
        return [d for d in self.days if d.status is None and d.day < today]

    @property
    def upcoming_days(self) -> int:
        today = local_today()
        return sum(1 for d in self.days if d.status is None and d.day >= today)

    def hours(self, days: int) -> float:
        return round(days * self.hours_per_day, 2)

    @property
    def scheduled_hours(self) -> float:
        return self.hours(self.scheduled_days)

    @property
    def followed_hours(self) -> float:
        return self.hours(self.present_days)

    @property
    def absent_hours(self) -> float:
        return self.hours(self.absent_days)

    @property
    def excused_hours(self) -> float:
        return self.hours(self.excused_days)


def parcours_definition(parcours: Parcours | str | None) -> ParcoursDefinition | None:
    if parcours is None:
        return None
    return db.session.scalar(select(ParcoursDefinition).where(
        ParcoursDefinition.code == Parcours(parcours).value))


def hours_per_day(definition: ParcoursDefinition | None) -> float:
    """The parcours' hours divided by its days (98 h / 14 days = 7 h for each parcours
    of the programme); 0 when the parcours has no days."""
    if definition is None or definition.total_days <= 0:
        return 0.0
    return definition.hours / definition.total_days


def hours_of(user: User, parcours: Parcours | str | None = None,
             memberships: Iterable[Membership] | None = None) -> Hours:
    """The days and hours of ``user`` over the gatherings of the cohorts they follow as
    a trainee (two cohorts on parcours III), on ``parcours`` (by default the one of
    their trainee memberships). ``memberships``: their trainee memberships, when the
    caller has read them already (a parcours result's)."""
    if memberships is None:
        memberships = (m for m in user.memberships if m.role == CohortRole.TRAINEE)
    memberships = sorted(memberships, key=lambda m: (m.cohort.start_date, m.cohort_id))
    if parcours is None:
        parcours = next((m.parcours for m in memberships if m.parcours is not None), None)
    definition = parcours_definition(parcours)
    cohort_ids = [m.cohort_id for m in memberships]
    # the gatherings of their cohorts with what was recorded of the person, in one query
    gatherings: list[Gathering] = []
    recorded: dict[tuple[int, date], AttendanceStatus] = {}
    if cohort_ids:
        for gathering, day, status in db.session.execute(
                select(Gathering, Attendance.day, Attendance.status)
                .outerjoin(Attendance, and_(Attendance.gathering_id == Gathering.id,
                                            Attendance.user_id == user.id))
                .where(Gathering.cohort_id.in_(cohort_ids))
                .order_by(Gathering.start_date, Gathering.id)):
            if not gatherings or gatherings[-1] is not gathering:
                gatherings.append(gathering)
            if day is not None:
                recorded[gathering.id, day] = status
    cohorts = {m.cohort_id: m.cohort for m in memberships}
    days = [DayMark(cohorts[g.cohort_id], g, day, recorded.get((g.id, day)))
            for g in gatherings for day in gathering_days(g)]
    return Hours(
        parcours=Parcours(parcours) if parcours is not None else None,
        programme_days=definition.total_days if definition else 0,
        programme_hours=float(definition.hours) if definition else 0.0,
        hours_per_day=hours_per_day(definition),
        days=days,
    )
