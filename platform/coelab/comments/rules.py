"""Who reads and answers inline comments: a discussion of the authors with their
trainers, and the jurors' private notes on the work their panel judges."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..deliverables.models import DeliverableState
from ..policy import Rule, is_juror, is_staff, reads_deliverable


def _read(user: Any, thread: Any) -> bool:
    """A thread for the authors: whoever reads the deliverable (its authors, the trainers
    of its cohort, the coordination). A juror's note ("panel"): the panel and the
    coordination. Like each juror's score, it reaches the deliverable's readers after
    the release only where the organisation publishes its jurors' individual
    assessments (``COELAB_PUBLISH_JUROR_SCORES``, README.md): the authors learn the
    jury's decision, its agreed levels and reasons, not each member's view."""
    deliverable = thread.deliverable
    if str(thread.visibility) == "panel":
        if is_staff(user) or is_juror(user, deliverable.id):
            return True
        return (deliverable.state == DeliverableState.RELEASED
                and bool(current_app.config.get("PUBLISH_JUROR_SCORES", False))
                and reads_deliverable(user, deliverable))
    return reads_deliverable(user, deliverable)


def _act(user: Any, thread: Any) -> bool:
    """Reply to or resolve a thread: its readers; a juror's note, the panel only."""
    if str(thread.visibility) == "panel":
        return is_staff(user) or is_juror(user, thread.deliverable_id)
    return _read(user, thread)


RULES: dict[str, Rule] = {
    "comment.create": reads_deliverable,
    "comment.read": _read,
    "comment.reply": _act,
    "comment.resolve": _act,
    # a juror's private note, on the work their panel judges
    "comment.create_panel": lambda user, deliverable: is_juror(user, deliverable.id),
}
