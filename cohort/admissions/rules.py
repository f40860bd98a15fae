"""Who may do what in the admission procedure (docs/domain.md, "Admission").

An application is personal data: only the candidate, the coordination, the person who
interviews the candidate and the members of the commission sitting it is put before
read it (``admission.view``); anyone else gets a 404. The workflow steps' rules derive
from the table (cohort/admissions/steps.py): the step's people, while the application is
in one of its sources.
"""

from __future__ import annotations

from typing import Any

from coelab.api import db, is_staff, read_once
from sqlalchemy import select

from .models import (
    ADMITTING,
    Application,
    ApplicationState,
    Commission,
    CommissionMember,
    Interview,
)
from .steps import EDITABLE, STEPS, Step


def is_candidate(user: Any, application: Application) -> bool:
    return bool(user.is_authenticated and application.candidate_id == user.id)


# A page asks these of one person several times (whether they may read the application,
# take its steps, fetch its calendar file): each is read once per request, and read again
# after any write (coelab.api.read_once).


def is_interviewer(user: Any, application: Application) -> bool:
    if not user.is_authenticated:
        return False
    return read_once(("admission.interviewer", application.id, user.id), lambda: (
        db.session.scalar(select(Interview.id).where(
            Interview.application_id == application.id,
            Interview.interviewer_id == user.id)) is not None))


def is_commission_member(user: Any, commission: Commission | None) -> bool:
    if commission is None or not user.is_authenticated:
        return False
    if commission.chair_id == user.id:
        return True
    return read_once(("admission.commission_member", commission.id, user.id), lambda: (
        db.session.scalar(select(CommissionMember.id).where(
            CommissionMember.commission_id == commission.id,
            CommissionMember.user_id == user.id)) is not None))


def is_chair(user: Any, application: Application) -> bool:
    commission = application.commission
    return bool(user.is_authenticated and commission is not None
                and commission.chair_id == user.id)


def _chair_of_open_sitting(user: Any, application: Application) -> bool:
    return is_chair(user, application) and application.commission.closed_at is None


#: states in which an application may be deleted at the candidate's request
DELETABLE = frozenset({ApplicationState.DRAFT, ApplicationState.WITHDRAWN,
                       ApplicationState.REFUSED})


#: the people a step's ``who`` names
PEOPLE = {
    "candidate": is_candidate,
    "staff": lambda user, application: is_staff(user),
    "candidate_or_staff": lambda user, a: is_candidate(user, a) or is_staff(user),
    "interviewer_or_staff": lambda user, a: is_interviewer(user, a) or is_staff(user),
    # the chair records the decisions of a sitting still open
    "chair": _chair_of_open_sitting,
    "chair_or_staff": lambda user, a: is_chair(user, a) or is_staff(user),
}


def may_view(user: Any, application: Application | None) -> bool:
    if application is None or not user.is_authenticated:
        return False
    return (is_staff(user) or is_candidate(user, application)
            or is_interviewer(user, application)
            or is_commission_member(user, application.commission))


def _step_rule(step: Step):
    who = PEOPLE[step.who]

    def rule(user: Any, application: Application | None = None) -> bool:
        return (application is not None and application.state in step.sources
                and who(user, application))
    return rule


def may_enrol(user: Any, application: Application | None) -> bool:
    """An admitted application whose sitting closed its list becomes an enrolment."""
    return bool(is_staff(user) and application is not None
                and application.state in ADMITTING and application.enrolled_at is None
                and application.commission is not None
                and application.commission.closed_at is not None)


def before_open_sitting(application: Application) -> bool:
    """Whether the application is before a sitting whose list is not closed: waiting
    for its decision, or decided without the candidate being told yet."""
    commission = application.commission
    return commission is not None and commission.closed_at is None


def may_withdraw(user: Any, application: Application | None = None) -> bool:
    """The coordination withdraws an application for its candidate at any step before a
    final decision; the candidate themselves until it goes before the commission, and
    again from the waiting list once the sitting's list is closed. While a sitting has
    it, the candidate writes to the coordination: what they may do then must not tell
    them whether the commission has already decided."""
    if application is None or application.state not in STEPS["withdraw"].sources:
        return False
    if is_staff(user):
        return True
    return is_candidate(user, application) and not before_open_sitting(application)


def may_delete(user: Any, application: Application | None = None) -> bool:
    """A draft, or a withdrawn or refused application, may be deleted at the candidate's
    request; a refusal the candidate has not been told yet is not theirs to delete."""
    if application is None or application.state not in DELETABLE:
        return False
    if is_staff(user):
        return True
    return is_candidate(user, application) and not before_open_sitting(application)


RULES = {
    **{step.action: _step_rule(step) for step in STEPS.values()},
    "admission.view": may_view,
    "admission.edit": lambda user, a=None: (a is not None and is_candidate(user, a)
                                            and a.state in EDITABLE),
    # campaigns, partner organisations, sittings, the pipeline
    "admission.manage": lambda user, obj=None: is_staff(user),
    "admission.view_commission": lambda user, c=None: (
        is_staff(user) or is_commission_member(user, c)),
    "admission.enrol": may_enrol,
    "admission.withdraw": may_withdraw,
    # the candidate's own deletion of their data: a draft, or once withdrawn or refused
    "admission.delete": may_delete,
}
