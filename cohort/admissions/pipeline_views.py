"""The coordination's pages of the admissions (cohort/admissions/blueprint.py ``bp``):
campaigns, the pipeline of applications, the page of one application (for everyone
``admission.view`` allows: the candidate, the coordination, the interviewer, the members
of its sitting), the interview's scheduling, record and calendar file.

An application someone may not read does not exist for them (404); a step they may not
take is refused (403) and a step that no longer applies is explained
(cohort/admissions/steps.py ``impossible``).
"""

from __future__ import annotations

from coelab.api import (
    ConfirmForm,
    OperationError,
    Parcours,
    can,
    db,
    is_staff,
    local_today,
    require,
    run_action,
    submit_form,
)
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..models import Site
from . import interviews, pipeline
from .blueprint import bp
from .campaigns import all_campaigns, create_campaign, current_campaign, update_campaign
from .forms_pipeline import (
    PARIS,
    AskMoreForm,
    CampaignForm,
    RecordForm,
    ScheduleForm,
    paris_datetime,
)
from .hooks import candidate_view
from .models import (
    DECISIONS,
    Application,
    ApplicationState,
    ApplicationTransition,
    Campaign,
    CommissionDecision,
    Interview,
    Opinion,
)
from .profiles import BY_CODE, DEROGATION_LABELS, PROFILES
from .rules import PEOPLE, is_candidate, is_interviewer
from .steps import STEPS, impossible, state_label
from .workflow import history

A = ApplicationState


# --- campaigns --------------------------------------------------------------------------


@bp.route("/campaigns")
@login_required
def campaigns():
    require("admission.manage")
    current = current_campaign()
    return render_template("cohort/admissions/pipeline/campaigns.html",
                           campaigns=all_campaigns(), current=current, today=local_today())


@bp.route("/campaigns/new", methods=["GET", "POST"], defaults={"campaign_id": None})
@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
@login_required
def edit_campaign(campaign_id: int | None):
    require("admission.manage")
    campaign = db.get_or_404(Campaign, campaign_id) if campaign_id is not None else None
    form = CampaignForm(obj=campaign)

    def save() -> Campaign:
        values = {"title": form.title.data or "", "year_label": form.year_label.data or "",
                  "opens_on": form.opens_on.data, "closes_on": form.closes_on.data,
                  "retention_months": form.retention_months.data, "notes": form.notes.data}
        if campaign is None:
            return create_campaign(current_user, **values)
        return update_campaign(current_user, campaign, **values)

    done = submit_form(form, save,
                       done=lambda c: _("Campagne « %(title)s » enregistrée.", title=c.title),
                       next_url=url_for("admissions.campaigns"))
    return done or render_template(
        "cohort/admissions/pipeline/campaign_form.html", form=form, campaign=campaign,
        title=campaign.title if campaign else _("Nouvelle campagne"))


# --- the pipeline -----------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    """A row id from the query string; None when it is not one (the databases' ids are
    32-bit integers: a larger number would be refused by the driver)."""
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and 0 < number < 2**31 else None


def _choice(value: str | None, enum_type):
    try:
        return enum_type(value) if value else None
    except ValueError:
        return None


def _filters(campaigns: list[Campaign]) -> tuple[pipeline.Filters, str]:
    """The pipeline's filters from the query string (an unknown value: no filter), and
    the campaign's value in the form ("all" or an id)."""
    args = request.args
    raw = args.get("campaign", "")
    ids = {c.id for c in campaigns}
    if raw == "all":
        campaign_id = None
    elif _int(raw) in ids:
        campaign_id = _int(raw)
    else:
        current = current_campaign()
        campaign_id = current.id if current else (campaigns[0].id if campaigns else None)
    profile = args.get("profile") or None
    derogation = {"yes": True, "no": False}.get(args.get("derogation", ""))
    return pipeline.Filters(
        campaign_id=campaign_id, state=_choice(args.get("state"), ApplicationState),
        parcours=_choice(args.get("parcours"), Parcours), site_id=_int(args.get("site")),
        profile=profile if profile in BY_CODE else None,
        derogation=derogation), ("all" if campaign_id is None else str(campaign_id))


# the endpoint is "admissions.pipeline" (the name ``pipeline`` is the module's here)
@bp.route("/pipeline", endpoint="pipeline")
@login_required
def pipeline_page():
    require("admission.manage")
    campaigns_list = all_campaigns()
    filters, campaign_value = _filters(campaigns_list)
    rows = pipeline.applications(filters)
    sites = list(db.session.scalars(select(Site).order_by(Site.is_main.desc(), Site.name)))
    return render_template(
        "cohort/admissions/pipeline/pipeline.html", filters=filters, rows=rows,
        campaigns=campaigns_list, campaign_value=campaign_value,
        counts=pipeline.state_counts(filters.campaign_id), order=pipeline.ORDER,
        sites=sites, profiles=PROFILES, parcours_values=list(Parcours), by_code=BY_CODE,
        profile_number={p.code: n for n, p in enumerate(PROFILES, start=1)},
        state_label=state_label,
        truncated=len(rows) >= pipeline.LIMIT, next_action=pipeline.next_action,
        filtered=any(v is not None for v in (filters.state, filters.parcours,
                                             filters.site_id, filters.profile,
                                             filters.derogation)))


# --- one application --------------------------------------------------------------------


#: what an application's pages show of it, each one row: read with it, in one query
_WITH_APPLICATION = (
    joinedload(Application.candidate), joinedload(Application.campaign),
    joinedload(Application.commission), joinedload(Application.thematic_module),
    joinedload(Application.site),
    joinedload(Application.interview).joinedload(Interview.interviewer),
)


def _application(application_id: int) -> Application:
    """The application if the current user may read it, else 404."""
    application = db.session.get(Application, application_id, options=_WITH_APPLICATION)
    if application is None or not can(current_user, "admission.view", application):
        abort(404)
    return application


def _may_take(name: str, application: Application) -> None:
    """403 unless the current user is among the step's people (the operation explains
    a step the application's state no longer allows)."""
    if not PEOPLE[STEPS[name].who](current_user, application):
        abort(403)


def _final(application: Application) -> bool:
    """Whether the application's decision is the candidate's to read: its sitting has
    closed its list."""
    commission = application.commission
    return (application.state in DECISIONS and commission is not None
            and commission.closed_at is not None)


HIDDEN_UNTIL_FINAL = ("decide", "revise_decision")


def _history_label(t: ApplicationTransition) -> str:
    if t.action == "schedule_interview" and t.from_state == A.INTERVIEW_SCHEDULED:
        return _("Entretien déplacé")
    labels = {
        "submit": _("Candidature déposée"),
        "ask_more": _("Compléments demandés par la coordination"),
        "mark_complete": _("Dossier déclaré complet"),
        "schedule_interview": _("Entretien programmé"),
        "record_interview": _("Compte rendu d'entretien enregistré"),
        "place_before_commission": _("Présentée à la commission d'admission"),
        "decide": _("Décision de la commission : %(s)s", s=state_label(t.to_state)),
        "revise_decision": _("Décision modifiée : %(s)s", s=state_label(t.to_state)),
        "withdraw": _("Candidature retirée"),
    }
    return labels.get(t.action) or _("Passée à l'état « %(s)s »", s=state_label(t.to_state))


def _history_for(application: Application, candidate_only: bool) -> list[dict]:
    """The steps of the application, one line each. The candidate does not read the
    decisions of a sitting whose list is not closed yet."""
    transitions = history(application)
    if candidate_only and not _final(application):
        last_placed = max((i for i, t in enumerate(transitions)
                           if t.action == "place_before_commission"), default=-1)
        transitions = [t for i, t in enumerate(transitions)
                       if not (t.action in HIDDEN_UNTIL_FINAL and i > last_placed)]
    return [{"at": t.created_at, "label": _history_label(t), "comment": t.comment,
             "actor": t.actor.full_name if t.actor is not None and not candidate_only
             else None} for t in transitions]


def _decisions(application: Application) -> list[CommissionDecision]:
    return list(db.session.scalars(
        select(CommissionDecision).options(joinedload(CommissionDecision.decided_by))
        .where(CommissionDecision.application_id == application.id)
        .order_by(CommissionDecision.decided_at, CommissionDecision.id)))


def _final_decision(application: Application) -> CommissionDecision | None:
    if not _final(application):
        return None
    rows = [d for d in _decisions(application) if d.outcome == application.state]
    return rows[-1] if rows else None


def opinion_label(opinion: Opinion | None) -> str:
    return {Opinion.FAVOURABLE: _("Favorable"), Opinion.RESERVED: _("Réservé"),
            Opinion.UNFAVOURABLE: _("Défavorable")}.get(opinion, "—")


@bp.route("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    a = _application(application_id)
    staff = is_staff(current_user)
    full = staff or not is_candidate(current_user, a)
    interview = a.interview
    context = {
        "application": a, "full": full, "staff": staff,
        "state_label": state_label, "when_label": interviews.when_label,
        "history": _history_for(a, candidate_only=not full),
        "interview": interview,
        "ics": interview is not None and a.state == A.INTERVIEW_SCHEDULED
        and (staff or is_candidate(current_user, a) or is_interviewer(current_user, a)),
    }
    if full:
        context.update(
            decisions=_decisions(a), opinion_label=opinion_label,
            profiles=[BY_CODE[c] for c in (a.profiles or []) if c in BY_CODE],
            derogation=[DEROGATION_LABELS[d] for d in (a.derogation or [])
                        if d in DEROGATION_LABELS],
            may_ask_more=can(current_user, "admission.ask_more", a),
            may_complete=can(current_user, "admission.mark_complete", a),
            may_schedule=can(current_user, "admission.schedule_interview", a),
            may_record=can(current_user, "admission.record_interview", a),
            ask_form=AskMoreForm(prefix="ask"), confirm_form=ConfirmForm(),
            commission_final=a.commission is not None and a.commission.closed_at is not None)
    else:
        label, next_step = candidate_view(a)
        final = _final(a)
        context.update(label=label, next_step=next_step, decision=_final_decision(a),
                       final=final, shown_state=(A.BEFORE_COMMISSION if a.state in DECISIONS
                                                 and not final else a.state),
                       may_withdraw=can(current_user, "admission.withdraw", a))
    return render_template("cohort/admissions/pipeline/application.html", **context)


def _back(a: Application) -> str:
    return url_for("admissions.application", application_id=a.id)


@bp.route("/applications/<int:application_id>/ask-more", methods=["POST"])
@login_required
def ask_more(application_id: int):
    a = _application(application_id)
    _may_take("ask_more", a)
    form = AskMoreForm(prefix="ask")
    return run_action(form, lambda: pipeline.ask_more(current_user, a, form.message.data),
                      done=str(STEPS["ask_more"].done), next_url=_back(a))


@bp.route("/applications/<int:application_id>/complete", methods=["POST"])
@login_required
def mark_complete(application_id: int):
    a = _application(application_id)
    _may_take("mark_complete", a)
    return run_action(ConfirmForm(), lambda: pipeline.mark_complete(current_user, a),
                      done=str(STEPS["mark_complete"].done), next_url=_back(a))


# --- the interview ----------------------------------------------------------------------


@bp.route("/applications/<int:application_id>/interview", methods=["GET", "POST"])
@login_required
def schedule_interview(application_id: int):
    a = _application(application_id)
    _may_take("schedule_interview", a)
    if a.state not in STEPS["schedule_interview"].sources:
        flash(impossible(a.state), "error")
        return redirect(_back(a))
    interview = a.interview
    form = ScheduleForm()
    people = [p for p in interviews.interviewers() if p.id != a.candidate_id]
    form.interviewer.choices = [(0, _("— choisir —"))] + [
        (p.id, p.full_name) for p in people]
    if request.method == "GET" and interview is not None:
        local = interview.starts_at.astimezone(PARIS)
        form.interviewer.data = interview.interviewer_id or 0
        form.day.data, form.at.data = local.date(), local.time().replace(tzinfo=None)
        form.duration.data = interview.duration_minutes
        form.place.data, form.video_url.data = interview.place, interview.video_url
    chosen = {p.id: p for p in people}

    def save():
        person = chosen.get(form.interviewer.data)
        if person is None:
            raise OperationError(_("Choisissez la personne qui mène l'entretien."))
        return interviews.schedule(
            current_user, a, interviewer=person,
            starts_at=paris_datetime(form.day.data, form.at.data),
            duration_minutes=form.duration.data, place=form.place.data,
            video_url=form.video_url.data)

    done = submit_form(form, save, done=str(STEPS["schedule_interview"].done),
                       next_url=_back(a))
    return done or render_template(
        "cohort/admissions/pipeline/schedule.html", application=a, form=form,
        interview=interview, when_label=interviews.when_label)


@bp.route("/applications/<int:application_id>/interview/record", methods=["GET", "POST"])
@login_required
def record_interview(application_id: int):
    a = _application(application_id)
    _may_take("record_interview", a)
    if a.state not in STEPS["record_interview"].sources or a.interview is None:
        flash(impossible(a.state), "error")
        return redirect(_back(a))
    form = RecordForm()
    done = submit_form(form, lambda: interviews.record(
        current_user, a, prerequisites=form.prerequisites.data,
        objectives=form.objectives.data, personalisation=form.personalisation.data,
        immersion=form.immersion.data,
        complementary_training=form.complementary_training.data,
        vae_proposal=form.vae_proposal.data or [], vae_note=form.vae_note.data,
        funding_note=form.funding_note.data, opinion=form.opinion.data,
        opinion_text=form.opinion_text.data),
        done=str(STEPS["record_interview"].done), next_url=_back(a))
    return done or render_template(
        "cohort/admissions/pipeline/record.html", application=a, form=form,
        interview=a.interview, when_label=interviews.when_label,
        needs_vae=interviews.needs_vae(a), needs_immersion=interviews.needs_immersion(a))


@bp.route("/applications/<int:application_id>/interview.ics")
@login_required
def interview_ics(application_id: int):
    a = _application(application_id)
    if not (is_staff(current_user) or is_candidate(current_user, a)
            or is_interviewer(current_user, a)) or a.interview is None:
        abort(404)
    response = Response(interviews.calendar(a), mimetype="text/calendar")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="entretien-admission-{a.id}.ics"')
    return response
