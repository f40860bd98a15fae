"""Who reads, starts and changes deliverables; the workflow steps' rules come from the
workflow table (:mod:`.steps`, :func:`coelab.policy.step_rules`)."""

from __future__ import annotations

from typing import Any

from ..policy import (
    Rule,
    is_document_author,
    is_staff,
    reads_deliverable,
    step_rules,
    trainee_or_staff,
    trainer_or_staff,
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


RULES: dict[str, Rule] = {
    # start one in this cohort (the operation checks it is theirs to write)
    "deliverable.start": trainee_or_staff,
    # start one for any team or trainee of the cohort: its trainers, the coordination
    "deliverable.start_for_others": trainer_or_staff,
    "deliverable.read": reads_deliverable,
    "deliverable.edit": _edit,
    "deliverable.attach": _attach,
    # due dates and individual extensions: the coordination
    "deliverable.schedule": lambda user, obj: is_staff(user),
    # who writes a kind in a cohort (team or individual...): its trainers, or staff
    "deliverable.set_authorship": trainer_or_staff,
    # every deliverable of a cohort, in one table
    "deliverable.list_cohort": trainer_or_staff,
    # submit, review, and the jury's steps: one rule per entry of the workflow table
    **step_rules(),
}
