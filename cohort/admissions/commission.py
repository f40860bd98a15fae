"""The admission commission (docs/domain.md, "Admission"): its sittings, their members,
the applications put before them, the chair's decisions, the list of admitted people
"arrêtée" at the end of the sitting, and the minutes and lists it produces.

A sitting is composed as the programme asks: the director of the organisation, the
programme lead and one representative of each active partner organisation
(:func:`composition`). Its chair records a decision for each application while the
sitting is open; the chair (or the coordination) then closes the list, after which the
decisions are final: a later change is a new decision (:func:`revise`), kept beside the
first with its reason, audited, and told to the candidate.

Every state change of an application goes through the workflow table
(cohort/admissions/steps.py, cohort/admissions/workflow.py ``move``): of two people acting
at once, exactly one succeeds. The steps that depend on the sitting being open or closed
first take the sitting's row (:func:`_lock`), so that closing it and deciding, placing or
changing its members are never interleaved.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from coelab.api import (
    PROGRAMME_TITLE,
    OperationError,
    User,
    app_path,
    core_operations,
    db,
    export_pdf_from_template,
    is_staff,
    notify,
    record,
    transaction,
    utcnow,
)
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..models import Funding
from .models import (
    ADMITTING,
    DECISIONS,
    Application,
    ApplicationState,
    Campaign,
    Commission,
    CommissionDecision,
    CommissionMember,
    CommissionRole,
    Interview,
    Opinion,
    PartnerOrganisation,
)
from .partners import partners
from .profiles import BY_CODE, DEROGATION_LABELS
from .steps import impossible, state_label
from .workflow import move, tell

__all__ = [
    "Composition", "SittingRow", "add_member", "admitted_list_csv", "admitted_list_pdf",
    "check_person", "close", "composition", "create_commission", "decide", "invite_member",
    "members_of", "minutes_pdf", "place", "remove_member", "revise", "sitting_rows",
]

A = ApplicationState
PLACE_MAX = 300
#: the years a sitting may be set in (a typing error such as 0202 is refused)
SITS_FROM, SITS_UNTIL = 2000, 2100
REASON_MAX = 5000
#: the decisions whose reason the commission must give (and keeps)
REASON_REQUIRED = frozenset({A.ADMITTED_DEROGATION, A.REFUSED})

ROLE_LABELS = {
    CommissionRole.DIRECTOR: _l("Direction de l'organisme de formation"),
    CommissionRole.PROGRAMME_LEAD: _l("Responsable de l'action de formation"),
    CommissionRole.PARTNER: _l("Représentant·e d'une organisation partenaire"),
}
OPINION_LABELS = {
    Opinion.FAVOURABLE: _l("favorable"),
    Opinion.RESERVED: _l("réservé"),
    Opinion.UNFAVOURABLE: _l("défavorable"),
}
FUNDING_LABELS = {
    Funding.EMPLOYED: _l("En emploi"),
    Funding.JOB_SEEKER: _l("En recherche d'emploi"),
    Funding.OTHER: _l("Autre financement"),
}


def role_label(role: CommissionRole | str) -> str:
    return str(ROLE_LABELS.get(CommissionRole(role), role))


def _clean(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


# --- composition ------------------------------------------------------------------------


@dataclass(frozen=True)
class Composition:
    """Who the programme asks for on a sitting, and who is missing."""

    director: bool
    programme_lead: bool
    missing_partners: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.director and self.programme_lead and not self.missing_partners

    def missing(self) -> list[str]:
        out = []
        if not self.director:
            out.append(_("la direction de l'organisme de formation"))
        if not self.programme_lead:
            out.append(_("la ou le responsable de l'action de formation"))
        out += [_("un·e représentant·e de « %(name)s »", name=name)
                for name in self.missing_partners]
        return out

    def refusal(self) -> str:
        return _("La commission n'est pas au complet : il manque %(missing)s. Ajoutez ces "
                 "membres avant de statuer ou d'arrêter la liste.",
                 missing=", ".join(self.missing()))


def composition(commission: Commission, *,
                members: Iterable[CommissionMember] | None = None,
                active: Iterable[PartnerOrganisation] | None = None) -> Composition:
    """What the sitting's members are against what the programme asks: the director,
    the programme lead, one representative of each active partner organisation.

    A page that has just read the sitting's ``members`` (:func:`members_of`) or the
    ``active`` partners (``partners(active_only=True)``) passes them; the operations
    read both here, in their transaction."""
    if members is None:
        members = db.session.scalars(select(CommissionMember).where(
            CommissionMember.commission_id == commission.id))
    members = list(members)
    if active is None:
        active = partners(active_only=True)
    roles = {m.role for m in members}
    represented = {m.partner_id for m in members
                   if m.role == CommissionRole.PARTNER and m.partner_id is not None}
    return Composition(
        director=CommissionRole.DIRECTOR in roles,
        programme_lead=CommissionRole.PROGRAMME_LEAD in roles,
        missing_partners=tuple(p.name for p in active if p.id not in represented))


def _lock(commission: Commission) -> datetime | None:
    """Take the sitting's row for the rest of the transaction (an UPDATE that changes
    nothing: PostgreSQL locks the row, SQLite takes its writer's lock) and return when
    its list was closed, as it is now."""
    db.session.execute(update(Commission).where(Commission.id == commission.id)
                       .values(place=Commission.place)
                       .execution_options(synchronize_session=False))
    return db.session.scalar(select(Commission.closed_at).where(
        Commission.id == commission.id))


def _closed_refusal() -> str:
    return _("La liste de cette commission est arrêtée : ses décisions sont définitives. "
             "Pour changer une décision, utilisez « Modifier la décision ».")


# --- sittings and members ---------------------------------------------------------------


def check_person(user: User, campaign_id: int) -> None:
    """Who may sit: an account not deactivated, which is not a candidate of the
    campaign."""
    if user.deactivated_at is not None:
        raise OperationError(_("Le compte de %(name)s est désactivé.", name=user.full_name))
    candidate = db.session.scalar(select(Application.id).where(
        Application.campaign_id == campaign_id, Application.candidate_id == user.id).limit(1))
    if candidate is not None:
        raise OperationError(_("%(name)s est candidat·e à cette campagne : cette personne ne "
                               "peut pas siéger à sa commission.", name=user.full_name))


def _role(role: CommissionRole | str) -> CommissionRole:
    try:
        return CommissionRole(role)
    except ValueError:
        raise OperationError(_("Choisissez l'un des rôles proposés.")) from None


def create_commission(actor: User, *, campaign: Campaign, sits_at: datetime,
                      place: str | None, chair: User,
                      chair_role: CommissionRole | str = CommissionRole.PROGRAMME_LEAD
                      ) -> Commission:
    """A new sitting of the campaign's commission, presided by ``chair``, who sits as
    ``chair_role`` (the director or the programme lead)."""
    if not isinstance(sits_at, datetime) or sits_at.tzinfo is None:
        raise OperationError(_("Indiquez la date et l'heure de la commission."))
    if not SITS_FROM <= sits_at.year <= SITS_UNTIL:
        raise OperationError(_("Indiquez une date entre %(a)d et %(b)d.", a=SITS_FROM,
                               b=SITS_UNTIL))
    place = _clean(place) or None
    if place is not None and len(place) > PLACE_MAX:
        raise OperationError(_("Le lieu ne dépasse pas %(n)d caractères.", n=PLACE_MAX))
    chair_role = _role(chair_role)
    if chair_role == CommissionRole.PARTNER:
        raise OperationError(_("La commission est présidée par la direction ou par la ou le "
                               "responsable de l'action de formation."))
    check_person(chair, campaign.id)
    with transaction():
        commission = Commission(campaign_id=campaign.id, sits_at=sits_at, place=place,
                                chair_id=chair.id)
        db.session.add(commission)
        db.session.flush()
        db.session.add(CommissionMember(commission_id=commission.id, user_id=chair.id,
                                        role=chair_role))
        db.session.flush()
        record("admission.commission_created", commission, actor=actor,
               after={"campaign": campaign.id, "sits_at": sits_at, "chair": chair.id,
                      "chair_role": chair_role})
    return commission


def add_member(actor: User, commission: Commission, *, user: User,
               role: CommissionRole | str,
               partner: PartnerOrganisation | None = None) -> CommissionMember:
    """Seat ``user`` on the sitting: as its director, its programme lead (one each), or as
    the representative of a partner organisation (one per partner)."""
    role = _role(role)
    if role == CommissionRole.PARTNER:
        if partner is None:
            raise OperationError(_("Choisissez l'organisation partenaire que %(name)s "
                                   "représente.", name=user.full_name))
        if not partner.active:
            raise OperationError(_("L'organisation « %(name)s » n'est plus partenaire.",
                                   name=partner.name))
    else:
        partner = None
    check_person(user, commission.campaign_id)
    refusal = _("%(name)s siège déjà à cette commission.", name=user.full_name)
    try:
        with transaction():
            if _lock(commission) is not None:
                raise OperationError(_("La liste de cette commission est arrêtée : sa "
                                       "composition ne change plus."))
            members = list(db.session.scalars(select(CommissionMember).where(
                CommissionMember.commission_id == commission.id)))
            if any(m.user_id == user.id for m in members):
                raise OperationError(refusal)
            for m in members:
                if partner is not None and m.partner_id == partner.id:
                    raise OperationError(_(
                        "« %(partner)s » a déjà sa ou son représentant·e : %(name)s.",
                        partner=partner.name, name=m.user.full_name))
                if role != CommissionRole.PARTNER and m.role == role:
                    raise OperationError(_("%(role)s siège déjà : %(name)s.",
                                           role=role_label(role), name=m.user.full_name))
            member = CommissionMember(commission_id=commission.id, user_id=user.id,
                                      role=role, partner_id=partner.id if partner else None)
            db.session.add(member)
            db.session.flush()
            record("admission.commission_member_added", commission, actor=actor,
                   after={"user": user.id, "role": role,
                          "partner": partner.id if partner else None})
    except IntegrityError:
        raise OperationError(refusal) from None
    return member


def invite_member(actor: User, commission: Commission, *, email: str, first_name: str,
                  last_name: str, partner: PartnerOrganisation) -> CommissionMember:
    """Invite a partner's representative who has no account yet (the core's invitation:
    an e-mail to choose a password) and seat them for ``partner``. What would refuse the
    seat is checked before the invitation is sent."""
    if commission.closed_at is not None:
        raise OperationError(_("La liste de cette commission est arrêtée : sa composition "
                               "ne change plus."))
    if not partner.active:
        raise OperationError(_("L'organisation « %(name)s » n'est plus partenaire.",
                               name=partner.name))
    taken = db.session.scalar(select(CommissionMember).where(
        CommissionMember.commission_id == commission.id,
        CommissionMember.partner_id == partner.id).limit(1))
    if taken is not None:
        raise OperationError(_("« %(partner)s » a déjà sa ou son représentant·e : %(name)s.",
                               partner=partner.name, name=taken.user.full_name))
    email = _clean(email)
    known = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if known is not None:
        check_person(known, commission.campaign_id)
    user = core_operations.invite(actor, email=email, first_name=_clean(first_name),
                                  last_name=_clean(last_name), organisation=partner.name)
    return add_member(actor, commission, user=user, role=CommissionRole.PARTNER,
                      partner=partner)


def remove_member(actor: User, member: CommissionMember) -> None:
    """Take a member off a sitting still open (never its chair)."""
    commission = member.commission
    if member.user_id == commission.chair_id:
        raise OperationError(_("La présidence de la commission ne peut pas en être "
                               "retirée."))
    with transaction():
        if _lock(commission) is not None:
            raise OperationError(_("La liste de cette commission est arrêtée : sa "
                                   "composition ne change plus."))
        record("admission.commission_member_removed", commission, actor=actor,
               before={"user": member.user_id, "role": member.role,
                       "partner": member.partner_id})
        db.session.delete(member)


# --- applications and decisions -------------------------------------------------------


def place(actor: User, application: Application, commission: Commission) -> None:
    """Put an interviewed application (or one on the waiting list) before a sitting of
    its campaign that is still open."""
    if not is_staff(actor):
        raise OperationError(_("Seule la coordination présente une candidature à la "
                               "commission."))
    if application.campaign_id != commission.campaign_id:
        raise OperationError(_("Cette candidature relève d'une autre campagne que cette "
                               "commission."))
    sitting = db.session.scalar(select(CommissionMember.id).where(
        CommissionMember.commission_id == commission.id,
        CommissionMember.user_id == application.candidate_id).limit(1))
    if sitting is not None or commission.chair_id == application.candidate_id:
        raise OperationError(_("%(name)s siège à cette commission : sa candidature ne peut "
                               "pas lui être présentée.", name=application.candidate.full_name))
    with transaction():
        if _lock(commission) is not None:
            raise OperationError(_("La liste de cette commission est arrêtée : présentez la "
                                   "candidature à une prochaine commission."))
        move(actor, application, "place_before_commission", commission_id=commission.id)


def _outcome(outcome: ApplicationState | str | None) -> ApplicationState:
    try:
        outcome = ApplicationState(outcome)
    except ValueError:
        outcome = None
    if outcome not in DECISIONS:
        raise OperationError(_("Choisissez l'une des décisions proposées."))
    return outcome


def _reason(reason: str | None, outcome: ApplicationState, *, required: bool) -> str | None:
    reason = _clean(reason) or None
    if reason is None and required:
        if outcome == A.ADMITTED_DEROGATION:
            raise OperationError(_("Indiquez le motif de la dérogation : il figure au "
                                   "procès-verbal et sur la liste des admis."))
        if outcome == A.REFUSED:
            raise OperationError(_("Indiquez le motif du refus : il est communiqué au "
                                   "candidat ou à la candidate."))
        raise OperationError(_("Indiquez le motif de la nouvelle décision."))
    if reason is not None and len(reason) > REASON_MAX:
        raise OperationError(_("Le motif ne dépasse pas %(n)d caractères.", n=REASON_MAX))
    return reason


def _check_admission(application: Application, outcome: ApplicationState) -> None:
    if outcome == A.ADMITTED and application.derogation:
        raise OperationError(_(
            "%(name)s ne remplit aucun des profils d'accès : son admission est une admission "
            "par dérogation. Choisissez « admis·e par dérogation » et indiquez-en le motif.",
            name=application.candidate.full_name))


def _sitting_of(application: Application) -> Commission:
    commission = application.commission
    if commission is None:
        raise OperationError(impossible(application.state))
    return commission


def decide(actor: User, application: Application, outcome: ApplicationState | str,
           reason: str | None = None) -> CommissionDecision:
    """The chair records the commission's decision on an application before it, while
    the sitting is open and composed as the programme asks. A derogation and a refusal
    state their reason."""
    outcome = _outcome(outcome)
    reason = _reason(reason, outcome, required=outcome in REASON_REQUIRED)
    commission = _sitting_of(application)
    if commission.chair_id != getattr(actor, "id", None):
        raise OperationError(_("Seule la présidence de la commission enregistre ses "
                               "décisions."))
    _check_admission(application, outcome)
    with transaction():
        if _lock(commission) is not None:
            raise OperationError(_closed_refusal())
        sitting = composition(commission)
        if not sitting.complete:
            raise OperationError(sitting.refusal())
        move(actor, application, "decide", target=outcome, sources={A.BEFORE_COMMISSION})
        decision = CommissionDecision(
            application_id=application.id, commission_id=commission.id, outcome=outcome,
            reason=reason, revision=False, decided_by_id=actor.id)
        db.session.add(decision)
        db.session.flush()
    return decision


def revise(actor: User, application: Application, outcome: ApplicationState | str,
           reason: str | None, *, seen: ApplicationState | str | None = None
           ) -> CommissionDecision:
    """Change a decision. While the sitting is open its chair corrects it; once the list
    is closed, the chair or the coordination records a new decision of the commission
    (``revision``), and the candidate is told. ``seen``: the decision the person saw
    (the change is refused if it changed meanwhile). Never once the person is enrolled."""
    outcome = _outcome(outcome)
    reason = _reason(reason, outcome, required=True)
    commission = _sitting_of(application)
    try:
        seen = ApplicationState(seen) if seen else application.state
    except ValueError:
        seen = application.state
    if seen not in DECISIONS:
        raise OperationError(impossible(application.state))
    if application.enrolled_at is not None:
        raise OperationError(_enrolled_refusal(application))
    chair = commission.chair_id == getattr(actor, "id", None)
    with transaction():
        closed = _lock(commission) is not None
        if not (chair or (closed and is_staff(actor))):
            raise OperationError(
                _("Seule la présidence de la commission modifie une décision avant que la "
                  "liste soit arrêtée.") if not closed else
                _("Seules la présidence de la commission et la coordination modifient une "
                  "décision."))
        if not closed:
            sitting = composition(commission)
            if not sitting.complete:
                raise OperationError(sitting.refusal())
        if outcome == seen:
            raise OperationError(_("C'est déjà la décision enregistrée : choisissez une autre "
                                   "décision."))
        _check_admission(application, outcome)
        # enrolment claims the application by the same column (enrolment.py, enrol)
        free = db.session.execute(
            update(Application).where(Application.id == application.id,
                                      Application.enrolled_at.is_(None))
            .values(updated_at=utcnow()).execution_options(synchronize_session=False))
        if free.rowcount != 1:
            raise OperationError(_enrolled_refusal(application))
        move(actor, application, "revise_decision", target=outcome, sources={seen})
        decision = CommissionDecision(
            application_id=application.id, commission_id=commission.id, outcome=outcome,
            reason=reason, revision=closed, decided_by_id=actor.id)
        db.session.add(decision)
        db.session.flush()
    if closed:
        _tell_decision(application, decision, revised=True)
    return decision


def _enrolled_refusal(application: Application) -> str:
    return _("%(name)s est déjà inscrit·e en formation : la décision ne peut plus être "
             "modifiée.", name=application.candidate.full_name)


def close(actor: User, commission: Commission) -> Commission:
    """Close the sitting's list ("arrêter la liste"): every application before it is
    decided, the commission is complete; its decisions become final. Then each
    candidate is told their decision and the members that the list is closed."""
    if not (is_staff(actor) or commission.chair_id == getattr(actor, "id", None)):
        raise OperationError(_("Seules la présidence de la commission et la coordination "
                               "arrêtent la liste."))
    now = utcnow()
    with transaction():
        result = db.session.execute(
            update(Commission).where(Commission.id == commission.id,
                                     Commission.closed_at.is_(None))
            .values(closed_at=now, closed_by_id=actor.id)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise OperationError(_("La liste de cette commission est déjà arrêtée."))
        sitting = composition(commission)
        if not sitting.complete:
            raise OperationError(sitting.refusal())
        before = list(db.session.scalars(select(Application).where(
            Application.commission_id == commission.id,
            Application.state.in_((A.BEFORE_COMMISSION, *DECISIONS)))))
        waiting = sorted(a.candidate.full_name for a in before
                         if a.state == A.BEFORE_COMMISSION)
        if waiting:
            raise OperationError(_(
                "Chaque candidature présentée doit avoir sa décision avant que la liste soit "
                "arrêtée. Reste à statuer : %(names)s.", names=", ".join(waiting)))
        if not before:
            raise OperationError(_("Aucune candidature n'a été examinée par cette commission : "
                                   "il n'y a pas de liste à arrêter."))
        db.session.refresh(commission)
        record("admission.commission_closed", commission, actor=actor,
               before={"closed_at": None},
               after={"closed_at": now, "decisions": len(before)})
    latest = _latest_decisions([a.id for a in before], commission.id)
    for application in before:
        _tell_decision(application, latest.get(application.id), revised=False)
    members = [m.user for m in commission.members if m.user_id != actor.id]
    when = format_date(commission.sits_at, "d MMMM y")
    notify(members, _("Commission d'admission du %(date)s : liste arrêtée", date=when), _(
        "La liste de la commission d'admission du %(date)s est arrêtée : ses décisions sont "
        "définitives et chaque candidat·e a reçu la sienne. Le procès-verbal et la liste des "
        "admis sont sur la page de la commission.", date=when),
        app_path("admissions.commission", commission_id=commission.id))
    return commission


def _latest_decisions(application_ids: list[int], commission_id: int
                      ) -> dict[int, CommissionDecision]:
    if not application_ids:
        return {}
    out: dict[int, CommissionDecision] = {}
    for d in db.session.scalars(select(CommissionDecision).where(
            CommissionDecision.application_id.in_(application_ids),
            CommissionDecision.commission_id == commission_id)
            .order_by(CommissionDecision.id)):
        out[d.application_id] = d
    return out


def _decision_text(application: Application, decision: CommissionDecision | None) -> str:
    """What the decision means for the candidate, in plain French."""
    state = application.state
    reason = decision.reason if decision is not None else None
    parcours = application.parcours.value if application.parcours else "—"
    if state == A.ADMITTED:
        text = _("Vous êtes admis·e en formation, en parcours %(p)s.", p=parcours)
    elif state == A.ADMITTED_DEROGATION:
        text = _("Vous êtes admis·e en formation par dérogation, en parcours %(p)s.",
                 p=parcours)
        if reason:
            text += "\n" + _("Motif de la dérogation : %(reason)s", reason=reason)
    elif state == A.WAITING_LIST:
        text = _("Votre candidature est inscrite sur la liste d'attente. La coordination vous "
                 "écrira si une place se libère ou pour vous présenter à une prochaine "
                 "commission.")
        if reason:
            text += "\n" + _("Précisions de la commission : %(reason)s", reason=reason)
    else:
        text = _("La commission n'a pas retenu votre candidature.")
        if reason:
            text += "\n" + _("Motif : %(reason)s", reason=reason)
        text += "\n\n" + _("Vous pouvez écrire à la coordination pour en parler, ou candidater "
                           "de nouveau lors d'une prochaine campagne.")
    if state in ADMITTING:
        text += "\n\n" + _("Prochaine étape : vous recevrez votre inscription dans votre "
                           "cohorte par e-mail. Votre passeport compétences s'ouvrira à ce "
                           "moment-là, avec la personnalisation de votre parcours décidée à "
                           "l'entretien.")
    return text


def _tell_decision(application: Application, decision: CommissionDecision | None, *,
                   revised: bool) -> None:
    """Tell the candidate the commission's decision, once its list is closed (after
    the transaction committed)."""
    person = application.candidate
    commission = application.commission
    with force_locale(person.locale or "fr"):
        when = format_date(commission.sits_at, "d MMMM y") if commission else ""
        if revised:
            subject = _("Votre candidature : nouvelle décision de la commission d'admission")
            opening = _("La décision de la commission d'admission du %(date)s sur votre "
                        "candidature à la formation « %(programme)s » a été modifiée.",
                        date=when, programme=PROGRAMME_TITLE)
        else:
            subject = _("Votre candidature : décision de la commission d'admission")
            opening = _("La commission d'admission du %(date)s a examiné votre candidature à "
                        "la formation « %(programme)s ».", date=when,
                        programme=PROGRAMME_TITLE)
        body = "\n\n".join((_("Bonjour %(name)s,", name=person.full_name), opening,
                            _decision_text(application, decision)))
        tell([person], application, subject, body)


# --- what the sitting produces ----------------------------------------------------------


@dataclass
class SittingRow:
    """An application put before a sitting, with the decisions recorded on it there
    (the latest stands)."""

    application: Application
    decisions: list[CommissionDecision] = field(default_factory=list)

    @property
    def decision(self) -> CommissionDecision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def profiles(self) -> list[str]:
        return [str(BY_CODE[c].wording) for c in self.application.profiles or []
                if c in BY_CODE]

    @property
    def derogation(self) -> list[str]:
        return [str(DEROGATION_LABELS.get(d, d)) for d in self.application.derogation or []]


def sitting_rows(commission: Commission, *, states: Iterable[ApplicationState] | None = None
                 ) -> list[SittingRow]:
    """The applications put before the sitting (withdrawn ones left out), by candidate
    name, with their decisions there, in a fixed number of queries."""
    states = tuple(states) if states is not None else (A.BEFORE_COMMISSION, *DECISIONS)
    # the rows' candidate, interview (and its interviewer), module and site are each one
    # row of the application's: joined to it, in the same query
    applications = list(db.session.scalars(
        select(Application).where(Application.commission_id == commission.id,
                                  Application.state.in_(states))
        .options(joinedload(Application.candidate),
                 joinedload(Application.interview).joinedload(Interview.interviewer),
                 joinedload(Application.thematic_module), joinedload(Application.site))))
    applications.sort(key=lambda a: (a.candidate.last_name.lower(),
                                     a.candidate.first_name.lower(), a.id))
    by_id: dict[int, list[CommissionDecision]] = {}
    if applications:
        for d in db.session.scalars(
                select(CommissionDecision).where(
                    CommissionDecision.application_id.in_([a.id for a in applications]),
                    CommissionDecision.commission_id == commission.id)
                .options(joinedload(CommissionDecision.decided_by))
                .order_by(CommissionDecision.id)):
            by_id.setdefault(d.application_id, []).append(d)
    return [SittingRow(a, by_id.get(a.id, [])) for a in applications]


def admitted_rows(commission: Commission) -> list[SittingRow]:
    return sitting_rows(commission, states=ADMITTING)


def members_of(commission: Commission) -> list[CommissionMember]:
    """The sitting's members with their account and partner organisation, in the order
    they were seated (``Commission.members``), in one query."""
    return list(db.session.scalars(
        select(CommissionMember).where(CommissionMember.commission_id == commission.id)
        .options(joinedload(CommissionMember.user), joinedload(CommissionMember.partner))
        .order_by(CommissionMember.id)))


def _print_context(commission: Commission, members: list[CommissionMember]) -> dict:
    closed_by = (db.session.get(User, commission.closed_by_id)
                 if commission.closed_by_id else None)
    return {"commission": commission, "members": members, "closed_by": closed_by,
            "role_label": role_label, "state_label": state_label,
            "opinion_labels": OPINION_LABELS, "funding_labels": FUNDING_LABELS,
            "programme_title": PROGRAMME_TITLE}


def minutes_pdf(commission: Commission) -> bytes:
    """The sitting's minutes (procès-verbal): when and where, its members, each
    application with its decision and reason (and any later change), the closure."""
    members = members_of(commission)
    return export_pdf_from_template(
        "cohort/admissions/commission/minutes_print.html",
        rows=sitting_rows(commission), composition=composition(commission, members=members),
        **_print_context(commission, members))


def admitted_list_pdf(commission: Commission) -> bytes:
    """The list of the people the sitting admitted, as closed ("arrêtée")."""
    return export_pdf_from_template(
        "cohort/admissions/commission/list_print.html", rows=admitted_rows(commission),
        **_print_context(commission, members_of(commission)))


#: what a spreadsheet would read as a formula at the start of a cell (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def admitted_list_csv(commission: Commission) -> str:
    """The list of admitted people for a spreadsheet: French Excel's ";" separator, a
    UTF-8 byte order mark, and no cell a spreadsheet would run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Nom"), _("Prénom"), _("E-mail"), _("Parcours"), _("Module thématique"),
                     _("Site"), _("Session"), _("Financement"), _("Décision"),
                     _("Motif de la dérogation")])
    year = commission.campaign.year_label
    for row in admitted_rows(commission):
        a, d = row.application, row.decision
        person = a.candidate
        writer.writerow([_cell(v) for v in (
            person.last_name, person.first_name, person.email,
            a.parcours.value if a.parcours else "",
            a.thematic_module.label if a.thematic_module else "",
            a.site.name if a.site else "",
            _("%(year)s, session %(n)d", year=year, n=a.session_number)
            if a.session_number else "",
            str(FUNDING_LABELS.get(a.funding, "")) if a.funding else "",
            state_label(a.state),
            (d.reason or "") if d is not None and a.state == A.ADMITTED_DEROGATION else "",
        )])
    return "\ufeff" + out.getvalue()


def sitting_label(commission: Commission) -> str:
    return _("Commission du %(when)s", when=format_datetime(commission.sits_at,
                                                             "d MMMM y 'à' H 'h' mm"))
