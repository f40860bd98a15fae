"""The coordination's pipeline of applications (docs/domain.md, "Admission"): counts per
state, the filtered list, and the two steps the coordination takes on a dossier just
submitted: ask the candidate for more (back to draft) or declare the dossier complete.

The steps move through the workflow table (cohort/admissions/steps.py,
cohort/admissions/workflow.py): of two coordinators acting at once, exactly one
succeeds and the other is told why not.
"""

from __future__ import annotations

from dataclasses import dataclass

from coelab.api import (
    OperationError,
    Parcours,
    User,
    app_path,
    db,
    external_url,
    notify,
    transaction,
    utcnow,
    when,
)
from flask_babel import gettext as _
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import joinedload

from .models import Application, ApplicationState
from .profiles import BY_CODE
from .rules import PEOPLE
from .steps import STEPS, state_label
from .workflow import move, tell

__all__ = ["ORDER", "LIMIT", "Filters", "applications", "ask_more", "mark_complete",
           "state_counts"]

A = ApplicationState

#: the states in the procedure's order (the pipeline's tabs)
ORDER = (A.DRAFT, A.SUBMITTED, A.COMPLETE, A.INTERVIEW_SCHEDULED, A.INTERVIEWED,
         A.BEFORE_COMMISSION, A.ADMITTED, A.ADMITTED_DEROGATION, A.WAITING_LIST,
         A.REFUSED, A.WITHDRAWN)
#: at most this many rows on the page (a campaign receives a few dozen applications)
LIMIT = 500
MESSAGE_MAX = 5000

@dataclass(frozen=True)
class Filters:
    """What the pipeline shows; None: no filter on that. ``derogation``: True for the
    applications that need a derogation, False for those that meet a profile."""

    campaign_id: int | None = None
    state: ApplicationState | None = None
    parcours: Parcours | None = None
    site_id: int | None = None
    profile: str | None = None
    derogation: bool | None = None


def state_counts(campaign_id: int | None = None) -> dict[ApplicationState, int]:
    """How many applications are in each state (every state present, 0 when none), for
    one campaign or, with None, for all."""
    query = select(Application.state, func.count(Application.id)).group_by(Application.state)
    if campaign_id is not None:
        query = query.where(Application.campaign_id == campaign_id)
    counts = dict.fromkeys(ORDER, 0)
    for state, count in db.session.execute(query):
        counts[ApplicationState(state)] = count
    return counts


def _json_text(column):
    # a JSON list of codes as stored (json.dumps: '["employed-5y", "…"]'), the same text
    # on SQLite and PostgreSQL (a json column keeps its text): an element is matched
    # with its quotes, and the codes hold no LIKE wildcard (checked against BY_CODE)
    return func.coalesce(cast(column, String), "")


def applications(filters: Filters, limit: int = LIMIT) -> list[Application]:
    """The applications the filters select, the earliest submitted first (drafts,
    never submitted, last), with what the pipeline's table shows loaded by the same
    query."""
    query = (select(Application)
             .options(joinedload(Application.candidate), joinedload(Application.site),
                      joinedload(Application.interview),
                      joinedload(Application.commission)))
    if filters.campaign_id is not None:
        query = query.where(Application.campaign_id == filters.campaign_id)
    if filters.state is not None:
        query = query.where(Application.state == filters.state)
    if filters.parcours is not None:
        query = query.where(Application.parcours == filters.parcours)
    if filters.site_id is not None:
        query = query.where(Application.site_id == filters.site_id)
    if filters.profile is not None:
        if filters.profile not in BY_CODE:
            return []
        query = query.where(_json_text(Application.profiles).like(f'%"{filters.profile}"%'))
    if filters.derogation is not None:
        needs = _json_text(Application.derogation).like('%"%')
        query = query.where(needs if filters.derogation else ~needs)
    query = query.order_by(Application.submitted_at.is_(None), Application.submitted_at,
                           Application.id).limit(limit)
    return list(db.session.scalars(query).unique())


def _check_people(actor: User, application: Application, name: str) -> None:
    step = STEPS[name]
    if not PEOPLE[step.who](actor, application):
        raise OperationError(_("Seule la coordination peut faire cela."))


def _clean(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


def ask_more(actor: User, application: Application, message: str) -> Application:
    """Give a submitted dossier back to the candidate with what the coordination asks
    for; they complete it and submit it again."""
    _check_people(actor, application, "ask_more")
    message = _clean(message)
    if not message:
        raise OperationError(_("Écrivez ce que vous demandez au candidat ou à la candidate."))
    if len(message) > MESSAGE_MAX:
        raise OperationError(_("Le message ne doit pas dépasser %(n)d caractères.",
                               n=MESSAGE_MAX))
    with transaction():
        move(actor, application, "ask_more", comment=message, coordinator_note=message)
    tell([application.candidate], application,
         _("Votre candidature : la coordination demande des compléments"),
         _("La coordination vous demande de compléter votre dossier de candidature :\n\n"
           "%(message)s\n\nComplétez votre dossier puis déposez-le de nouveau : %(url)s",
           message=message,
           url=external_url("admissions.dossier", application_id=application.id)))
    return application


def mark_complete(actor: User, application: Application) -> Application:
    """Declare a submitted dossier complete: the interview comes next."""
    _check_people(actor, application, "mark_complete")
    with transaction():
        move(actor, application, "mark_complete")
    # in the app only: the e-mail comes with the interview's proposal
    notify([application.candidate],
           _("Votre dossier de candidature est complet"),
           _("Votre dossier est complet : la coordination va vous proposer un entretien "
             "d'admission."),
           app_path("admissions.application", application_id=application.id), mail=False)
    return application


def next_action(application: Application) -> str:
    """What the coordination does next with an application, in a few words."""
    state = application.state
    interview = application.interview
    if state == A.INTERVIEW_SCHEDULED and interview is not None and (
            interview.starts_at > utcnow()):
        return _("Entretien le %(when)s", when=when(interview.starts_at, short=True))
    if state in (A.ADMITTED, A.ADMITTED_DEROGATION):
        if application.enrolled_at is not None:
            return _("Inscrit·e en formation")
        commission = application.commission
        if commission is not None and commission.closed_at is not None:
            return _("À inscrire en formation")
        return _("Liste à arrêter par la commission")
    return {
        A.DRAFT: _("Le candidat ou la candidate complète son dossier"),
        A.SUBMITTED: _("Vérifier que le dossier est complet"),
        A.COMPLETE: _("Programmer l'entretien"),
        A.INTERVIEW_SCHEDULED: _("Compte rendu d'entretien à rédiger"),
        A.INTERVIEWED: _("Présenter à la commission"),
        A.BEFORE_COMMISSION: _("Décision de la commission attendue"),
        A.WAITING_LIST: _("En attente d'une place"),
        A.REFUSED: _("Terminé"),
        A.WITHDRAWN: _("Terminé"),
    }.get(state, state_label(state))
