"""Read-only questions about juries, for the policy and the operations alike.

They read models only (no operation, no policy), so that the policy can ask them and
the operations of other features (assessments) can use them without importing the
jury's operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from ..assessments.models import Assessment, AssessmentKind, AssessmentStatus
from ..db import db
from ..deliverables.models import Deliverable, Submission
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


def _jury_of(deliverable: Deliverable) -> tuple:
    """The deliverable's panel (with its members and their people), soutenance and
    decision on its current round (with its signatures): one query, read once per
    request (coelab.memo). Every section of a deliverable's page asks of them."""
    def load() -> tuple:
        rows = db.session.execute(
            select(JuryPanel, Soutenance, JuryDecision).select_from(Deliverable)
            .outerjoin(PanelDeliverable, PanelDeliverable.deliverable_id == Deliverable.id)
            .outerjoin(JuryPanel, JuryPanel.id == PanelDeliverable.panel_id)
            .outerjoin(Soutenance, Soutenance.deliverable_id == Deliverable.id)
            .outerjoin(JuryDecision, and_(JuryDecision.deliverable_id == Deliverable.id,
                                          JuryDecision.round == deliverable.round))
            .where(Deliverable.id == deliverable.id)
            .options(joinedload(JuryPanel.members).joinedload(PanelMember.user),
                     joinedload(JuryDecision.signatures))).unique().all()
        # one row at most: a deliverable has one panel, one soutenance, one decision a
        # round (unique keys)
        return tuple(rows[0]) if rows else (None, None, None)

    return read_once(("jury.of", deliverable.id, deliverable.round), load)


def panel_of(deliverable: Deliverable) -> JuryPanel | None:
    # each section of a deliverable's page asks: read once per request (_jury_of)
    return _jury_of(deliverable)[0]


def soutenance_of(deliverable: Deliverable) -> Soutenance | None:
    """The deliverable's soutenance (its date and place), if scheduled; read once per
    request (the page's header, its jury section and the steps all tell it)."""
    return _jury_of(deliverable)[1]


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
    return _jury_of(deliverable)[2]


def _submitted(deliverable_id: int) -> tuple[list[Submission], list[Assessment]]:
    """The deliverable's submissions (first round first) and every assessment of them
    (the trainers' reviews and the jurors' scores, every round; latest round first, then
    as submitted): one query, read once per request (coelab.memo)."""
    def load() -> tuple[list[Submission], list[Assessment]]:
        rows = db.session.execute(
            select(Submission, Assessment)
            .outerjoin(Assessment, and_(Assessment.submission_id == Submission.id,
                                        Assessment.deliverable_id == deliverable_id))
            .where(Submission.deliverable_id == deliverable_id)
            .order_by(Submission.round.desc(), Assessment.submitted_at, Assessment.id)).all()
        submissions = {s.id: s for s, _a in rows}
        return (sorted(submissions.values(), key=lambda s: s.round),
                [a for _s, a in rows if a is not None])

    return read_once(("deliverable.submitted", deliverable_id), load)


def submissions_on(deliverable_id: int) -> list[Submission]:
    """The deliverable's submissions, first round first (read once per request)."""
    return list(_submitted(deliverable_id)[0])


def assessments_on(deliverable_id: int) -> list[Assessment]:
    """Every assessment of the deliverable, latest round first, then as submitted (read
    once per request with its submissions). The page's assessments, the jury's scores,
    the withdrawn ones and the levels agreed are each a part of it."""
    return list(_submitted(deliverable_id)[1])


def _by_id(assessments) -> list[Assessment]:
    return sorted(assessments, key=lambda a: a.id)


def counted_scores(deliverable: Deliverable) -> list[Assessment]:
    """The scores the deliberation of the deliverable's current round uses: submitted
    jury scores of that round, given in the panel judging it, not withdrawn, by its
    sitting members. What an assessment is comes from what was written when it was made,
    never from who sits on the panel today."""
    panel = panel_of(deliverable)
    if panel is None:
        return []
    ids = {m.user_id for m in sitting(panel)}
    return [a for a in _by_id(assessments_on(deliverable.id))
            if a.kind == AssessmentKind.JURY and a.panel_id == panel.id
            and a.round == deliverable.round and a.status == AssessmentStatus.SUBMITTED
            and a.withdrawn_at is None and a.assessor_id in ids]


def withdrawn_scores(deliverable: Deliverable) -> list[Assessment]:
    """The submitted jury scores of the deliverable withdrawn when their juror left the
    panel, every round, latest first (shown to the panel apart, as withdrawn)."""
    withdrawn = [a for a in _by_id(assessments_on(deliverable.id))
                 if a.kind == AssessmentKind.JURY and a.status == AssessmentStatus.SUBMITTED
                 and a.withdrawn_at is not None]
    # a jury score has its round (stable: by id within a round)
    return sorted(withdrawn, key=lambda a: a.round or 0, reverse=True)


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
