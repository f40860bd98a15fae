"""Read-only questions about juries, for the policy and the operations alike.

They read models only (no operation, no policy), so that the policy can ask them and
the operations of other features (assessments) can use them without importing the
jury's operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..assessments.models import Assessment, AssessmentKind, AssessmentStatus
from ..db import db
from ..deliverables.models import Deliverable
from ..memo import read_once
from ..models import CohortRole, Membership
from .models import (
    Impartiality,
    JuryDecision,
    JuryPanel,
    PanelDeliverable,
    PanelMember,
    PanelRole,
    Soutenance,
)


def panel_of(deliverable: Deliverable) -> JuryPanel | None:
    # each section of a deliverable's page asks: read once per request (coelab.memo)
    return read_once(("jury.panel_of", deliverable.id), lambda: db.session.scalar(
        select(JuryPanel).join(PanelDeliverable).where(
            PanelDeliverable.deliverable_id == deliverable.id)))


def soutenance_of(deliverable: Deliverable) -> Soutenance | None:
    """The deliverable's soutenance (its date and place), if scheduled; read once per
    request (the page's header, its jury section and the steps all tell it)."""
    return read_once(("jury.soutenance_of", deliverable.id), lambda: db.session.scalar(
        select(Soutenance).where(Soutenance.deliverable_id == deliverable.id)))


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
    return read_once(("jury.decision_of", deliverable.id, deliverable.round),
                     lambda: db.session.scalar(select(JuryDecision).where(
                         JuryDecision.deliverable_id == deliverable.id,
                         JuryDecision.round == deliverable.round)))


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


# --- composition ---------------------------------------------------------------------

#: the two moments the composition is checked at, and who counts then
SCHEDULING = "scheduling"  # the soutenance set or the examination opened: not declined
DECISION = "decision"  # the decision taken: the members who sit (impartiality declared)


def is_programme_trainer(member: PanelMember) -> bool:
    """A trainer of the programme: a member who is not external and holds a trainer's
    membership of a cohort, any cohort of the programme (the trainers of the work's own
    cohort who supervised it cannot sit: ``coelab.jury.operations._conflict``). A
    coordinator without a trainer's membership does not count."""
    return not member.external and read_once(
        ("jury.programme_trainer", member.user_id),
        lambda: db.session.execute(select(Membership.id).where(
            Membership.user_id == member.user_id,
            Membership.role == CohortRole.TRAINER)).first() is not None)


def is_practising_professional(member: PanelMember) -> bool:
    """A practising professional: an external member (invited from outside the
    programme) who has recorded their current role and the organisation where they
    practise (``User.job_title``, ``User.organisation``)."""
    user = member.user
    return bool(member.external and (user.job_title or "").strip()
                and (user.organisation or "").strip())


@dataclass(frozen=True)
class Composition:
    """Whether a panel is constituted as the programme asks, "un jury constitué de
    formateurs et de professionnels en exercice" (docs/domain.md, "Review, soutenance and
    jury"): its president, at least one trainer of the programme and at least one
    practising professional among the members who count at that moment (``moment``)."""

    moment: str
    president: bool
    trainer: bool
    professional: bool

    @property
    def complete(self) -> bool:
        return self.president and self.trainer and self.professional

    def missing(self) -> list[str]:
        """What the panel lacks, in words."""
        lacks = []
        if not self.president:
            lacks.append(_("un·e président·e"))
        if not self.trainer:
            lacks.append(_("un·e formateur·rice du programme"))
        if not self.professional:
            lacks.append(_("un·e professionnel·le en exercice (invité·e, avec sa fonction "
                           "actuelle et sa structure)"))
        return lacks

    def message(self) -> str:
        """Why the panel cannot act yet, for the person who tried ("" when complete)."""
        if self.complete:
            return ""
        if self.moment == DECISION:
            return _("Le jury ne peut pas encore décider : parmi les membres qui siègent "
                     "(impartialité déclarée), il manque %(missing)s.",
                     missing=", ".join(self.missing()))
        return _("Le jury n'est pas au complet : il manque %(missing)s (un membre récusé "
                 "ne compte pas).", missing=", ".join(self.missing()))


def composition(panel: JuryPanel, moment: str = SCHEDULING) -> Composition:
    """The panel's composition at ``moment``: at :data:`SCHEDULING` (the soutenance set
    or moved, the examination of the written work opened) every member who has not
    declined counts, a pending one included (they declare before seeing the work); at
    :data:`DECISION` only the members who sit, having declared their impartiality."""
    if moment not in (SCHEDULING, DECISION):
        raise ValueError(f"unknown moment {moment!r}")
    if moment == DECISION:
        members = sitting(panel)
    else:
        members = [m for m in panel.members if m.impartiality != Impartiality.DECLINED]
    return Composition(
        moment=moment,
        president=any(m.role == PanelRole.PRESIDENT for m in members),
        trainer=any(is_programme_trainer(m) for m in members),
        professional=any(is_practising_professional(m) for m in members))
