"""The candidate's side of an application (docs/domain.md, "Admissions"): opening the
draft of a campaign, writing the dossier, its attachments, submitting it, withdrawing.

Every change goes through these operations, inside one transaction, with an audit event
that names fields and states only (an application is personal data, deleted after its
retention period: cohort/admissions/retention.py). The steps that move the state (submit,
withdraw) go through the workflow table (cohort/admissions/steps.py,
cohort/admissions/workflow.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, BinaryIO

from coelab.api import (
    ModuleScope,
    OperationError,
    Parcours,
    User,
    attachment_files,
    db,
    external_url,
    is_staff,
    local_today,
    record,
    transaction,
    utcnow,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..models import Funding, Module, Site
from .campaigns import current_campaign
from .models import (
    Application,
    ApplicationAttachment,
    ApplicationState,
    AttachmentCategory,
    Campaign,
)
from .profiles import DEROGATION_LABELS, Facts, derogation_for, profiles_met
from .rules import before_open_sitting, is_candidate
from .steps import EDITABLE, FINISHED, WITHDRAWABLE, impossible
from .workflow import move, tell

__all__ = [
    "DOSSIER_FIELDS", "MAX_ATTACHMENTS", "MONTHS_MAX", "MOTIVATION_MIN", "TEXT_MAX",
    "add_attachment", "campaign_is_open", "coordinators", "current_application",
    "derogation_wording", "latest_application", "missing", "open_application",
    "remove_attachment", "save_dossier", "submit", "withdraw",
]

A = ApplicationState

#: the longest free text of a dossier (a text area)
TEXT_MAX = 5000
#: the lettre de motivation is a letter, not a line
MOTIVATION_MIN = 200
#: years and months of experience are stored in months: at most 50 years
MONTHS_MAX = 600
#: diploma levels of the French scale (3: CAP… 8: doctorat)
LEVELS = range(3, 9)
SESSION_NUMBERS = (1, 2, 3)
#: files a dossier may carry
MAX_ATTACHMENTS = 10
REASON_MAX = 2000

TEXTS = {"situation": TEXT_MAX, "career": TEXT_MAX, "education": TEXT_MAX,
         "motivation": TEXT_MAX, "derogation_project": TEXT_MAX,
         "employer": 200, "job_title": 200, "highest_diploma": 300}
BOOLEANS = ("in_sector", "job_seeker", "mobility")
DURATIONS = ("management_months", "volunteering_months")
#: what the candidate writes, in the dossier's order
DOSSIER_FIELDS = (
    "situation", "employer", "job_title", "career", "education", "highest_diploma",
    "motivation", "parcours", "thematic_module_id", "site_id", "session_number", "funding",
    "in_sector", "management_months", "diploma_level", "job_seeker", "mobility",
    "volunteering_months", "derogation_project",
)

#: what each field is called when something is missing or wrong
LABELS = {
    "situation": _l("votre situation actuelle"),
    "employer": _l("votre employeur ou votre statut"),
    "job_title": _l("votre fonction"),
    "career": _l("votre parcours professionnel"),
    "education": _l("votre formation initiale et continue"),
    "highest_diploma": _l("votre diplôme le plus élevé"),
    "diploma_level": _l("le niveau de votre diplôme le plus élevé"),
    "motivation": _l("votre lettre de motivation"),
    "parcours": _l("le parcours choisi"),
    "thematic_module_id": _l("le module thématique"),
    "site_id": _l("le site souhaité"),
    "session_number": _l("la session souhaitée"),
    "funding": _l("votre situation de financement"),
    "in_sector": _l("si vous travaillez dans le champ de l'intervention sociale"),
    "management_months": _l("vos années d'encadrement ou de direction"),
    "job_seeker": _l("si vous êtes demandeur·se d'emploi"),
    "mobility": _l("si vous êtes en mobilité professionnelle"),
    "volunteering_months": _l("vos années de bénévolat"),
    "derogation_project": _l("votre projet professionnel ou bénévole (dérogation)"),
}


# --- reading ----------------------------------------------------------------------------


def campaign_is_open(campaign: Campaign, today: date | None = None) -> bool:
    today = today or local_today()
    return campaign.opens_on <= today <= campaign.closes_on


def current_application(user: User) -> Application | None:
    """The user's application to the current campaign, if they have one."""
    if not getattr(user, "is_authenticated", False):
        return None
    campaign = current_campaign()
    if campaign is None:
        return None
    return db.session.scalar(select(Application).where(
        Application.campaign_id == campaign.id, Application.candidate_id == user.id))


def latest_application(user: User) -> Application | None:
    """The user's latest application, whatever its campaign."""
    return db.session.scalar(select(Application).where(
        Application.candidate_id == user.id).order_by(Application.id.desc()).limit(1))


def coordinators() -> list[User]:
    """Who is told of a new application: the coordination."""
    return list(db.session.scalars(select(User).where(
        User.is_coordinator.is_(True), User.active.is_(True),
        User.deactivated_at.is_(None)).order_by(User.id)))


def derogation_wording(application: Application) -> str:
    """"le niveau de qualification et le nombre d'années…": what the derogation bears
    on, in a sentence."""
    parts = [str(DEROGATION_LABELS[code]) for code in application.derogation or []
             if code in DEROGATION_LABELS]
    return _(" et ").join(parts)


# --- opening ----------------------------------------------------------------------------


def _find(campaign: Campaign, user: User) -> Application | None:
    return db.session.scalar(select(Application).where(
        Application.campaign_id == campaign.id, Application.candidate_id == user.id))


def open_application(actor: User, campaign: Campaign) -> Application:
    """The actor's application to ``campaign``: theirs if they have one, else a new
    draft while the campaign receives applications. One per person and campaign, even
    when two requests open it at once (the unique constraint decides)."""
    existing = _find(campaign, actor)
    if existing is not None:
        return existing
    if not campaign_is_open(campaign):
        raise OperationError(_(
            "La campagne « %(title)s » reçoit les candidatures du %(start)s au %(end)s : "
            "il n'est pas possible d'en déposer aujourd'hui.", title=campaign.title,
            start=format_date(campaign.opens_on, "d MMMM y"),
            end=format_date(campaign.closes_on, "d MMMM y")))
    try:
        with transaction():
            application = Application(campaign_id=campaign.id, candidate_id=actor.id,
                                      state=A.DRAFT, profiles=[], derogation=[])
            db.session.add(application)
            db.session.flush()
            record("admission.opened", application, actor=actor,
                   after={"state": A.DRAFT, "campaign": campaign.id})
    except IntegrityError:
        # a twin request created it meanwhile
        existing = _find(campaign, actor)
        if existing is None:
            raise
        return existing
    return application


# --- the dossier ------------------------------------------------------------------------


def _text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise OperationError(_("Réponse invalide pour %(field)s.", field=LABELS[name]))
    value = value.replace("\x00", "").replace("\r\n", "\n").strip()
    if len(value) > TEXTS[name]:
        raise OperationError(_("%(field)s : %(n)d caractères au plus (vous en avez écrit "
                               "%(count)d).", field=str(LABELS[name]).capitalize(),
                               n=TEXTS[name], count=len(value)))
    return value or None


def _int(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise OperationError(_("Réponse invalide pour %(field)s.", field=LABELS[name]))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise OperationError(_("Réponse invalide pour %(field)s.", field=LABELS[name])) from None


def _choice(name: str, value: Any, enum_type: type) -> Any:
    if value is None or value == "":
        return None
    try:
        return enum_type(value)
    except ValueError:
        raise OperationError(_("Réponse invalide pour %(field)s.", field=LABELS[name])) from None


def _boolean(name: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise OperationError(_("Réponse invalide pour %(field)s.", field=LABELS[name]))


def _clean_values(fields: dict[str, Any]) -> dict[str, Any]:
    """The dossier's values as stored; a refusal names the field."""
    unknown = set(fields) - set(DOSSIER_FIELDS)
    if unknown:
        raise TypeError(f"not fields of a dossier: {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name in TEXTS:
            values[name] = _text(name, value)
        elif name in BOOLEANS:
            values[name] = _boolean(name, value)
        elif name in DURATIONS:
            months = _int(name, value)
            if months is not None and not 0 <= months <= MONTHS_MAX:
                raise OperationError(_("%(field)s : 50 ans au plus.",
                                       field=str(LABELS[name]).capitalize()))
            values[name] = months
        elif name == "diploma_level":
            level = _int(name, value)
            if level is not None and level not in LEVELS:
                raise OperationError(_("Choisissez le niveau de votre diplôme parmi ceux "
                                       "proposés."))
            values[name] = level
        elif name == "session_number":
            number = _int(name, value)
            if number is not None and number not in SESSION_NUMBERS:
                raise OperationError(_("Choisissez la session parmi celles proposées."))
            values[name] = number
        elif name == "parcours":
            values[name] = _choice(name, value, Parcours)
        elif name == "funding":
            values[name] = _choice(name, value, Funding)
        elif name == "thematic_module_id":
            module_id = _int(name, value)
            if module_id is not None:
                module = db.session.get(Module, module_id)
                if module is None or module.scope != ModuleScope.THEMATIC:
                    raise OperationError(_("Choisissez le module thématique parmi ceux "
                                           "proposés."))
            values[name] = module_id
        elif name == "site_id":
            site_id = _int(name, value)
            if site_id is not None and db.session.get(Site, site_id) is None:
                raise OperationError(_("Choisissez le site parmi ceux proposés."))
            values[name] = site_id
    return values


def _lock_editable(application: Application) -> None:
    """Take the row while it is still a draft (a conditional UPDATE: a submission or a
    withdrawal in another tab wins or waits), else refuse."""
    result = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.state.in_(EDITABLE))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        state = db.session.scalar(select(Application.state).where(
            Application.id == application.id))
        raise OperationError(impossible(state if state is not None else application.state))


def _check_candidate(actor: User, application: Application) -> None:
    if not is_candidate(actor, application):
        raise OperationError(_("Seul le candidat ou la candidate peut modifier ce dossier."))


def recompute(application: Application) -> None:
    """The profiles met and the derogation, from the facts as they stand."""
    facts = Facts.of(application)
    application.profiles = [p.code for p in profiles_met(facts)]
    application.derogation = derogation_for(facts)


def save_dossier(actor: User, application: Application, **fields: Any) -> list[str]:
    """Save what the candidate wrote in their draft (any subset of
    :data:`DOSSIER_FIELDS`); returns the names of the fields that changed.

    A thematic module is kept for parcours II and III only. The profiles met and the
    derogation are computed again from the facts at each save."""
    _check_candidate(actor, application)
    values = _clean_values(fields)
    with transaction():
        _lock_editable(application)
        db.session.refresh(application)
        changed = []
        for name, value in values.items():
            if getattr(application, name) != value:
                setattr(application, name, value)
                changed.append(name)
        if application.parcours == Parcours.I and application.thematic_module_id is not None:
            application.thematic_module_id = None
            if "thematic_module_id" not in changed:
                changed.append("thematic_module_id")
        recompute(application)
        application.updated_at = utcnow()
        db.session.flush()
        if changed:
            record("admission.dossier_saved", application, actor=actor,
                   after={"fields": sorted(changed)})
    return changed


def missing(application: Application) -> list[str]:
    """What the dossier lacks before it can be submitted, in plain words (empty: it
    can)."""
    a = application
    lacks: list[str] = []

    def need(name: str) -> None:
        if getattr(a, name) in (None, ""):
            lacks.append(str(LABELS[name]))

    for name in ("situation", "employer", "career", "education", "highest_diploma",
                 "diploma_level"):
        need(name)
    if not a.motivation:
        lacks.append(str(LABELS["motivation"]))
    elif len(a.motivation) < MOTIVATION_MIN:
        lacks.append(_("une lettre de motivation plus développée (%(n)d caractères au "
                       "moins, %(count)d pour l'instant)", n=MOTIVATION_MIN,
                       count=len(a.motivation)))
    need("parcours")
    if a.parcours in (Parcours.II, Parcours.III):
        need("thematic_module_id")
    for name in ("site_id", "funding", "in_sector", "management_months", "job_seeker",
                 "mobility", "volunteering_months"):
        need(name)
    if not any(f.category == AttachmentCategory.CV for f in a.attachments):
        lacks.append(_("votre CV (en pièce jointe)"))
    if a.derogation and not a.derogation_project:
        lacks.append(str(LABELS["derogation_project"]))
    return lacks


def submit(actor: User, application: Application) -> Application:
    """The candidate submits their dossier (step "submit"): it must be complete. The
    candidate and the coordination are told once it is committed."""
    _check_candidate(actor, application)
    if application.state not in EDITABLE:
        raise OperationError(impossible(application.state))
    campaign = application.campaign
    # a dossier given back for more (it was submitted once) may come back after closing
    if application.submitted_at is None and local_today() > campaign.closes_on:
        raise OperationError(_(
            "La campagne « %(title)s » est close depuis le %(end)s : les candidatures ne "
            "sont plus reçues.", title=campaign.title,
            end=format_date(campaign.closes_on, "d MMMM y")))
    lacks = missing(application)
    if lacks:
        raise OperationError(_("Votre dossier n'est pas encore complet. Il manque : "
                               "%(list)s.", list=" ; ".join(lacks)))
    again = application.submitted_at is not None
    with transaction():
        move(actor, application, "submit", submitted_at=utcnow())
    link = external_url("admissions.application", application_id=application.id)
    tell([application.candidate], application, _("Candidature déposée"), _(
        "Bonjour %(name)s,\n\nVotre candidature à la formation (%(campaign)s) est bien "
        "déposée. La coordination vérifie que votre dossier est complet, puis vous "
        "propose un entretien d'admission ; vous recevrez un e-mail à chaque étape.\n\n"
        "Suivre votre candidature : %(link)s", name=application.candidate.full_name,
        campaign=campaign.title, link=link))
    tell(coordinators(), application,
         _("Candidature complétée") if again else _("Nouvelle candidature"),
         _("%(name)s a déposé sa candidature (%(campaign)s) : vérifiez que le dossier est "
           "complet.", name=application.candidate.full_name, campaign=campaign.title))
    return application


def withdraw(actor: User, application: Application, reason: str | None = None) -> Application:
    """The candidate (or the coordination for them) withdraws the application (step
    "withdraw"). The coordination is told when it had received it; the candidate when
    someone else withdrew it."""
    if not (is_candidate(actor, application) or is_staff(actor)):
        raise OperationError(_("Seul le candidat ou la candidate peut retirer sa "
                               "candidature."))
    reason = (reason or "").replace("\x00", "").strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        raise OperationError(_("Le motif ne doit pas dépasser %(n)d caractères.",
                               n=REASON_MAX))
    before = application.state
    if before not in WITHDRAWABLE:
        raise OperationError(impossible(before))
    if not is_staff(actor) and before_open_sitting(application):
        # the same answer whether the commission has decided or not (rules.may_withdraw)
        raise OperationError(_("Votre candidature est entre les mains de la commission "
                               "d'admission : pour la retirer maintenant, écrivez à la "
                               "coordination."))
    with transaction():
        move(actor, application, "withdraw", comment=reason, sources=[before])
    name = application.candidate.full_name
    if before != A.DRAFT:
        tell([u for u in coordinators() if u.id != actor.id], application,
             _("Candidature retirée"),
             _("%(name)s a retiré sa candidature (%(campaign)s).", name=name,
               campaign=application.campaign.title))
    if not is_candidate(actor, application):
        tell([application.candidate], application, _("Votre candidature est retirée"),
             _("La coordination a retiré votre candidature (%(campaign)s).",
               campaign=application.campaign.title)
             + (f"\n\n{reason}" if reason else ""))
    return application


# --- attachments ------------------------------------------------------------------------


def add_attachment(actor: User, application: Application, category: AttachmentCategory | str,
                   stream: BinaryIO, filename: str | None) -> ApplicationAttachment:
    """Check an uploaded file by its content and size (the core's checks), store it and
    add it to the draft. A refused file leaves nothing behind."""
    _check_candidate(actor, application)
    try:
        category = AttachmentCategory(category)
    except ValueError:
        raise OperationError(_("Choisissez le type de pièce jointe parmi ceux "
                               "proposés.")) from None
    if application.state not in EDITABLE:
        raise OperationError(impossible(application.state))
    if _count_attachments(application) >= MAX_ATTACHMENTS:
        raise OperationError(_("Un dossier compte %(n)d pièces jointes au plus : retirez-en "
                               "une avant d'en ajouter une autre.", n=MAX_ATTACHMENTS))
    file_type, stored = attachment_files.accept_upload(stream, filename)
    try:
        with transaction():
            _lock_editable(application)
            if _count_attachments(application) >= MAX_ATTACHMENTS:
                raise OperationError(_("Un dossier compte %(n)d pièces jointes au plus.",
                                       n=MAX_ATTACHMENTS))
            attachment = ApplicationAttachment(
                application_id=application.id, category=category,
                filename=attachment_files.display_name(filename),
                stored_name=stored.stored_name, content_type=file_type.content_type,
                size=stored.size)
            db.session.add(attachment)
            db.session.flush()
            record("admission.attachment_added", application, actor=actor,
                   after={"attachment": attachment.id, "category": category,
                          "type": file_type.label, "size": stored.size})
    except BaseException:
        attachment_files.delete(stored.stored_name)
        raise
    db.session.refresh(application)
    return attachment


def _count_attachments(application: Application) -> int:
    return db.session.scalar(select(func.count(ApplicationAttachment.id)).where(
        ApplicationAttachment.application_id == application.id)) or 0


def remove_attachment(actor: User, attachment: ApplicationAttachment) -> None:
    application = attachment.application
    _check_candidate(actor, application)
    if application.state not in EDITABLE:
        raise OperationError(impossible(application.state))
    stored_name = attachment.stored_name
    with transaction():
        _lock_editable(application)
        record("admission.attachment_removed", application, actor=actor,
               before={"attachment": attachment.id, "category": attachment.category})
        db.session.delete(attachment)
    db.session.refresh(application)
    attachment_files.delete(stored_name)  # after the commit: a failed commit keeps it


def delete_files(stored_names: Iterable[str]) -> None:
    """Remove stored files once the rows that named them are gone."""
    for name in stored_names:
        attachment_files.delete(name)


def in_progress(application: Application) -> bool:
    return application.state not in FINISHED
