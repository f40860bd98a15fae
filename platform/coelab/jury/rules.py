"""Who composes a jury, who sees a panel, who declares, who reads the decision and the
soutenance's calendar. The jury's workflow steps (schedule, deliberate or examine the
written work, decide, sign, release, reopen) have their rules from the workflow table
(:mod:`coelab.deliverables.steps`)."""

from __future__ import annotations

from typing import Any

from ..deliverables.models import Deliverable
from ..policy import Rule, is_juror, is_staff, panel_member, reads_deliverable
from .models import Impartiality, JuryPanel
from .queries import decision_of


def _decision_read(user: Any, deliverable: Deliverable) -> bool:
    """The jury's decision on the deliverable's current round: the coordination and the
    sitting panel at once, the deliverable's other readers once it is released."""
    if is_staff(user):
        return True
    decision = decision_of(deliverable)  # read once per request
    if (decision is not None and decision.released_at is not None
            and reads_deliverable(user, deliverable)):
        return True
    return is_juror(user, deliverable.id)


def _view(user: Any, panel: JuryPanel) -> bool:
    return is_staff(user) or panel_member(user, panel) is not None


def _declare(user: Any, panel: JuryPanel) -> bool:
    member = panel_member(user, panel)
    return member is not None and member.impartiality == Impartiality.PENDING


RULES: dict[str, Rule] = {
    "jury.manage": lambda user, obj=None: is_staff(user),
    "jury.view": _view,
    "jury.declare": _declare,
    "jury.read_decision": _decision_read,
    # the panel's deliberation on the deliverable's page: its scores side by side and
    # every author's individual treatment; the coordination and the panel's sitting
    # members only, even once released (each score also asks assessment.read; an author
    # reads the decision and their own treatment: jury.views.jury_context)
    "jury.read_scores": lambda user, deliverable: (is_staff(user)
                                                   or is_juror(user, deliverable.id)),
    # the soutenance's calendar file names the work, its room and its panel: whoever
    # reads the deliverable, so a juror only once impartial (never after a decline)
    "jury.calendar": reads_deliverable,
}
