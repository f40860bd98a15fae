"""The candidate's pages: their entry point, the dossier (a draft saved as often as they
like), its attachments, submitting, withdrawing and asking for deletion. The page that
follows an application once submitted is ``admissions.application``
(cohort/admissions/pipeline_views.py).

An application is personal data: whoever may not read it (rule ``admission.view``) gets
a 404, as if it did not exist; someone who reads it but may not change it, a 403.
"""

from __future__ import annotations

from coelab.api import (
    ConfirmForm,
    ModuleScope,
    OperationError,
    attachment_files,
    can,
    db,
    is_staff,
    read_once,
    run_action,
)
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from ..models import Funding, Module, ParcoursDefinition, ProgrammeSession, Site
from .blueprint import bp
from .campaigns import current_campaign, next_campaign
from .candidacy import (
    MOTIVATION_MIN,
    add_attachment,
    campaign_is_open,
    current_application,
    derogation_wording,
    latest_application,
    missing,
    open_application,
    remove_attachment,
    save_dossier,
    submit,
    withdraw,
)
from .forms_candidate import (
    CATEGORY_CHOICES,
    FUNDING_CHOICES,
    LEVEL_CHOICES,
    PARCOURS_CHOICES,
    AttachmentForm,
    DossierForm,
    WithdrawForm,
)
from .hooks import candidate_view
from .models import (
    ADMITTING,
    Application,
    ApplicationAttachment,
    ApplicationState,
    AttachmentCategory,
    Campaign,
)
from .profiles import BY_CODE
from .retention import account_has_other_use, deletable, delete_application
from .rules import before_open_sitting, is_candidate
from .steps import EDITABLE, STEPS, state_label

A = ApplicationState


# --- finding the application ------------------------------------------------------------


def _application(application_id: int) -> Application:
    """The application, for whoever may read it; 404 for anyone else."""
    application = db.session.get(Application, application_id)
    if application is None or not can(current_user, "admission.view", application):
        abort(404)
    return application


def _own(application_id: int) -> Application:
    """The candidate's own application (the coordination reads it, may not write it)."""
    application = _application(application_id)
    if not is_candidate(current_user, application):
        abort(403)
    return application


def _follow(application: Application) -> str:
    return url_for("admissions.application", application_id=application.id)


def _dossier_url(application: Application, anchor: str = "") -> str:
    return url_for("admissions.dossier", application_id=application.id) + anchor


def _reusable(application: Application | None, campaign: Campaign | None) -> bool:
    """Whether the person's latest application is still theirs to follow, rather than
    a new one to open in the campaign open today."""
    if application is None:
        return False
    if campaign is None or application.state in ADMITTING:
        return True
    if application.state in (A.REFUSED, A.WITHDRAWN):
        return False
    # a draft never submitted to a campaign now closed: a new one is opened instead
    return not (application.submitted_at is None
                and not campaign_is_open(application.campaign))


@bp.route("/mine")
@login_required
def my_application():
    """The candidate's entry point: their draft for the campaign open today (opened on
    the first visit), or the application they follow."""
    if is_staff(current_user):
        return redirect(url_for("admissions.pipeline"))
    campaign = current_campaign()
    mine = current_application(current_user)
    if mine is None:
        latest = latest_application(current_user)
        if _reusable(latest, campaign):
            mine = latest
    if mine is None:
        if campaign is None:
            return render_template("cohort/admissions/candidate/no_campaign.html",
                                   upcoming=next_campaign())
        try:
            mine = open_application(current_user, campaign)
        except OperationError as exc:
            flash(str(exc), "error")
            return redirect(url_for("admissions.campaign_page"))
    if mine.state in EDITABLE:
        return redirect(_dossier_url(mine))
    return redirect(_follow(mine))


# --- the dossier ------------------------------------------------------------------------


def _campaign_sessions(campaign: Campaign) -> dict[int, dict[str, ProgrammeSession]]:
    """The sessions of the campaign's year: number → kind of module → session (read once
    per request: the dossier's form, its choices and its summary each ask)."""
    def load() -> dict[int, dict[str, ProgrammeSession]]:
        sessions: dict[int, dict[str, ProgrammeSession]] = {}
        for row in db.session.scalars(select(ProgrammeSession).where(
                ProgrammeSession.year_label == campaign.year_label)):
            sessions.setdefault(row.number, {})[ModuleScope(row.scope).value] = row
        return sessions
    return read_once(("admission.sessions_of_year", campaign.year_label), load)


def _dates(session_row: ProgrammeSession) -> str:
    end = session_row.end_label or format_date(session_row.end_date, "d MMM y")
    return _("%(start)s – %(end)s", start=format_date(session_row.start_date, "d MMM y"),
             end=end)


def session_label(campaign: Campaign, number: int | None) -> str:
    """"Session 2 — module transversal : 15 févr. 2021 – 16 avr. 2021 ; modules
    thématiques : …"."""
    if number is None:
        return _("Pas de préférence")
    parts = []
    found = _campaign_sessions(campaign).get(number, {})
    if ModuleScope.TRANSVERSAL.value in found:
        parts.append(_("module transversal : %(dates)s",
                       dates=_dates(found[ModuleScope.TRANSVERSAL.value])))
    if ModuleScope.THEMATIC.value in found:
        parts.append(_("modules thématiques : %(dates)s",
                       dates=_dates(found[ModuleScope.THEMATIC.value])))
    label = _("Session %(n)d", n=number)
    return f"{label} — {' ; '.join(parts)}" if parts else label


def _choices(form: DossierForm, application: Application) -> None:
    form.thematic_module.choices = [("", _("— Choisissez —"))] + [
        (str(m.id), m.label) for m in db.session.scalars(select(Module).where(
            Module.scope == ModuleScope.THEMATIC).order_by(Module.position, Module.code))]
    form.site.choices = [("", _("— Choisissez —"))] + [
        (str(s.id), s.name + (_(" (site principal)") if s.is_main else ""))
        for s in db.session.scalars(select(Site).order_by(Site.is_main.desc(), Site.name))]
    form.session_number.choices = [("", _("Pas de préférence"))] + [
        (str(n), session_label(application.campaign, n)) for n in (1, 2, 3)]


def _parcours_rows() -> dict[str, ParcoursDefinition]:
    return {p.code: p for p in db.session.scalars(select(ParcoursDefinition))}


def _dossier_page(application: Application, form: DossierForm, status: int = 200):
    return render_template(
        "cohort/admissions/candidate/dossier.html", application=application, form=form,
        view=dossier_view(application), missing=missing(application),
        parcours_rows=_parcours_rows(), motivation_min=MOTIVATION_MIN,
        attachment_form=AttachmentForm(prefix="att"), accept=attachment_files.ACCEPT,
        attachment_max=attachment_files.max_bytes()), status


@bp.route("/applications/<int:application_id>/dossier", methods=["GET", "POST"])
@login_required
def dossier(application_id: int):
    """The dossier, in five sections. "Enregistrer le brouillon" keeps every answer that
    is right and shows the others with what is wrong (nothing typed is lost);
    "Déposer ma candidature" saves, then asks for confirmation."""
    application = _own(application_id)
    if application.state not in EDITABLE:
        flash(_("Votre candidature est déposée : elle ne se modifie plus."), "info")
        return redirect(_follow(application))
    form = DossierForm()
    _choices(form, application)
    if request.method == "GET":
        form.fill(application)
        return _dossier_page(application, form)
    valid = form.validate_on_submit()
    if form.meta.csrf and form.csrf_token.errors:
        form.form_errors.append(_("La page a expiré : envoyez de nouveau le formulaire "
                                  "(ce que vous avez écrit est toujours là)."))
        return _dossier_page(application, form, 400)
    try:
        save_dossier(current_user, application, **form.valid_values())
    except OperationError as exc:
        form.form_errors.append(str(exc))
        return _dossier_page(application, form)
    if not valid:
        form.form_errors.append(_("Les autres réponses sont enregistrées ; corrigez celles "
                                  "qui sont signalées ci-dessous puis enregistrez de "
                                  "nouveau."))
        return _dossier_page(application, form)
    if request.form.get("action") == "submit":
        return redirect(url_for("admissions.submit_application",
                                application_id=application.id))
    flash(_("Votre brouillon est enregistré. Vous pouvez revenir le compléter quand vous "
            "voulez."), "success")
    return redirect(_dossier_url(application, "#eligibility"))


@bp.route("/applications/<int:application_id>/submit", methods=["GET", "POST"])
@login_required
def submit_application(application_id: int):
    """Depositing the dossier: what happens next, then the confirmation."""
    application = _own(application_id)
    if request.method == "POST":
        return run_action(
            ConfirmForm(), lambda: submit(current_user, application),
            done=str(STEPS["submit"].done), next_url=_follow(application),
            failed_url=url_for("admissions.submit_application",
                               application_id=application.id))
    if application.state not in EDITABLE:
        return redirect(_follow(application))
    return render_template("cohort/admissions/candidate/submit.html",
                           application=application, missing=missing(application),
                           form=ConfirmForm(), view=dossier_view(application))


# --- withdrawing and deleting -----------------------------------------------------------


def _decision_unseen(application: Application) -> bool:
    """Whether the person is the candidate and their application is before a sitting
    whose list is not closed, decided or not: what they may do then must not tell them
    whether the commission has decided (cohort/admissions/rules.py, may_withdraw)."""
    return is_candidate(current_user, application) and before_open_sitting(application)


def _with_the_commission() -> str:
    return _("Votre candidature est entre les mains de la commission d'admission : pour "
             "la retirer maintenant, écrivez à la coordination.")


def _state_for(application: Application) -> str:
    """The state as the person reads it: a candidate does not learn the commission's
    decision before its list is closed (cohort/admissions/hooks.py, candidate_view)."""
    if is_candidate(current_user, application):
        return candidate_view(application)[0]
    return state_label(application.state)


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"],
          endpoint="withdraw")
@login_required
def withdraw_application(application_id: int):
    """The candidate (or the coordination for them) withdraws the application, after
    a confirmation."""
    application = _application(application_id)
    if not (is_candidate(current_user, application) or is_staff(current_user)):
        abort(403)
    form = WithdrawForm()
    # a decision the candidate may not read yet: the page says the same whatever it is
    unseen = _decision_unseen(application)
    if request.method == "POST":
        if unseen:
            flash(_with_the_commission(), "error")
            return redirect(url_for("admissions.withdraw", application_id=application.id))
        return run_action(
            form, lambda: withdraw(current_user, application, form.reason.data),
            done=str(STEPS["withdraw"].done), next_url=_follow(application),
            failed_url=url_for("admissions.withdraw", application_id=application.id))
    return render_template("cohort/admissions/candidate/withdraw.html",
                           application=application, form=form, unseen=unseen,
                           with_the_commission=_with_the_commission() if unseen else None,
                           allowed=not unseen and can(current_user, "admission.withdraw",
                                                      application),
                           state=_state_for(application),
                           mine=is_candidate(current_user, application))


@bp.route("/applications/<int:application_id>/delete", methods=["GET", "POST"],
          endpoint="delete")
@login_required
def delete_view(application_id: int):
    """Asking for the deletion of one's application: final, explained first."""
    application = _application(application_id)
    mine = is_candidate(current_user, application)
    if not (mine or is_staff(current_user)):
        abort(403)
    if request.method == "POST":
        return _delete(application, mine)
    return render_template(
        "cohort/admissions/candidate/delete.html", application=application,
        form=ConfirmForm(), allowed=deletable(current_user, application), mine=mine,
        state=_state_for(application),
        admitted=application.state in ADMITTING and not _decision_unseen(application),
        account_goes=not account_has_other_use(application.candidate, besides=application))


def _delete(application: Application, mine: bool):
    back = url_for("admissions.delete", application_id=application.id)
    if not ConfirmForm().validate_on_submit():
        flash(_("La page a expiré : recommencez."), "error")
        return redirect(back)
    try:
        account_deleted = delete_application(current_user, application)
    except OperationError as exc:
        flash(str(exc), "error")
        return redirect(back)
    if mine and account_deleted:
        # the account is gone: this browser's session with it
        session.clear()
        logout_user()
        flash(_("Votre candidature et votre compte sont supprimés. Vos données ne sont "
                "plus conservées."), "success")
        return redirect(url_for("admissions.campaign_page"))
    flash(_("La candidature est supprimée.") if not mine else
          _("Votre candidature est supprimée. Votre compte est conservé, car il sert "
            "aussi à autre chose sur Coélab."), "success")
    if is_staff(current_user):
        return redirect(url_for("admissions.pipeline"))
    return redirect(url_for("core.index"))


# --- attachments ------------------------------------------------------------------------


def _attachment(application: Application, attachment_id: int) -> ApplicationAttachment:
    item = db.session.get(ApplicationAttachment, attachment_id)
    if item is None or item.application_id != application.id:
        abort(404)
    return item


@bp.route("/applications/<int:application_id>/attachments", methods=["POST"])
@login_required
def upload_attachment(application_id: int):
    application = _own(application_id)
    form = AttachmentForm(prefix="att")
    return run_action(
        form, lambda: add_attachment(current_user, application, form.category.data,
                                     form.file.data.stream, form.file.data.filename),
        done=lambda item: _("« %(name)s » est joint à votre dossier.", name=item.filename),
        next_url=_dossier_url(application, "#attachments"))


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@login_required
def attachment(application_id: int, attachment_id: int):
    """A file of the dossier, for whoever may read the application (404 otherwise)."""
    application = _application(application_id)
    item = _attachment(application, attachment_id)
    response = attachment_files.send(item.stored_name, item.filename, item.content_type,
                                     inline=request.args.get("inline") == "1")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>/delete",
          methods=["POST"], endpoint="remove_attachment")
@login_required
def remove_attachment_view(application_id: int, attachment_id: int):
    application = _own(application_id)
    item = _attachment(application, attachment_id)
    name = item.filename
    return run_action(ConfirmForm(), lambda: remove_attachment(current_user, item),
                      done=_("« %(name)s » est retiré de votre dossier.", name=name),
                      next_url=_dossier_url(application, "#attachments"))


# --- reading a dossier (templates/cohort/admissions/_dossier.html) ------------------------


def duration(months: int | None) -> str:
    """"5 ans et 2 mois", "8 mois", "aucune"."""
    if months is None:
        return "—"
    years, rest = divmod(months, 12)
    if not years and not rest:
        return _("aucune")
    parts = []
    if years:
        parts.append(ngettext("%(num)d an", "%(num)d ans", years))
    if rest:
        parts.append(ngettext("%(num)d mois", "%(num)d mois", rest))
    return _(" et ").join(parts)


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else (_("oui") if value else _("non"))


@bp.app_template_global()
def dossier_view(application: Application) -> dict:
    """What the read-only dossier shows, in words: for the candidate, the coordination,
    the interviewer and the commission."""
    a = application
    parcours = dict(PARCOURS_CHOICES)
    funding = dict(FUNDING_CHOICES)
    levels = dict(LEVEL_CHOICES)
    categories = dict(CATEGORY_CHOICES)
    return {
        "parcours": str(parcours[a.parcours.value]) if a.parcours else "—",
        "module": a.thematic_module.label if a.thematic_module else None,
        "site": a.site.name if a.site else "—",
        "session": session_label(a.campaign, a.session_number),
        "funding": str(funding[a.funding.value]) if a.funding else "—",
        "level": str(levels[str(a.diploma_level)]) if a.diploma_level else "—",
        "in_sector": _yes_no(a.in_sector),
        "job_seeker": _yes_no(a.job_seeker),
        "mobility": _yes_no(a.mobility),
        "management": duration(a.management_months),
        "volunteering": duration(a.volunteering_months),
        "profiles": [str(BY_CODE[c].wording) for c in a.profiles or [] if c in BY_CODE],
        "derogation": derogation_wording(a),
        "facts_answered": None not in (a.in_sector, a.job_seeker, a.mobility,
                                       a.management_months, a.volunteering_months,
                                       a.diploma_level),
        "attachments": [(f, str(categories.get(f.category.value, f.category.value)))
                        for f in a.attachments],
        "has_cv": any(f.category == AttachmentCategory.CV for f in a.attachments),
        "funding_free": a.funding == Funding.JOB_SEEKER,
    }
