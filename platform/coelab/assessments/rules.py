"""Who assesses a deliverable and who reads an assessment: trainers review during the
review, jurors score each on their own around the soutenance, or during the examination
of a work judged on its written version alone (the workflow table's ``JURY_SCORING`` and
``BLIND_SCORING``, :mod:`coelab.deliverables.steps`)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select

from ..db import db
from ..deliverables.models import Deliverable, DeliverableState
from ..deliverables.steps import BLIND_SCORING, JURY_SCORING, route_of
from ..jury.models import Impartiality, JuryDecision, PanelDeliverable, PanelMember
from ..jury.queries import scoring_complete
from ..policy import (
    Rule,
    is_juror,
    is_staff,
    member_or_staff,
    reads_deliverable,
    reviews,
    sits_on,
    staff,
)
from .models import Assessment, AssessmentKind, AssessmentStatus


def _create(user: Any, deliverable: Deliverable) -> bool:
    """Assess the current round: the trainers of its cohort, or staff, during review;
    the jurors of its panel, each on their own, around the soutenance (soutenance route)
    or during the examination of the written work (written route: the deliberation
    state, the soutenance route's other scoring state being never reached)."""
    if deliverable.state == DeliverableState.IN_REVIEW:
        return reviews(user, deliverable)
    return deliverable.state in JURY_SCORING and is_juror(user, deliverable.id)


# a sitting member of this panel, which judges this deliverable
_SITS_ON = (select(PanelMember.id).join(PanelDeliverable,
                                       PanelDeliverable.panel_id == PanelMember.panel_id)
            .where(PanelMember.user_id == bindparam("user_id"),
                   PanelMember.impartiality == Impartiality.ACCEPTED,
                   PanelDeliverable.deliverable_id == bindparam("deliverable_id"),
                   PanelMember.panel_id == bindparam("panel_id")))
_RELEASED = select(JuryDecision.id).where(
    JuryDecision.deliverable_id == bindparam("deliverable_id"),
    JuryDecision.round == bindparam("round"), JuryDecision.panel_id == bindparam("panel_id"),
    JuryDecision.released_at.is_not(None))


def _score_released(assessment: Assessment) -> bool:
    """Whether the decision its panel took on its round has been released."""
    return db.session.execute(_RELEASED, {
        "deliverable_id": assessment.deliverable_id, "round": assessment.round,
        "panel_id": assessment.panel_id}).first() is not None


def publishes_juror_scores() -> bool:
    """Whether the organisation publishes each juror's score to the work's readers once
    the result is released (setting ``COELAB_PUBLISH_JUROR_SCORES``, off by default)."""
    return bool(current_app.config.get("PUBLISH_JUROR_SCORES", False))


def _jury_score_read(user: Any, assessment: Assessment) -> bool:
    """A juror's score, as written when it was given (whoever sits on the panel today).

    Jurors score independently: the panel that gave it reads it once every sitting
    member has scored the round, or once the deliberation is open on the soutenance
    route (``BLIND_SCORING``); the coordination at once. A juror's score and comments
    stay within the panel and the coordination: after the release the authors read the
    panel's result (decision, levels agreed, reasons, minutes), not each juror's score,
    unless the organisation publishes them (:func:`publishes_juror_scores`: then the
    deliverable's readers read the scores of a released decision). A score withdrawn
    when its juror left the panel stays with the panel and the coordination."""
    if is_staff(user):
        return True
    deliverable = assessment.deliverable
    if (publishes_juror_scores() and not assessment.withdrawn
            and _score_released(assessment)):
        return reads_deliverable(user, deliverable)
    if assessment.panel_id is None:
        return False
    seated = sits_on(user, deliverable.id, assessment.panel_id)  # the request's facts
    if seated is None:
        seated = db.session.execute(_SITS_ON, {
            "user_id": user.id, "deliverable_id": deliverable.id,
            "panel_id": assessment.panel_id}).first() is not None
    if not seated:
        return False
    if (assessment.round == deliverable.round
            and deliverable.state in BLIND_SCORING[route_of(deliverable)]):
        # each on their own until every sitting juror has scored
        return scoring_complete(deliverable)
    return True


def _read(user: Any, assessment: Assessment) -> bool:
    """A draft: its assessor only. Once submitted: its assessor; a trainer's review,
    whoever reads the deliverable; a juror's score, the jury's rules above. What it is
    was written with it (coelab.assessments.models.AssessmentKind)."""
    if not user.is_authenticated:
        return False
    if user.id == assessment.assessor_id:
        return True
    if assessment.status != AssessmentStatus.SUBMITTED:
        return False
    if assessment.kind == AssessmentKind.JURY:
        return _jury_score_read(user, assessment)
    return reads_deliverable(user, assessment.deliverable)


def _edit(user: Any, assessment: Assessment) -> bool:
    return (user.is_authenticated and user.id == assessment.assessor_id
            and assessment.status == AssessmentStatus.DRAFT
            and _create(user, assessment.deliverable))


RULES: dict[str, Rule] = {
    "competency.manage": staff,
    "rubric.view": member_or_staff,
    "rubric.edit": lambda user, cohort: is_staff(user),
    "assessment.create": _create,
    "assessment.read": _read,
    "assessment.edit": _edit,
}
