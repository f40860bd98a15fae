"""Operations on juries: composing a panel, impartiality, assigning work, soutenances or
the examination of the written work, the decision, its minutes and its release.

A kind declares its assessment route (``DeliverableKind.soutenance``; the workflow
table, :mod:`coelab.deliverables.steps`): defended before the panel (``schedule``,
``open_deliberation``), or judged on the written work alone (``open_examination``);
both end with ``decide``, ``sign``, ``release`` and ``reopen_for_resubmission``
(docs/domain.md, "Review, soutenance and jury")."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import operations as core_ops
from .. import signals
from ..assessments.models import Assessment, AssessmentKind
from ..assessments.operations import rubric_criteria
from ..audit import record
from ..dates import when as when_label
from ..db import db, local_today, transaction, utcnow
from ..deliverables.models import Deliverable, DeliverableState, Transition
from ..deliverables.operations import authors_of, kind_of
from ..deliverables.steps import BLIND_SCORING, STEPS, WRITTEN, off_route, on_route, route_of
from ..deliverables.workflow import announce, move
from ..documents.operations import unfreeze
from ..models import CohortRole, Membership, User
from ..notifications.operations import app_path, notify
from ..operations import OperationError, external_url
from ..policy import PEOPLE, can, known_without_seat, read_once
from .models import (
    Impartiality,
    JuryDecision,
    JuryPanel,
    MinutesSignature,
    Outcome,
    PanelDeliverable,
    PanelMember,
    PanelRole,
    Soutenance,
)

# the queries, also reached from here by the views (explicit re-exports)
from .queries import (
    DECISION,
    SCHEDULING,
    assessments_on,
    composition,
)
from .queries import (
    counted_scores as counted_scores,
)
from .queries import (
    decision_of as decision_of,
)
from .queries import (
    member_of as member_of,
)
from .queries import (
    panel_of as panel_of,
)
from .queries import (
    scoring_complete as scoring_complete,
)
from .queries import (
    sitting as sitting,
)
from .queries import (
    soutenance_of as soutenance_of,
)
from .queries import (
    withdrawn_scores as withdrawn_scores,
)

log = logging.getLogger(__name__)

# the steps a trainer takes when supervising the work (see supervisors_of)
REVIEW_ACTIONS = tuple(name for name, step in STEPS.items() if step.section == "review"
                       and step.who == "reviewers")



def seats_of(user: User) -> list[PanelMember]:
    """The person's seats on panels, with each panel, its cohort and its members (with
    their people), in one query read once per request: the header's "Mes jurys" link,
    their "À traiter" and their dashboard's panels all ask."""
    # (none, without a query, when the policy's facts read for this page say so)
    return read_once(("seats", user.id), lambda: [] if known_without_seat(user) else list(
        db.session.scalars(
            select(PanelMember).where(PanelMember.user_id == user.id)
            .options(joinedload(PanelMember.panel).joinedload(JuryPanel.cohort),
                     joinedload(PanelMember.panel).joinedload(JuryPanel.members)
                     .joinedload(PanelMember.user))
            .order_by(PanelMember.id)).unique()))


def panels_of(user: User) -> list[JuryPanel]:
    """The panels the person sits on, latest first (``jury.queries.panels_of``, from
    :func:`seats_of`)."""
    panels = {seat.panel_id: seat.panel for seat in seats_of(user)}
    return sorted(panels.values(), key=lambda p: p.created_at, reverse=True)

def create_panel(actor: User, cohort, title: str) -> JuryPanel:
    title = (title or "").strip()
    if not title:
        raise OperationError(_("Donnez un nom au jury (par exemple sa date)."))
    with transaction():
        panel = JuryPanel(cohort_id=cohort.id, title=title[:200],
                          created_by_id=getattr(actor, "id", None))
        db.session.add(panel)
        db.session.flush()
        record("jury.created", panel, actor=actor, cohort_id=cohort.id, after={"title": title})
    return panel


def supervisors_of(deliverable: Deliverable) -> set[int]:
    """The trainers who reviewed this work (took a review step on it)."""
    return set(db.session.scalars(select(Transition.actor_id).where(
        Transition.deliverable_id == deliverable.id,
        Transition.action.in_(REVIEW_ACTIONS), Transition.actor_id.is_not(None))))


def _conflict(user: User, deliverable: Deliverable) -> str | None:
    if user.id in {u.id for u in authors_of(deliverable)}:
        return _("%(name)s est auteur·rice de « %(title)s » et ne peut pas en être juré·e.",
                 name=user.full_name, title=deliverable.title)
    if user.id in supervisors_of(deliverable):
        return _("%(name)s a encadré « %(title)s » et ne peut pas en être juré·e.",
                 name=user.full_name, title=deliverable.title)
    return None


def add_member(actor: User, panel: JuryPanel, user: User, role: PanelRole,
               external: bool = False) -> PanelMember:
    """Put someone on the panel, unless they wrote or supervised work it judges, are a
    trainee of the cohort, or the panel already has its president."""
    role = PanelRole(role)
    if any(m.user_id == user.id for m in panel.members):
        raise OperationError(_("%(name)s fait déjà partie de ce jury.", name=user.full_name))
    if role == PanelRole.PRESIDENT and any(m.role == PanelRole.PRESIDENT for m in panel.members):
        raise OperationError(_("Ce jury a déjà un·e président·e."))
    for assignment in panel.assignments:
        problem = _conflict(user, assignment.deliverable)
        if problem:
            raise OperationError(problem)
    trainee = db.session.scalar(select(Membership.id).where(
        Membership.cohort_id == panel.cohort_id, Membership.user_id == user.id,
        Membership.role == CohortRole.TRAINEE))
    if trainee:
        raise OperationError(_("Un·e stagiaire de la cohorte ne peut pas faire partie de son "
                               "jury."))
    with transaction():
        member = PanelMember(panel_id=panel.id, user_id=user.id, role=role, external=external)
        db.session.add(member)
        db.session.flush()
        record("jury.member_added", panel, actor=actor, cohort_id=panel.cohort_id,
               after={"user": user.email, "role": role, "external": external})
        _reinstate_scores(actor, panel, user)
    db.session.refresh(panel)
    notify([user], _("Vous êtes membre d'un jury sur Coélab"), _(
        "Bonjour %(name)s,\n\nVous faites partie du jury « %(panel)s ». Avant de voir les "
        "travaux, déclarez votre impartialité.", name=user.full_name, panel=panel.title),
        app_path("jury.panel", panel_id=panel.id))
    return member


def invite_external(actor: User, panel: JuryPanel, *, email: str, first_name: str,
                    last_name: str, organisation: str, job_title: str) -> PanelMember:
    """A practising professional from outside: an account limited to their panels, with
    their current role and the organisation where they practise (what makes them count
    as a practising professional of the panel, :func:`coelab.jury.queries.composition`).
    An account that exists already keeps the role and organisation its holder recorded;
    the invitation fills in those it lacks."""
    organisation, job_title = (organisation or "").strip(), (job_title or "").strip()
    if not organisation:
        raise OperationError(_("Indiquez la structure où exerce ce ou cette professionnel·le."))
    if not job_title:
        raise OperationError(_("Indiquez la fonction actuelle de ce ou cette "
                               "professionnel·le."))
    with transaction():
        user = core_ops.invite(actor, email=email, first_name=first_name,
                               last_name=last_name, organisation=organisation)
        record_current_role(actor, user, job_title=user.job_title or job_title,
                            organisation=user.organisation or organisation)
        return add_member(actor, panel, user, PanelRole.MEMBER, external=True)


def record_current_role(actor: User | None, user: User, *, job_title: str,
                        organisation: str) -> None:
    """Record what a person does today and where (``User.job_title``,
    ``User.organisation``), with its audit event when it changes."""
    job_title, organisation = (job_title or "").strip()[:200], (organisation or "").strip()[:200]
    before = {"job_title": user.job_title, "organisation": user.organisation}
    after = {"job_title": job_title or None, "organisation": organisation or None}
    if before == after:
        return
    with transaction():
        user.job_title, user.organisation = after["job_title"], after["organisation"]
        record("user.profile_updated", user, actor=actor, before=before, after=after)


def _undecided_scores(panel: JuryPanel, user_id: int):
    """The query of this person's jury scores given in this panel, on rounds the panel
    has not decided yet (a decided round keeps the scores it was decided with)."""
    decided = (select(JuryDecision.id)
               .where(JuryDecision.deliverable_id == Assessment.deliverable_id,
                      JuryDecision.round == Assessment.round)
               .exists())
    return select(Assessment).where(
        Assessment.kind == AssessmentKind.JURY, Assessment.panel_id == panel.id,
        Assessment.assessor_id == user_id, ~decided).order_by(Assessment.id)


def remove_member(actor: User, member: PanelMember) -> None:
    """Take someone off the panel. Their scores of rounds not yet decided are withdrawn:
    kept, for the panel and the coordination only, and out of the deliberation."""
    panel, user = member.panel, member.user
    with transaction():
        record("jury.member_removed", panel, actor=actor, cohort_id=panel.cohort_id,
               before={"user": user.email, "role": member.role})
        # the row goes first: a score being saved holds it (assessments.operations
        # save_assessment), so the scores are read once that one is committed
        db.session.delete(member)
        db.session.flush()
        now = utcnow()
        for score in db.session.scalars(_undecided_scores(panel, user.id).where(
                Assessment.withdrawn_at.is_(None))).all():
            score.withdrawn_at = now
            record("assessment.withdrawn", score, actor=actor, cohort_id=panel.cohort_id,
                   after={"reason": "juror_removed", "panel": panel.id,
                          "deliverable": score.deliverable_id, "round": score.round,
                          "user": user.email, "status": score.status})
    db.session.refresh(panel)


def _reinstate_scores(actor: User | None, panel: JuryPanel, user: User) -> None:
    """Someone back on the panel finds the scores withdrawn when they left, on rounds
    still undecided: they count again once the person has declared their impartiality
    anew (only sitting members' scores enter the deliberation)."""
    for score in db.session.scalars(_undecided_scores(panel, user.id).where(
            Assessment.withdrawn_at.is_not(None))).all():
        withdrawn_at, score.withdrawn_at = score.withdrawn_at, None
        record("assessment.reinstated", score, actor=actor, cohort_id=panel.cohort_id,
               before={"withdrawn_at": withdrawn_at},
               after={"reason": "juror_added_again", "panel": panel.id,
                      "deliverable": score.deliverable_id, "round": score.round,
                      "user": user.email})


def assign(actor: User, panel: JuryPanel, deliverable: Deliverable) -> PanelDeliverable:
    """The panel judges this work, once it is ready for the jury."""
    if deliverable.cohort_id != panel.cohort_id:
        raise OperationError(_("Ce livrable n'appartient pas à la cohorte du jury."))
    if deliverable.state not in (DeliverableState.READY_FOR_JURY,
                                 DeliverableState.SOUTENANCE_SCHEDULED):
        raise OperationError(_("Seul un livrable prêt pour le jury peut lui être confié."))
    existing = db.session.scalar(select(PanelDeliverable).where(
        PanelDeliverable.deliverable_id == deliverable.id))
    if existing is not None:
        raise OperationError(_("Ce livrable est déjà confié au jury « %(panel)s ».",
                               panel=existing.panel.title))
    for member in panel.members:
        problem = _conflict(member.user, deliverable)
        if problem:
            raise OperationError(problem)
    with transaction():
        assignment = PanelDeliverable(panel_id=panel.id, deliverable_id=deliverable.id)
        db.session.add(assignment)
        db.session.flush()
        record("jury.deliverable_assigned", panel, actor=actor, cohort_id=panel.cohort_id,
               after={"deliverable": deliverable.id, "title": deliverable.title})
    db.session.refresh(panel)
    return assignment


def declare(member: PanelMember, *, impartial: bool, reason: str = "",
            job_title: str | None = None, organisation: str | None = None) -> None:
    """The member's declaration, before they see the work. A decline needs its reason
    and is told to the coordination, who then recompose the panel.

    A practising professional (an external member) who accepts confirms their current
    role and organisation (``job_title``, ``organisation``; None keeps what their
    account has): the panel counts them as such only with both
    (:func:`coelab.jury.queries.composition`)."""
    reason = (reason or "").strip()
    if not impartial and not reason:
        raise OperationError(_("Indiquez la raison pour laquelle vous vous récusez."))
    if member.impartiality != Impartiality.PENDING:
        raise OperationError(_("Votre déclaration est déjà enregistrée."))
    role: dict[str, str] | None = None
    if impartial and member.external:
        role = {"job_title": (member.user.job_title if job_title is None
                              else job_title or "").strip(),
                "organisation": (member.user.organisation if organisation is None
                                 else organisation or "").strip()}
        if not role["job_title"] or not role["organisation"]:
            raise OperationError(_("Indiquez votre fonction actuelle et la structure où vous "
                                   "exercez : le jury y reconnaît un·e professionnel·le en "
                                   "exercice."))
    with transaction():
        if role is not None:
            record_current_role(member.user, member.user, **role)
        member.impartiality = Impartiality.ACCEPTED if impartial else Impartiality.DECLINED
        member.decline_reason = None if impartial else reason[:2000]
        member.declared_at = utcnow()
        record("jury.impartiality_declared", member.panel, actor=member.user,
               cohort_id=member.panel.cohort_id,
               after={"user": member.user.email, "impartiality": member.impartiality,
                      "reason": member.decline_reason})
    if impartial:
        # the soutenances already set for the panel's work, which they may now see
        for soutenance in db.session.scalars(select(Soutenance).where(
                Soutenance.panel_id == member.panel_id, Soutenance.starts_at > utcnow())):
            _tell_soutenance(soutenance.deliverable, soutenance.starts_at, [member.user])
        # the written work already under examination, which they now score
        for assignment in member.panel.assignments:
            deliverable = assignment.deliverable
            if (deliverable.state == DeliverableState.DELIBERATION
                    and route_of(deliverable) == WRITTEN):
                _tell_examination(deliverable, [member.user])
    else:
        notify(db.session.scalars(select(User).where(
                   User.is_coordinator.is_(True), User.active.is_(True))),
               _("Un·e juré·e se récuse : %(panel)s", panel=member.panel.title),
               _("%(name)s se récuse du jury « %(panel)s » : %(reason)s",
                 name=member.user.full_name, panel=member.panel.title, reason=reason),
               app_path("jury.panel", panel_id=member.panel_id))


def schedule(actor: User, deliverable: Deliverable, *, starts_at: datetime,
             duration_minutes: int, place: str = "", video_link: str = "") -> Soutenance:
    """Set (or move) the soutenance of a deliverable its panel judges; the authors and
    the panel are told, each with a calendar file."""
    assignment = db.session.scalar(select(PanelDeliverable).where(
        PanelDeliverable.deliverable_id == deliverable.id))
    _check_route(deliverable, "schedule_soutenance")
    if assignment is None:
        raise OperationError(_("Confiez d'abord ce livrable à un jury."))
    if not PEOPLE[STEPS["schedule_soutenance"].who](actor, deliverable):
        raise OperationError(_("Seule la coordination programme les soutenances."))
    panel = assignment.panel
    _check_composition(panel, SCHEDULING)
    if not 10 <= duration_minutes <= 480:
        raise OperationError(_("La durée va de 10 minutes à 8 heures."))
    place, video_link = (place or "").strip(), (video_link or "").strip()
    if not place and not video_link:
        raise OperationError(_("Indiquez le lieu (site et salle) ou le lien de la visio."))
    if video_link and not video_link.startswith("https://"):
        raise OperationError(_("Le lien de la visio doit commencer par https://."))
    if starts_at <= utcnow():
        raise OperationError(_("La soutenance doit être dans le futur."))
    with transaction():
        soutenance = db.session.scalar(select(Soutenance).where(
            Soutenance.deliverable_id == deliverable.id).with_for_update())
        before = None
        if soutenance is None:
            soutenance = Soutenance(deliverable_id=deliverable.id, panel_id=panel.id)
            db.session.add(soutenance)
        else:
            before = {"starts_at": soutenance.starts_at, "place": soutenance.place}
        soutenance.starts_at, soutenance.duration_minutes = starts_at, duration_minutes
        soutenance.place, soutenance.video_link = place[:300] or None, video_link[:500] or None
        soutenance.updated_at = utcnow()
        move(actor, deliverable, "schedule_soutenance")
        record("jury.soutenance_scheduled", deliverable, actor=actor,
               cohort_id=deliverable.cohort_id, before=before,
               after={"starts_at": starts_at, "duration": duration_minutes, "place": place,
                      "video_link": video_link})
    _tell_soutenance(deliverable, starts_at)
    return soutenance


def _check_route(deliverable: Deliverable, name: str) -> None:
    """A step of the other assessment route is refused, with why (the move refuses it
    too: :func:`coelab.deliverables.workflow.move`)."""
    if not on_route(STEPS[name], deliverable):
        raise OperationError(off_route(STEPS[name], deliverable))


def _check_composition(panel: JuryPanel, moment: str) -> None:
    """The panel must be constituted as the programme asks before it acts
    (:func:`coelab.jury.queries.composition`: who counts at each moment)."""
    found = composition(panel, moment)
    if not found.complete:
        raise OperationError(found.message())


def _tell_soutenance(deliverable: Deliverable, starts_at: datetime,
                     people: list[User] | None = None) -> None:
    """The step's audience (the authors, the panel members who sit), or ``people``."""
    announce("schedule_soutenance", deliverable,
             _("Date : %(when)s. Fichier agenda : %(ics)s",
               when=when_label(starts_at),
               ics=external_url("jury.ics", deliverable_id=deliverable.id)),
             people=people)


def ics(soutenance: Soutenance, deliverable: Deliverable) -> str:
    """An iCalendar (RFC 5545) event for the soutenance, times in UTC."""
    end = soutenance.starts_at + timedelta(minutes=soutenance.duration_minutes)
    description = _("Soutenance devant le jury « %(panel)s ».", panel=soutenance.panel.title)
    if soutenance.video_link:
        description += " " + soutenance.video_link
    event = Event()
    event.add("uid", f"soutenance-{deliverable.id}@coelab")
    for name, when in (("dtstamp", soutenance.updated_at), ("dtstart", soutenance.starts_at),
                       ("dtend", end)):
        event.add(name, when.replace(tzinfo=UTC) if when.tzinfo is None
                  else when.astimezone(UTC))
    # icalendar escapes text values (a line break becomes "\n": it cannot start a
    # property of its own) and folds lines longer than 75 octets
    event.add("summary", _("Soutenance : %(title)s", title=deliverable.title))
    event.add("location", soutenance.place or soutenance.video_link or "")
    event.add("description", description)
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Coelab//Soutenances//FR")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical(sorted=False).decode()  # properties in the order added






# --- deliberation, decision, minutes, release -------------------------------------------







def deliberation_refusal(actor: User, deliverable: Deliverable) -> str | None:
    """Why the deliberation cannot open now for ``actor``, or None when it can: the
    page offers the step only then, and shows this reason otherwise."""
    if not on_route(STEPS["open_deliberation"], deliverable):
        return off_route(STEPS["open_deliberation"], deliverable)
    panel = panel_of(deliverable)
    soutenance = soutenance_of(deliverable)
    if panel is None or soutenance is None:
        return _("La soutenance n'est pas programmée.")
    if not can(actor, "deliverable.open_deliberation", deliverable):
        return _("Seul·e le ou la président·e du jury ouvre la délibération.")
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    day = soutenance.starts_at.astimezone(zone).date()
    if local_today() < day:
        return _("La délibération s'ouvre le jour de la soutenance, le %(day)s.",
                 day=format_date(day, "long"))
    return None


def open_deliberation(actor: User, deliverable: Deliverable) -> None:
    """The soutenance route: the president opens the deliberation, from the day of the
    soutenance (the panel deliberates right after hearing the authors; the day is the
    programme's, in Paris)."""
    refusal = deliberation_refusal(actor, deliverable)
    if refusal:
        raise OperationError(refusal)
    with transaction():
        move(actor, deliverable, "open_deliberation")


def open_examination(actor: User, deliverable: Deliverable) -> None:
    """The written route (a kind judged on its written work alone): the president of
    the panel, or the coordination, opens the examination of the frozen version, once
    the work is assigned to a panel constituted as the programme asks. No soutenance, no
    calendar: each sitting juror scores the version handed in, on their own, then the
    panel decides (:func:`decide`). The sitting members are told; one who declares
    later is told then (:func:`declare`)."""
    _check_route(deliverable, "open_examination")
    panel = panel_of(deliverable)
    if panel is None:
        raise OperationError(_("Confiez d'abord ce livrable à un jury."))
    if not PEOPLE[STEPS["open_examination"].who](actor, deliverable):
        raise OperationError(_("Seul·e le ou la président·e du jury, ou la coordination, "
                               "ouvre l'examen du travail écrit."))
    _check_composition(panel, SCHEDULING)
    with transaction():
        move(actor, deliverable, "open_examination")
    _tell_examination(deliverable)


def _tell_examination(deliverable: Deliverable, people: list[User] | None = None) -> None:
    """The step's audience (the panel members who sit), or ``people``."""
    announce("open_examination", deliverable,
             _("Le jury examine « %(title)s » sur le travail écrit seul, sans soutenance : "
               "chaque membre note la version remise, seul, puis le jury décide.",
               title=deliverable.title), people=people)


@dataclass(frozen=True)
class CriterionScores:
    """One criterion as the president sees it when deliberating."""

    key: str
    title: str
    levels: list[str]  # the level labels, lowest first
    by_juror: dict[int, int | None]  # user id -> rank chosen (None: not scored)
    mean: float | None
    spread: int | None  # highest minus lowest rank
    suggested: int | None  # the median, rounded down






def jury_scores(deliverable: Deliverable) -> tuple[list[PanelMember], list[CriterionScores]]:
    """The sitting jurors and, per criterion, their submitted levels side by side."""
    panel = panel_of(deliverable)
    jurors = sitting(panel) if panel else []
    scores = {a.assessor_id: a for a in counted_scores(deliverable)}
    any_score = next(iter(scores.values()), None)
    criteria = any_score.rubric if any_score else rubric_criteria(deliverable.cohort,
                                                                  kind_of(deliverable))
    rows = []
    for c in criteria:
        by_juror = {m.user_id: (scores[m.user_id].levels.get(c["key"])
                                if m.user_id in scores else None) for m in jurors}
        given = sorted(v for v in by_juror.values() if v is not None)
        rows.append(CriterionScores(
            key=c["key"], title=c["title"], levels=[lv["label"] for lv in c["levels"]],
            by_juror=by_juror, mean=sum(given) / len(given) if given else None,
            spread=(given[-1] - given[0]) if given else None,
            suggested=given[(len(given) - 1) // 2] if given else None))
    return jurors, rows


def all_scored(deliverable: Deliverable) -> bool:
    """Whether every sitting juror has submitted their score (a level for every
    criterion) of the current round."""
    return scoring_complete(deliverable)


def _clean_agreed(deliverable: Deliverable, agreed: dict | None) -> dict[str, int]:
    _jurors, rows = jury_scores(deliverable)
    out: dict[str, int] = {}
    for row in rows:
        raw = (agreed or {}).get(row.key)
        try:
            rank = int(raw)
        except (TypeError, ValueError):
            raise OperationError(_("Indiquez le niveau retenu pour « %(c)s ».",
                                   c=row.title)) from None
        if not 0 <= rank < len(row.levels):
            raise OperationError(_("Niveau inconnu pour « %(c)s ».", c=row.title))
        out[row.key] = rank
    return out


def _clean_individual(deliverable: Deliverable, individual: dict | None) -> dict[str, dict]:
    authors = {u.id: u for u in authors_of(deliverable)}
    out: dict[str, dict] = {}
    for user_id, special in (individual or {}).items():
        try:
            author = authors[int(user_id)]
        except (KeyError, ValueError):
            raise OperationError(_("Cette personne n'est pas auteur·rice du travail.")) from None
        reason = str(special.get("reason") or "").strip()
        if not reason:
            raise OperationError(_("Motivez le traitement particulier de %(name)s.",
                                   name=author.full_name))
        out[str(author.id)] = {"validated": bool(special.get("validated")),
                               "reason": reason[:2000]}
    return out


def decide(actor: User, deliverable: Deliverable, *, validated: bool, reasons: str,
           resubmission_allowed: bool = False, agreed_levels: dict | None = None,
           individual: dict | None = None) -> JuryDecision:
    """The panel's decision, recorded by its president: the outcome, the level agreed
    for each criterion of the rubric, the reasons, and any author of a collective work
    the panel treats differently (with a reason). The members who sit must include the
    president, a trainer of the programme and a practising professional
    (:func:`coelab.jury.queries.composition`); on the written route, every sitting
    juror must have scored the work."""
    panel = panel_of(deliverable)
    if panel is None or not can(actor, "deliverable.decide", deliverable):
        raise OperationError(_("Seul·e le ou la président·e du jury enregistre la décision."))
    reasons = (reasons or "").strip()
    if not reasons:
        raise OperationError(_("Motivez la décision du jury."))
    if validated and resubmission_allowed:
        raise OperationError(_("Une nouvelle remise ne se prévoit que pour un travail non "
                               "validé."))
    agreed = _clean_agreed(deliverable, agreed_levels)
    special = _clean_individual(deliverable, individual)
    _check_composition(panel, DECISION)
    if (deliverable.state in BLIND_SCORING[route_of(deliverable)]
            and not scoring_complete(deliverable)):
        # the jurors still score each on their own (coelab.deliverables.steps
        # BLIND_SCORING): on the written route the examination is the deliberation, so
        # the decision waits for every sitting juror's score
        scored = {a.assessor_id for a in counted_scores(deliverable)}
        raise OperationError(_(
            "Le jury décide une fois que chaque membre qui siège a noté le travail : il "
            "manque la note de %(names)s.", names=", ".join(
                m.user.full_name for m in sitting(panel) if m.user_id not in scored)))
    with transaction():
        # the reasons stay with the decision, out of the steps the authors read
        move(actor, deliverable, "decide")
        decision = JuryDecision(
            deliverable_id=deliverable.id, round=deliverable.round, panel_id=panel.id,
            outcome=Outcome.VALIDATED if validated else Outcome.NOT_VALIDATED,
            reasons=reasons[:5000], resubmission_allowed=resubmission_allowed,
            agreed_levels=agreed, individual=special, decided_by_id=actor.id)
        db.session.add(decision)
        db.session.flush()
        record("jury.decided", deliverable, actor=actor, cohort_id=deliverable.cohort_id,
               after={"outcome": decision.outcome, "reasons": decision.reasons,
                      "resubmission_allowed": resubmission_allowed,
                      "agreed_levels": agreed, "individual": special})
    announce("decide", deliverable,
             _("La décision du jury sur « %(title)s » est enregistrée. Relisez et signez le "
               "procès-verbal.", title=deliverable.title))
    return decision




def sign(actor: User, decision: JuryDecision) -> MinutesSignature:
    """A sitting member signs the minutes (once)."""
    if not can(actor, "deliverable.sign_minutes", decision.deliverable):
        raise OperationError(_("Seuls les membres du jury signent le procès-verbal."))
    if any(s.user_id == actor.id for s in decision.signatures):
        raise OperationError(_("Vous avez déjà signé ce procès-verbal."))
    try:
        with transaction():
            signature = MinutesSignature(decision_id=decision.id, user_id=actor.id)
            db.session.add(signature)
            db.session.flush()
            record("jury.minutes_signed", decision.deliverable, actor=actor,
                   cohort_id=decision.deliverable.cohort_id)
    except IntegrityError:
        raise OperationError(_("Vous avez déjà signé ce procès-verbal.")) from None
    db.session.refresh(decision)
    return signature


@dataclass(frozen=True)
class AgreedLevel:
    """The level the panel agreed for one criterion, in words."""

    key: str
    title: str
    level: str


def agreed_levels(decision: JuryDecision) -> list[AgreedLevel]:
    """The level the panel agreed per criterion, with the criterion's title and the
    level's label, from the rubric the panel scored that round with (else the cohort's):
    what the authors read of the deliberation once the result is released, never the
    jurors' own scores."""
    scored = min((a for a in assessments_on(decision.deliverable_id)
                  if a.kind == AssessmentKind.JURY and a.panel_id == decision.panel_id
                  and a.round == decision.round), key=lambda a: a.id, default=None)
    deliverable = decision.deliverable
    criteria = scored.rubric if scored is not None else rubric_criteria(
        deliverable.cohort, kind_of(deliverable))
    levels = decision.agreed_levels or {}
    out = []
    for c in criteria:
        rank = levels.get(c["key"])
        if rank is None or not 0 <= rank < len(c["levels"]):
            continue
        out.append(AgreedLevel(key=c["key"], title=c["title"],
                               level=c["levels"][rank]["label"]))
    return out


def unsigned(decision: JuryDecision) -> list[PanelMember]:
    signed = {s.user_id for s in decision.signatures}
    return [m for m in sitting(decision.panel) if m.user_id not in signed]


def release(actor: User, deliverable: Deliverable) -> JuryDecision:
    """The coordination releases the decision once every member has signed: the
    authors see it, and the packages hear of it (a validated collection joins the
    corpus)."""
    if not can(actor, "deliverable.release", deliverable):
        raise OperationError(_("Seule la coordination publie les résultats."))
    decision = decision_of(deliverable)
    if decision is None:
        raise OperationError(_("Le jury n'a pas encore décidé."))
    missing = unsigned(decision)
    if missing:
        raise OperationError(_("Le procès-verbal attend encore la signature de : %(names)s.",
                               names=", ".join(m.user.full_name for m in missing)))
    with transaction():
        move(actor, deliverable, "release")
        decision.released_at = utcnow()
        signals.send(signals.deliverable_decided, deliverable=deliverable,
                     validated=decision.outcome == Outcome.VALIDATED, actor=actor)
    announce("release", deliverable, _("La décision du jury est publiée."))
    return decision


def reopen_for_resubmission(actor: User, deliverable: Deliverable) -> None:
    """After a released "not validated" that allows it, the authors write a new round."""
    if not can(actor, "deliverable.reopen_for_resubmission", deliverable):
        raise OperationError(_("Seuls les auteurs ou la coordination rouvrent le travail."))
    decision = decision_of(deliverable)
    if decision is None or not decision.resubmission_allowed:
        raise OperationError(_("Le jury n'a pas prévu de nouvelle remise."))
    with transaction():
        move(actor, deliverable, "reopen_for_resubmission",
             comment=_("Nouvelle remise autorisée par le jury."))
        unfreeze(actor, deliverable.document)
