"""Read-only questions about juries, for the policy and the operations alike.

They read models only (no operation, no policy), so that the policy can ask them and
the operations of other features (assessments) can use them without importing the
jury's operations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..assessments.models import Assessment, AssessmentKind, AssessmentStatus
from ..db import db
from ..deliverables.models import Deliverable
from .models import Impartiality, JuryDecision, JuryPanel, PanelDeliverable, PanelMember


def panel_of(deliverable: Deliverable) -> JuryPanel | None:
    return db.session.scalar(select(JuryPanel).join(PanelDeliverable).where(
        PanelDeliverable.deliverable_id == deliverable.id))


def sitting(panel: JuryPanel) -> list[PanelMember]:
    """The members who sit: those who declared their impartiality."""
    return [m for m in panel.members if m.impartiality == Impartiality.ACCEPTED]


def panels_of(user: Any) -> list[JuryPanel]:
    return list(db.session.scalars(select(JuryPanel).join(PanelMember).where(
        PanelMember.user_id == user.id).order_by(JuryPanel.created_at.desc())))


def member_of(user: Any, panel: JuryPanel) -> PanelMember | None:
    return next((m for m in panel.members if m.user_id == getattr(user, "id", None)), None)


def decision_of(deliverable: Deliverable) -> JuryDecision | None:
    """The decision on the deliverable's current round (none yet once the authors have
    handed in again after a decision that allowed it)."""
    return db.session.scalar(select(JuryDecision).where(
        JuryDecision.deliverable_id == deliverable.id,
        JuryDecision.round == deliverable.round))


def counted_scores(deliverable: Deliverable) -> list[Assessment]:
    """The scores the deliberation of the deliverable's current round uses: submitted
    jury scores of that round, given in the panel judging it, not withdrawn, by its
    sitting members. What an assessment is comes from what was written when it was made,
    never from who sits on the panel today."""
    panel = panel_of(deliverable)
    if panel is None:
        return []
    ids = {m.user_id for m in sitting(panel)}
    return [a for a in db.session.scalars(select(Assessment).where(
                Assessment.deliverable_id == deliverable.id,
                Assessment.kind == AssessmentKind.JURY, Assessment.panel_id == panel.id,
                Assessment.round == deliverable.round,
                Assessment.status == AssessmentStatus.SUBMITTED,
                Assessment.withdrawn_at.is_(None)).order_by(Assessment.id))
            if a.assessor_id in ids]


def withdrawn_scores(deliverable: Deliverable) -> list[Assessment]:
    """The submitted jury scores of the deliverable withdrawn when their juror left the
    panel, every round, latest first (shown to the panel apart, as withdrawn)."""
    return list(db.session.scalars(select(Assessment).where(
        Assessment.deliverable_id == deliverable.id, Assessment.kind == AssessmentKind.JURY,
        Assessment.status == AssessmentStatus.SUBMITTED,
        Assessment.withdrawn_at.is_not(None)).order_by(Assessment.round.desc(),
                                                       Assessment.id)))


def scoring_complete(deliverable: Deliverable) -> bool:
    """Whether every sitting juror has submitted their score of the current round (a
    submitted score has a level for every criterion; a withdrawn one does not count)."""
    panel = panel_of(deliverable)
    jurors = sitting(panel) if panel is not None else []
    if not jurors:
        return False
    scored = {a.assessor_id for a in counted_scores(deliverable)}
    return all(m.user_id in scored for m in jurors)
