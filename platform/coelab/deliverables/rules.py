"""Who reads, starts and changes deliverables; the workflow steps' rules come from the
workflow table (:mod:`.steps`, :func:`coelab.policy.step_rules`)."""

from __future__ import annotations

from typing import Any

from ..models import Cohort, CohortRole
from ..policy import (
    Rule,
    cohort_role,
    is_document_author,
    is_staff,
    reads_deliverable,
    step_rules,
    trainer_of,
)
from .models import Deliverable
from .steps import ATTACHABLE, WRITING


def _edit(user: Any, deliverable: Deliverable) -> bool:
    """Change the details of a deliverable: its authors while they write it; staff."""
    if is_staff(user):
        return True
    return deliverable.state in WRITING and is_document_author(user, deliverable)


def _attach(user: Any, deliverable: Deliverable) -> bool:
    """Soutenance materials: its authors until the jury decides; staff."""
    if is_staff(user):
        return True
    return deliverable.state in ATTACHABLE and is_document_author(user, deliverable)


def _trainer_or_staff(user: Any, cohort: Cohort) -> bool:
    return is_staff(user) or trainer_of(user, cohort.id)


def _start(user: Any, cohort: Cohort) -> bool:
    """Start a deliverable in this cohort (the operation checks it is theirs to write)."""
    return is_staff(user) or cohort_role(user, cohort) == CohortRole.TRAINEE


RULES: dict[str, Rule] = {
    "deliverable.start": _start,
    # start one for any team or trainee of the cohort: its trainers, the coordination
    "deliverable.start_for_others": _trainer_or_staff,
    "deliverable.read": reads_deliverable,
    "deliverable.edit": _edit,
    "deliverable.attach": _attach,
    # due dates and individual extensions: the coordination
    "deliverable.schedule": lambda user, obj: is_staff(user),
    # who writes a kind in a cohort (team or individual...): its trainers, or staff
    "deliverable.set_authorship": _trainer_or_staff,
    # every deliverable of a cohort, in one table
    "deliverable.list_cohort": _trainer_or_staff,
    # submit, review, and the jury's steps: one rule per entry of the workflow table
    **step_rules(),
}
