"""Pages of juries: a cohort's panels, a panel's composition and declarations, the
scheduling of soutenances and their calendar files, the examination of written work,
the jury's section of a deliverable's page and its minutes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..db import db
from ..deliverables.export import export_pdf_from_template
from ..deliverables.models import Deliverable, DeliverableState
from ..deliverables.operations import WITH_AUTHORS, authors_of
from ..deliverables.steps import BLIND_SCORING, JURY_SCORING, SOUTENANCE, route_of, step
from ..forms import ConfirmForm
from ..models import Cohort, Team, TeamMember
from ..operations import OperationError, find_user_by_email
from ..plugins import registry
from ..policy import can, require
from ..views.helpers import run_action, submit_form
from . import operations as ops
from .forms import (
    AssignForm,
    DecisionForm,
    DeclarationForm,
    ExternalForm,
    MemberForm,
    PanelForm,
    ScheduleForm,
)
from .models import (
    JuryDecision,
    JuryPanel,
    PanelDeliverable,
    PanelMember,
    PanelRole,
    Soutenance,
)
from .queries import DECISION, SCHEDULING, composition, soutenance_of

bp = Blueprint("jury", __name__)


def _panel(panel_id: int, action: str = "jury.view") -> JuryPanel:
    panel = db.get_or_404(JuryPanel, panel_id)
    require(action, panel)
    return panel


def _panel_with_works(panel_id: int) -> JuryPanel:
    """The panel, its members and the works it judges with their authors, read in a
    fixed number of queries (its page lists every one of them)."""
    work = selectinload(JuryPanel.assignments).joinedload(PanelDeliverable.deliverable)
    panel = db.session.scalar(select(JuryPanel).where(JuryPanel.id == panel_id).options(
        selectinload(JuryPanel.members).joinedload(PanelMember.user),
        work.joinedload(Deliverable.owner), work.joinedload(Deliverable.cohort),
        work.joinedload(Deliverable.team).selectinload(Team.members)
        .joinedload(TeamMember.user)))
    if panel is None:
        abort(404)
    require("jury.view", panel)
    return panel


@bp.route("/juries")
@login_required
def mine():
    # the coordination sits on no panel, yet composes them all: each cohort's juries
    cohorts = (db.session.scalars(select(Cohort).order_by(Cohort.start_date.desc(),
                                                          Cohort.name)).all()
               if can(current_user, "jury.manage") else [])
    return render_template("coelab/jury/mine.html", panels=ops.panels_of(current_user),
                           member_of=ops.member_of, cohorts=cohorts)


@bp.route("/cohorts/<int:cohort_id>/juries", methods=["GET", "POST"])
@login_required
def cohort_panels(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("cohort.view", cohort)
    require("jury.manage", cohort)
    form = PanelForm()
    done = submit_form(form, lambda: ops.create_panel(current_user, cohort, form.title.data),
                       done=_("Jury créé : composez-le."),
                       next_url=lambda p: url_for("jury.panel", panel_id=p.id))
    if done:
        return done
    panels = db.session.scalars(select(JuryPanel).where(JuryPanel.cohort_id == cohort.id)
                                .order_by(JuryPanel.created_at)).all()
    return render_template("coelab/jury/cohort.html", cohort=cohort, panels=panels, form=form,
                           waiting=_ready(None, cohort.id))


def _ready(panel: JuryPanel | None, cohort_id: int | None = None) -> list[Deliverable]:
    """The cohort's works ready for their jury that no panel judges yet."""
    taken = select(PanelDeliverable.deliverable_id)
    return list(db.session.scalars(select(Deliverable).where(
        Deliverable.cohort_id == (panel.cohort_id if panel is not None else cohort_id),
        Deliverable.state == DeliverableState.READY_FOR_JURY,
        Deliverable.id.not_in(taken)).order_by(Deliverable.title)))


def _forms(panel: JuryPanel, member=None) -> dict:
    assign = AssignForm(prefix="assign")
    assign.deliverable.choices = [(d.id, d.title) for d in _ready(panel)]
    # a practising professional confirms the role and organisation their account has
    known = ({"job_title": member.user.job_title, "organisation": member.user.organisation}
             if member is not None and member.external else {})
    return {"member_form": MemberForm(prefix="member"), "external_form": ExternalForm(
        prefix="external"), "assign_form": assign, "declaration_form": DeclarationForm(
        prefix="declare", data=known)}


def _schedule_form(deliverable_id: int, soutenance: Soutenance | None) -> ScheduleForm:
    """The form that programmes (or moves) one deliverable's soutenance, prefilled with
    the current date, time and place when there is one; its fields take ids of their
    own, a panel listing several works."""
    data = ({"starts_at": _local(soutenance.starts_at).replace(tzinfo=None),
             "duration": soutenance.duration_minutes, "place": soutenance.place,
             "video_link": soutenance.video_link} if soutenance is not None else None)
    form = ScheduleForm(prefix="schedule", data=data)
    for f in form:
        if f.name != "schedule-csrf_token":
            f.id = f.label.field_id = f"schedule-{deliverable_id}-{f.short_name}"
    return form


@bp.route("/juries/<int:panel_id>")
@login_required
def panel(panel_id: int):
    panel = _panel_with_works(panel_id)
    member = ops.member_of(current_user, panel)
    soutenances = {s.deliverable_id: s for s in db.session.scalars(
        select(Soutenance).where(Soutenance.panel_id == panel.id))}
    return render_template(
        "coelab/jury/panel.html", panel=panel, member=member,
        manage=can(current_user, "jury.manage"),
        # who counts: members who have not declined to act, those who sit to decide
        composition={SCHEDULING: composition(panel, SCHEDULING),
                     DECISION: composition(panel, DECISION)},
        soutenances=soutenances, authors_of=authors_of, local=_local,
        schedule_forms={a.deliverable_id: _schedule_form(a.deliverable_id,
                                                         soutenances.get(a.deliverable_id))
                        for a in panel.assignments},
        **_forms(panel, member))


def _back(panel: JuryPanel) -> str:
    return url_for("jury.panel", panel_id=panel.id)


@bp.route("/juries/<int:panel_id>/members", methods=["POST"])
@login_required
def add_member(panel_id: int):
    panel = _panel(panel_id, "jury.manage")
    form = MemberForm(prefix="member")

    def add():
        user = find_user_by_email(form.email.data)
        if user is None:
            raise OperationError(_("Personne n'a de compte à cette adresse : invitez un·e "
                                   "professionnel·le en exercice ci-dessous."))
        ops.add_member(current_user, panel, user, PanelRole(form.role.data))

    return run_action(form, add, done=_("Membre ajouté·e au jury."), next_url=_back(panel))


@bp.route("/juries/<int:panel_id>/externals", methods=["POST"])
@login_required
def invite_external(panel_id: int):
    panel = _panel(panel_id, "jury.manage")
    form = ExternalForm(prefix="external")
    return run_action(form, lambda: ops.invite_external(
        current_user, panel, email=form.email.data, first_name=form.first_name.data,
        last_name=form.last_name.data, organisation=form.organisation.data,
        job_title=form.job_title.data),
        done=_("Invitation envoyée : la personne aura accès aux seuls travaux de ce jury."),
        next_url=_back(panel))


@bp.route("/juries/<int:panel_id>/members/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_member(panel_id: int, member_id: int):
    panel = _panel(panel_id, "jury.manage")
    member = next((m for m in panel.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return run_action(ConfirmForm(), lambda: ops.remove_member(current_user, member),
                      done=_("Membre retiré·e du jury."), next_url=_back(panel))


@bp.route("/juries/<int:panel_id>/assign", methods=["POST"])
@login_required
def assign(panel_id: int):
    panel = _panel(panel_id, "jury.manage")
    form = AssignForm(prefix="assign")
    form.deliverable.choices = [(d.id, d.title) for d in _ready(panel)]
    return run_action(form, lambda: ops.assign(current_user, panel,
                                               db.session.get(Deliverable,
                                                              form.deliverable.data)),
                      done=_("Livrable confié au jury."), next_url=_back(panel))


@bp.route("/juries/<int:panel_id>/declaration", methods=["POST"])
@login_required
def declare(panel_id: int):
    panel = _panel(panel_id, "jury.declare")
    form = DeclarationForm(prefix="declare")
    member = ops.member_of(current_user, panel)
    # a practising professional confirms their current role and organisation
    role = ({"job_title": form.job_title.data or "", "organisation": form.organisation.data
             or ""} if member.external else {})
    return run_action(form, lambda: ops.declare(member,
                                                impartial=form.decision.data == "accept",
                                                reason=form.reason.data or "", **role),
                      done=_("Votre déclaration est enregistrée."), next_url=_back(panel))


PARIS = ZoneInfo("Europe/Paris")


def _local(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


@bp.route("/juries/<int:panel_id>/deliverables/<int:deliverable_id>/soutenance",
          methods=["POST"])
@login_required
def schedule(panel_id: int, deliverable_id: int):
    panel = _panel(panel_id, "jury.manage")
    if not any(a.deliverable_id == deliverable_id for a in panel.assignments):
        abort(404)
    deliverable = db.session.get(Deliverable, deliverable_id)
    form = ScheduleForm(prefix="schedule")
    return run_action(form, lambda: ops.schedule(
        current_user, deliverable,
        starts_at=form.starts_at.data.replace(tzinfo=PARIS).astimezone(UTC),
        duration_minutes=form.duration.data, place=form.place.data or "",
        video_link=form.video_link.data or ""),
        done=_done("schedule_soutenance"),
        next_url=_back(panel))


@bp.route("/deliverables/<int:deliverable_id>/soutenance.ics")
@login_required
def ics(deliverable_id: int):
    deliverable = db.get_or_404(Deliverable, deliverable_id)
    soutenance = db.session.scalar(select(Soutenance).where(
        Soutenance.deliverable_id == deliverable.id))
    if soutenance is None:
        abort(404)
    require("jury.calendar", deliverable)
    response = Response(ops.ics(soutenance, deliverable), mimetype="text/calendar")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="soutenance-{deliverable.id}.ics"')
    return response


def _treatments(decision: JuryDecision, user, every: bool) -> list[dict]:
    """The authors of a collective work the decision treats differently: every one for
    the panel and the coordination (``every``), only their own for an author."""
    authors = {u.id: u for u in authors_of(decision.deliverable)}
    return [{"user_id": int(user_id),
             "name": authors[int(user_id)].full_name if int(user_id) in authors else user_id,
             "validated": bool(special.get("validated")), "reason": special.get("reason")}
            for user_id, special in (decision.individual or {}).items()
            if every or int(user_id) == getattr(user, "id", None)]


class _Later:
    """A value computed at its first use (a template's attribute or call), once."""

    def __init__(self, compute: Callable[[], Any]):
        self._compute = compute
        self._done = False
        self._value: Any = None

    def value(self) -> Any:
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value

    def __getattr__(self, name: str) -> Any:
        return getattr(self.value(), name)


def jury_context(deliverable: Deliverable, user) -> dict | None:
    """What the deliverable's page shows of its jury to this user, or None. Who sees
    what is the policy's: the decision (``jury.read_decision``: the panel and the
    coordination, the authors once released), the panel's scores and every author's
    individual treatment (``jury.read_scores``: the panel and the coordination only),
    each withdrawn score (``assessment.read``); the buttons ask each workflow step's
    rule, which holds on the deliverable's route only.

    After the release the authors read the decision, its reasons, the level agreed per
    criterion (:func:`coelab.jury.operations.agreed_levels`), the minutes and their own
    individual treatment; never a juror's score or comments (docs/domain.md, "Review,
    soutenance and jury")."""
    panel = ops.panel_of(deliverable)
    if panel is None:
        return None
    decision = ops.decision_of(deliverable)
    read_scores = can(user, "jury.read_scores", deliverable)
    readable = decision if (decision is not None and can(
        user, "jury.read_decision", deliverable)) else None
    route = route_of(deliverable)
    all_scored = ops.all_scored(deliverable)
    return {
        "panel": panel, "member": ops.member_of(user, panel),
        "route": route, "soutenance_route": route == SOUTENANCE,
        "soutenance": soutenance_of(deliverable),
        "decision": readable,
        "agreed": ops.agreed_levels(readable) if readable else [],
        "treatments": _treatments(readable, user, read_scores) if readable else [],
        "released": decision is not None and decision.released_at is not None,
        "unsigned": ops.unsigned(decision) if decision else [],
        "signed": decision is not None and any(s.user_id == user.id
                                               for s in decision.signatures),
        "read_scores": read_scores,
        # the scores are the panel's once its jurors score (workflow table: JURY_SCORING)
        "scores_shown": read_scores and deliverable.state in (
            JURY_SCORING | {DeliverableState.DECIDED, DeliverableState.RELEASED}),
        "scores": ops.jury_scores(deliverable) if read_scores else ([], []),
        # each juror scores on their own until all have (workflow table: BLIND_SCORING);
        # the coordination reads them at once
        "blind": (deliverable.state in BLIND_SCORING[route] and not all_scored
                  and not can(user, "jury.manage")),
        # scores withdrawn when their juror left the panel: the panel's history, apart
        "withdrawn": [a for a in ops.withdrawn_scores(deliverable)
                      if can(user, "assessment.read", a)] if read_scores else [],
        "all_scored": all_scored,
        # what the panel still lacks to decide (the members who sit count), and whether
        # the decision waits for scores still given blind (coelab.jury.operations.decide)
        # read when the page asks (its buttons to decide, to open the examination: the
        # president's and the coordination's), not for every reader
        "decision_composition": _Later(lambda: composition(panel, DECISION)),
        "scheduling_composition": _Later(lambda: composition(panel, SCHEDULING)),
        # the deliberation opens on the soutenance's day: why not yet, for its president
        "deliberation_refusal": (ops.deliberation_refusal(user, deliverable) if can(
            user, "deliverable.open_deliberation", deliverable) else None),
        "awaiting_scores": deliverable.state in BLIND_SCORING[route] and not all_scored,
        "authors": authors_of(deliverable),
        "decision_form": DecisionForm(prefix="decision"),
    }


def _jury_deliverable(deliverable_id: int, options: tuple = ()) -> Deliverable:
    deliverable = db.get_or_404(Deliverable, deliverable_id, options=list(options))
    require("deliverable.read", deliverable)
    return deliverable


def _done(name: str) -> str:
    """What the person is told once the step is taken: the workflow table's words."""
    return str(step(name).done)


def _to_page(deliverable: Deliverable) -> str:
    return url_for("deliverables.page", deliverable_id=deliverable.id) + "#jury-title"


@bp.route("/deliverables/<int:deliverable_id>/jury/deliberation", methods=["POST"])
@login_required
def open_deliberation(deliverable_id: int):
    deliverable = _jury_deliverable(deliverable_id)
    require("deliverable.open_deliberation", deliverable, any_state=True)
    return run_action(ConfirmForm(), lambda: ops.open_deliberation(current_user, deliverable),
                      done=_done("open_deliberation"), next_url=_to_page(deliverable))


@bp.route("/deliverables/<int:deliverable_id>/jury/examination", methods=["POST"])
@login_required
def open_examination(deliverable_id: int):
    """The written route: open the panel's examination of the frozen version."""
    deliverable = _jury_deliverable(deliverable_id)
    require("deliverable.open_examination", deliverable, any_state=True)
    return run_action(ConfirmForm(), lambda: ops.open_examination(current_user, deliverable),
                      done=_done("open_examination"),
                      next_url=_to_page(deliverable))


@bp.route("/deliverables/<int:deliverable_id>/jury/decision", methods=["POST"])
@login_required
def decide(deliverable_id: int):
    deliverable = _jury_deliverable(deliverable_id)
    require("deliverable.decide", deliverable, any_state=True)
    form = DecisionForm(prefix="decision")
    agreed = {key.removeprefix("agreed-"): value for key, value in request.form.items()
              if key.startswith("agreed-")}
    individual = {}
    for key, reason in request.form.items():
        if key.startswith("individual-reason-") and reason.strip():
            user_id = key.removeprefix("individual-reason-")
            individual[user_id] = {
                "reason": reason,
                "validated": request.form.get(f"individual-outcome-{user_id}") == "validated"}
    return run_action(
        form, lambda: ops.decide(current_user, deliverable,
                                 validated=form.outcome.data == "validated",
                                 reasons=form.reasons.data,
                                 resubmission_allowed=bool(form.resubmission.data),
                                 agreed_levels=agreed, individual=individual),
        done=_done("decide"),
        next_url=_to_page(deliverable))


@bp.route("/deliverables/<int:deliverable_id>/jury/signature", methods=["POST"])
@login_required
def sign(deliverable_id: int):
    deliverable = _jury_deliverable(deliverable_id)
    decision = ops.decision_of(deliverable)
    if decision is None:
        abort(404)
    require("deliverable.sign_minutes", deliverable, any_state=True)
    return run_action(ConfirmForm(), lambda: ops.sign(current_user, decision),
                      done=_done("sign_minutes"), next_url=_to_page(deliverable))


@bp.route("/deliverables/<int:deliverable_id>/jury/release", methods=["POST"])
@login_required
def release(deliverable_id: int):
    deliverable = _jury_deliverable(deliverable_id)
    require("deliverable.release", deliverable, any_state=True)
    return run_action(ConfirmForm(), lambda: ops.release(current_user, deliverable),
                      done=_done("release"),
                      next_url=_to_page(deliverable))


@bp.route("/deliverables/<int:deliverable_id>/jury/resubmission", methods=["POST"])
@login_required
def resubmission(deliverable_id: int):
    deliverable = _jury_deliverable(deliverable_id)
    require("deliverable.reopen_for_resubmission", deliverable, any_state=True)
    return run_action(ConfirmForm(),
                      lambda: ops.reopen_for_resubmission(current_user, deliverable),
                      done=_done("reopen_for_resubmission"),
                      next_url=_to_page(deliverable))


@bp.route("/deliverables/<int:deliverable_id>/jury/minutes.pdf")
@login_required
def minutes(deliverable_id: int):
    """The procès-verbal, for the panel and the coordination (and the authors once the
    decision is released). It holds the decision, its reasons, the levels agreed, the
    individual treatments (an author's copy: their own) and the signatures, never a
    juror's score."""
    deliverable = _jury_deliverable(deliverable_id, options=WITH_AUTHORS)
    context = jury_context(deliverable, current_user)
    if context is None or context["decision"] is None:
        abort(404)
    context = {**context, "authors": authors_of(deliverable),
               "module": registry().cohort_module(deliverable.cohort)}
    body = export_pdf_from_template("coelab/jury/minutes.html", deliverable=deliverable,
                                    **context)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="proces-verbal-{deliverable.id}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response
