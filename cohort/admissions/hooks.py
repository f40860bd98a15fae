"""What the admissions add to the core's pages through the plugin contract
(platform/coelab/plugins.py): the lines of "À traiter" for the coordination, the people
who interview and the commission's chair (each with its date and what it counts in the
header's "À traiter (n)"); the candidate's "Ma candidature" section on
their dashboard; the header links.

Each hook asks a fixed number of queries, whatever the number of applications.
"""

from __future__ import annotations

from collections.abc import Iterable

from coelab.api import AttentionItem, NavLink, User, WorkspacePanel, db, is_staff, local_today
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import exists, func, or_, select

from .models import (
    ADMITTING,
    Application,
    ApplicationState,
    Campaign,
    Commission,
    CommissionMember,
    Interview,
)
from .pipeline import ORDER
from .steps import state_label

A = ApplicationState


def _staff_lines(counts: dict[ApplicationState, int]) -> list[tuple[ApplicationState, str]]:
    """What waits for the coordination, by state, in the procedure's order."""
    wording = {
        A.SUBMITTED: lambda n: ngettext(
            "%(num)d candidature déposée : vérifier que le dossier est complet",
            "%(num)d candidatures déposées : vérifier que les dossiers sont complets", n),
        A.COMPLETE: lambda n: ngettext(
            "%(num)d dossier complet : programmer l'entretien",
            "%(num)d dossiers complets : programmer les entretiens", n),
        A.INTERVIEW_SCHEDULED: lambda n: ngettext(
            "%(num)d entretien d'admission programmé", "%(num)d entretiens d'admission "
            "programmés", n),
        A.INTERVIEWED: lambda n: ngettext(
            "%(num)d entretien réalisé : présenter la candidature à la commission",
            "%(num)d entretiens réalisés : présenter les candidatures à la commission", n),
        A.BEFORE_COMMISSION: lambda n: ngettext(
            "%(num)d candidature devant la commission d'admission",
            "%(num)d candidatures devant la commission d'admission", n),
        A.WAITING_LIST: lambda n: ngettext(
            "%(num)d candidature sur liste d'attente", "%(num)d candidatures sur liste "
            "d'attente", n),
    }
    return [(state, wording[state](counts[state])) for state in wording
            if counts.get(state)]


def _to_enrol():
    """How many admitted people, their sitting's list closed, are not enrolled yet."""
    return (select(func.count(Application.id)).join(Application.commission).where(
        Application.state.in_(ADMITTING), Application.enrolled_at.is_(None),
        Commission.closed_at.is_not(None)))


def _staff_counts() -> tuple[int | None, dict[ApplicationState, int], int]:
    """The current campaign (``campaigns.current_campaign``: None, every campaign), its
    applications by state (``pipeline.state_counts``) and the admitted people to
    enrol, read in one query on every page of the coordination (the header's count)."""
    today = local_today()
    current = (select(Campaign.id).where(Campaign.opens_on <= today,
                                         Campaign.closes_on >= today)
               .order_by(Campaign.opens_on.desc()).limit(1).correlate(None)
               .scalar_subquery())
    rows = db.session.execute(
        select(current, Application.state, func.count(Application.id),
               _to_enrol().correlate(None).scalar_subquery())
        .where(or_(current.is_(None), Application.campaign_id == current))
        .group_by(Application.state)).all()
    counts = dict.fromkeys(ORDER, 0)
    if not rows:  # no application in the campaign: only the people to enrol to count
        return None, counts, db.session.scalar(_to_enrol()) or 0
    for _campaign, state, count, _enrol in rows:
        counts[ApplicationState(state)] = count
    return rows[0][0], counts, rows[0][3] or 0


def attention_items(user: User) -> Iterable[AttentionItem]:
    if not user.is_authenticated:
        return
    if is_staff(user):
        campaign_id, counts, to_enrol = _staff_counts()
        for state, text in _staff_lines(counts):
            yield AttentionItem(text, url_for("admissions.pipeline", state=state.value,
                                              campaign=campaign_id),
                                order=30, kind="admission", count=counts[state])
        if to_enrol:
            yield AttentionItem(
                ngettext("%(num)d personne admise à inscrire en formation",
                         "%(num)d personnes admises à inscrire en formation", to_enrol),
                url_for("admissions.commissions"), order=30, kind="admission",
                count=to_enrol)
    # whether they hold an interview not written up, chair an open sitting with
    # applications to decide, applied: one query, then only what it found
    holds, chairs, applied = db.session.execute(select(
        exists().where(Interview.interviewer_id == user.id,
                       Interview.application_id == Application.id,
                       Application.state == A.INTERVIEW_SCHEDULED),
        exists().where(Commission.chair_id == user.id, Commission.closed_at.is_(None),
                       Application.commission_id == Commission.id,
                       Application.state == A.BEFORE_COMMISSION),
        exists().where(Application.candidate_id == user.id))).one()
    # the interviews this person holds and has not written up
    for interview, application in () if not holds else db.session.execute(
            select(Interview, Application).join(Interview.application).where(
                Interview.interviewer_id == user.id,
                Application.state == A.INTERVIEW_SCHEDULED)
            .order_by(Interview.starts_at).limit(20)):
        yield AttentionItem(
            _("Entretien d'admission avec %(name)s : compte rendu à rédiger",
              name=application.candidate.full_name),
            url_for("admissions.application", application_id=application.id), order=31,
            due=interview.starts_at, kind="admission")
    # the sittings this person chairs with applications to decide
    for commission, waiting in () if not chairs else db.session.execute(
            select(Commission, func.count(Application.id))
            .join(Application, Application.commission_id == Commission.id)
            .where(Commission.chair_id == user.id, Commission.closed_at.is_(None),
                   Application.state == A.BEFORE_COMMISSION)
            .group_by(Commission.id).order_by(Commission.sits_at)):
        yield AttentionItem(
            ngettext("Commission d'admission : %(num)d candidature à statuer",
                     "Commission d'admission : %(num)d candidatures à statuer", waiting),
            url_for("admissions.commission", commission_id=commission.id), order=32,
            due=commission.sits_at, kind="admission", count=waiting)
    mine = _latest_application(user) if applied else None
    if mine is not None and mine.state == A.DRAFT:
        text = (_("La coordination demande des compléments à votre candidature : "
                  "complétez-la et déposez-la de nouveau.") if mine.coordinator_note else
                _("Votre candidature est un brouillon : complétez-la et déposez-la."))
        yield AttentionItem(text, url_for("admissions.dossier", application_id=mine.id),
                            order=5, due=mine.campaign.closes_on, kind="admission")


def _latest_application(user: User) -> Application | None:
    return db.session.scalar(select(Application).where(
        Application.candidate_id == user.id).order_by(Application.id.desc()).limit(1))


#: what a candidate is told of where their application stands
NEXT_STEP = {
    A.DRAFT: _l("Complétez votre dossier puis déposez-le."),
    A.SUBMITTED: _l("La coordination vérifie que votre dossier est complet."),
    A.COMPLETE: _l("Votre dossier est complet : la coordination va vous proposer un "
                   "entretien d'admission."),
    A.INTERVIEW_SCHEDULED: _l("Votre entretien d'admission est programmé."),
    A.INTERVIEWED: _l("Votre entretien a eu lieu : votre candidature sera présentée à la "
                      "prochaine commission d'admission."),
    A.BEFORE_COMMISSION: _l("La commission d'admission examine votre candidature ; vous "
                            "recevrez sa décision par e-mail."),
    A.WITHDRAWN: _l("Vous avez retiré votre candidature."),
}


def candidate_view(application: Application) -> tuple[str, str]:
    """The state a candidate reads and what comes next. A decision is theirs to read
    only once the sitting's list is closed; before, it is still "before the
    commission"."""
    state = application.state
    final = application.commission is not None and application.commission.closed_at
    if state in (A.ADMITTED, A.ADMITTED_DEROGATION, A.WAITING_LIST, A.REFUSED) and not final:
        state = A.BEFORE_COMMISSION
    if state in NEXT_STEP:
        return state_label(state), str(NEXT_STEP[state])
    done = {
        A.ADMITTED: _("Vous êtes admis·e. La coordination vous inscrit dans votre "
                      "cohorte ; vous en serez informé·e par e-mail."),
        A.ADMITTED_DEROGATION: _("Vous êtes admis·e par dérogation. La coordination "
                                 "vous inscrit dans votre cohorte ; vous en serez "
                                 "informé·e par e-mail."),
        A.WAITING_LIST: _("Votre candidature est sur liste d'attente : la coordination "
                          "vous écrira si une place se libère."),
        A.REFUSED: _("Votre candidature n'a pas été retenue."),
    }
    if state in ADMITTING and application.enrolled_at is not None:
        return state_label(state), _("Vous êtes inscrit·e en formation : retrouvez votre "
                                     "cohorte et votre passeport compétences ci-dessous.")
    return state_label(state), done[state]


def dashboard_panels(user: User) -> Iterable[WorkspacePanel]:
    """A candidate's application, on their dashboard (until they are enrolled)."""
    mine = _latest_application(user)
    if mine is None:
        return
    if mine.enrolled_at is not None and (any(m for m in user.memberships)):
        return  # a trainee now: their parcours says the rest
    label, next_step = candidate_view(mine)
    yield WorkspacePanel(_l("Ma candidature"), "cohort/admissions/panel_candidate.html",
                         {"application": mine, "label": label, "next_step": next_step},
                         order=5)


def navigation(user: User) -> Iterable[NavLink]:
    if is_staff(user):
        yield NavLink(_l("Candidatures"), "admissions.pipeline", order=24)
        return
    # whether they applied, whether they sit on a commission: one query
    applied, sits = db.session.execute(select(
        exists().where(Application.candidate_id == user.id),
        exists().where(CommissionMember.user_id == user.id))).one()
    if applied and not user.memberships:
        yield NavLink(_l("Ma candidature"), "admissions.my_application", order=24)
    if sits:
        yield NavLink(_l("Commissions d'admission"), "admissions.commissions", order=25)


def public_navigation() -> Iterable[NavLink]:
    yield NavLink(_l("Candidater à la formation"), "admissions.campaign_page", order=10)
