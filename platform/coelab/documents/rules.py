"""Who reads and writes a co-edited document (its readers and authors are the policy
engine's vocabulary: :func:`coelab.policy.reads_document`)."""

from __future__ import annotations

from typing import Any

from ..models import Cohort, CohortRole
from ..policy import Rule, cohort_role, is_staff, reads_document, writes_document


def _create(user: Any, cohort: Cohort) -> bool:
    return is_staff(user) or cohort_role(user, cohort) == CohortRole.TRAINEE


RULES: dict[str, Rule] = {
    "document.create": _create,
    "document.read": reads_document,
    "document.write": writes_document,
    "document.save_version": writes_document,
}
