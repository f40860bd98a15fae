"""Pages of deliverables: a cohort's table and checklists, starting one, its page,
details, due dates and extensions, attachments and exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit import events_for_objects
from ..dates import when
from ..db import db, local_today, utcnow
from ..documents.awareness import user_colour
from ..documents.models import DocumentVersion
from ..documents.operations import contributions, current_markdown, versions_of
from ..documents.render import render_markdown
from ..forms import ConfirmForm
from ..jury import operations as jury_operations
from ..jury.models import Outcome
from ..jury.queries import decision_of, panel_of, sitting, soutenance_of
from ..models import AuditEvent, Cohort, CohortRole, Team, User
from ..operations import OperationError
from ..plugins import DeliverableKind, registry
from ..policy import PEOPLE, can, require
from ..views.helpers import cohort_or_404, run_action, submit_form
from . import export as exporting
from . import files, workflow
from . import operations as ops
from .files import BY_CONTENT_TYPE
from .forms import (
    AttachmentForm,
    ExtensionForm,
    ReviewForm,
    ScheduleForm,
    StartForm,
    SubmitForm,
    details_form,
    details_of,
    grouped_fields,
)
from .models import Attachment, AuthorshipMode, Deliverable, DeliverableState, Transition
from .steps import JURY_SCORING, SOUTENANCE, STEPS, route_of
from .workflow import state_label

bp = Blueprint("deliverables", __name__)


def authorship_label(mode: str) -> str:
    return {
        AuthorshipMode.TEAM: _("en équipe"),
        AuthorshipMode.INDIVIDUAL: _("individuellement"),
        AuthorshipMode.COHORT: _("par toute la cohorte"),
    }.get(mode, str(mode))


# what the history of a deliverable says of each recorded action; the plugins name
# theirs (coelab.plugins.Plugin.audit_labels)
HISTORY_LABELS = {
    "deliverable.started": _l("Livrable commencé"),
    "deliverable.details_changed": _l("Description modifiée"),
    "deliverable.extension_granted": _l("Report d'échéance accordé"),
    "deliverable.attachment_added": _l("Fichier joint ajouté"),
    "deliverable.attachment_removed": _l("Fichier joint retiré"),
    "document.created": _l("Document créé à partir du modèle"),
    "document.version_saved": _l("Version enregistrée"),
    "document.frozen": _l("Texte figé"),
    "document.unfrozen": _l("Texte rouvert aux auteurs"),
    "deliverable.submit": _l("Travail remis"),
    "deliverable.start_review": _l("Relecture commencée"),
    "deliverable.request_changes": _l("Modifications demandées"),
    "deliverable.ready_for_jury": _l("Prêt pour le jury"),
    "deliverable.schedule_soutenance": _l("Soutenance programmée"),
    "deliverable.open_deliberation": _l("Délibération ouverte"),
    "deliverable.open_examination": _l("Examen du travail écrit ouvert"),
    "deliverable.decide": _l("Décision du jury prise"),
    "deliverable.release": _l("Résultat publié"),
    "deliverable.reopen_for_resubmission": _l("Nouvelle remise ouverte"),
    "jury.soutenance_scheduled": _l("Soutenance programmée"),
    "jury.decided": _l("Décision du jury prise"),
    "jury.minutes_signed": _l("Procès-verbal signé"),
}

#: events that only repeat, in the document's words, a step recorded on the deliverable
#: by the same person at the same moment (a submission freezes the text and saves its
#: version; asking for changes reopens it): the step's line says it
ABSORBED_BY = {
    "document.frozen": frozenset({"deliverable.submit"}),
    "document.version_saved": frozenset({"deliverable.submit"}),
    "document.unfrozen": frozenset({"deliverable.request_changes",
                                    "deliverable.reopen_for_resubmission"}),
}


def history_label(action: str) -> str:
    """The French words of an audit action: the core's, a plugin's, or a generic
    wording (never the key itself)."""
    label = HISTORY_LABELS.get(action)
    if label is None:
        for plugin in registry().plugins:
            label = plugin.audit_labels().get(action)
            if label is not None:
                break
    return str(label) if label is not None else _("Autre action enregistrée")


@dataclass(frozen=True)
class HistoryLine:
    created_at: datetime
    label: str
    actor: User | None
    comment: str | None = None


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _step_comments(events: list[AuditEvent], transitions: list[Transition]) -> dict[int, str]:
    """The message of each workflow step's event (the changes asked, a word to the
    jury), from its :class:`Transition` row, recorded with it in the same transaction
    (coelab.deliverables.workflow.move): the n-th event of a step is its n-th row."""
    comments: dict[int, str] = {}
    by_step = {step.audit: step.name for step in STEPS.values() if step.target is not None}
    for audit, name in by_step.items():
        rows = [t for t in transitions if t.action == name]
        moved = sorted((e for e in events if e.action == audit), key=lambda e: e.id)
        if len(rows) != len(moved):  # older data: pair by person and minute
            rows = [next((t for t in rows if t.actor_id == e.actor_id
                          and _minute(t.created_at) == _minute(e.created_at)), None)
                    for e in moved]
        for event, row in zip(moved, rows, strict=False):
            if row is not None and row.comment:
                comments[event.id] = row.comment
    return comments


def history_lines(events: list[AuditEvent],
                  transitions: list[Transition] = ()) -> list[HistoryLine]:
    """The history as people read it, newest first: one line per act. Two sources
    record some acts (the workflow step, ``deliverable.decide``, and the jury's own
    event with its details, ``jury.decided``; ``deliverable.schedule_soutenance`` and
    ``jury.soutenance_scheduled``): the audit keeps both, the history one line, as it
    does for the same words by the same person in the same minute. A step's message
    (the changes asked) is shown with it, as the list of steps it replaced did."""
    events = sorted(events, key=lambda e: (e.created_at, e.id), reverse=True)
    comments = _step_comments(events, list(transitions))
    acts = {(e.action, e.actor_id, _minute(e.created_at)) for e in events}
    lines: list[HistoryLine] = []
    seen: dict[tuple, int] = {}
    for e in events:
        moment = _minute(e.created_at)
        if any((step, e.actor_id, moment) in acts for step in ABSORBED_BY.get(e.action, ())):
            continue
        label = history_label(e.action)
        comment = comments.get(e.id)
        key = (label, e.actor_id, moment)
        if key in seen:
            if comment and not lines[seen[key]].comment:
                kept = lines[seen[key]]
                lines[seen[key]] = HistoryLine(kept.created_at, kept.label, kept.actor, comment)
            continue
        seen[key] = len(lines)
        lines.append(HistoryLine(e.created_at, label, e.actor, comment))
    return lines


@bp.app_template_global()
def deliverable_state_label(state) -> str:
    return state_label(state)


def _kind(name: str) -> DeliverableKind:
    kind = registry().kind(name)
    if kind is None:
        abort(404)
    return kind


def _deliverable(deliverable_id: int, action: str = "deliverable.read",
                 options: tuple = ()) -> Deliverable:
    deliverable = db.get_or_404(Deliverable, deliverable_id, options=list(options))
    require(action, deliverable)
    return deliverable


#: what a deliverable's page shows of it, read with it in one query: its text, cohort,
#: authors (ops.WITH_AUTHORS), extensions and files (a few rows each)
PAGE_LOADS = (*ops.WITH_AUTHORS, joinedload(Deliverable.extensions),
              joinedload(Deliverable.attachments))


SORT_KEYS = {
    "kind": lambda row: str(row["kind"].label).lower(),
    "title": lambda row: row["deliverable"].title.lower(),
    "authors": lambda row: row["authors"].lower(),
    "state": lambda row: list(DeliverableState).index(row["deliverable"].state),
    "due": lambda row: (row["due"] is None, row["due"] or 0),
    "activity": lambda row: row["activity"],
}


def table_rows(cohort: Cohort, deliverables: list[Deliverable]) -> list[dict]:
    activity = ops.last_activity(deliverables)
    schedules = {s.kind.name: s for s in ops.schedules_for(cohort)}
    rows = []
    for d in deliverables:
        kind = registry().kind(d.kind)
        if kind is None:
            continue
        rows.append({"deliverable": d, "kind": kind, "authors": ops.authors_label(d),
                     "due": ops.effective_due_date(d, schedules.get(d.kind)),
                     "activity": activity[d.id]})
    return rows


@bp.route("/cohorts/<int:cohort_id>/deliverables")
@login_required
def cohort_table(cohort_id: int):
    """Trainers and coordinators: every deliverable of the cohort, sortable, and what
    each trainee owes. Trainees: their own checklist."""
    cohort = cohort_or_404(cohort_id)
    require("cohort.view", cohort)
    if not can(current_user, "deliverable.list_cohort", cohort):
        obligations = ops.obligations_in(current_user, cohort)
        rows = table_rows(cohort, ops.readable_deliverables(current_user, cohort))
        return render_template("coelab/deliverables/mine.html", cohort=cohort,
                               obligations=obligations, rows=rows)
    sort = request.args.get("sort", "due")
    if sort not in SORT_KEYS:
        sort = "due"
    descending = request.args.get("dir") == "desc"
    rows = sorted(table_rows(cohort, ops.cohort_deliverables(cohort)), key=SORT_KEYS[sort],
                  reverse=descending)
    missing = [
        (m.user, o) for m in sorted(cohort.memberships, key=lambda m: m.user.last_name.lower())
        if m.role == CohortRole.TRAINEE for o in ops.obligations_of(m) if o.deliverable is None
    ]
    schedule_forms = []
    if can(current_user, "deliverable.set_authorship", cohort):
        for schedule in ops.schedules_for(cohort):
            form = ScheduleForm(prefix=f"s-{schedule.kind.name}", formdata=None,
                                data={"due_date": schedule.due_date,
                                      "authorship": schedule.authorship.value})
            form.authorship.choices = [(m, authorship_label(m)) for m in AuthorshipMode
                                       if m in schedule.kind.authorship_options]
            schedule_forms.append((schedule, form))
    return render_template("coelab/deliverables/table.html", cohort=cohort, rows=rows,
                           sort=sort, descending=descending, missing=missing,
                           schedule_forms=schedule_forms,
                           can_schedule=can(current_user, "deliverable.schedule", cohort))


@bp.route("/cohorts/<int:cohort_id>/deliverables/schedule/<kind_name>", methods=["POST"])
@login_required
def set_schedule(cohort_id: int, kind_name: str):
    cohort = cohort_or_404(cohort_id)
    require("deliverable.set_authorship", cohort)
    kind = _kind(kind_name)
    form = ScheduleForm(prefix=f"s-{kind.name}")
    form.authorship.choices = [(m.value, m.value) for m in AuthorshipMode]
    # trainers choose who writes it; only the coordination moves due dates
    change_due = can(current_user, "deliverable.schedule", cohort)
    return run_action(
        form, lambda: ops.set_schedule(
            current_user, cohort, kind, due_date=form.due_date.data,
            change_due_date=change_due, authorship=form.authorship.data or None,
            reason=form.reason.data or ""),
        done=_("« %(kind)s » : calendrier enregistré.", kind=kind.label),
        next_url=url_for("deliverables.cohort_table", cohort_id=cohort.id))


def _start_targets(cohort: Cohort, kind: DeliverableKind) -> list[tuple[str, str, object]]:
    """Whom the current user may start this kind for: (value, label, team or user)."""
    mode = ops.schedule_for(cohort, kind).authorship
    staff = can(current_user, "deliverable.start_for_others", cohort)
    if mode == AuthorshipMode.COHORT:
        return [("cohort", _("Toute la cohorte"), None)]
    if mode == AuthorshipMode.TEAM:
        teams = cohort.teams if staff else [
            t for t in cohort.teams if any(m.user_id == current_user.id for m in t.members)]
        return [(f"team:{t.id}", t.name, t) for t in teams]
    # anyone else who may start one (a trainee of the cohort) starts their own
    people = cohort.members(CohortRole.TRAINEE) if staff else (
        [current_user._get_current_object()]
        if can(current_user, "deliverable.start", cohort) else [])
    return [(f"user:{u.id}", u.full_name, u) for u in people]


@bp.route("/cohorts/<int:cohort_id>/deliverables/start/<kind_name>", methods=["GET", "POST"])
@login_required
def start(cohort_id: int, kind_name: str):
    cohort = cohort_or_404(cohort_id)
    require("deliverable.start", cohort)
    kind = _kind(kind_name)
    if not kind.applies_to(cohort):
        abort(404)
    targets = _start_targets(cohort, kind)
    if not targets:
        flash(_("Vous devez faire partie d'une équipe de la cohorte pour commencer ce "
                "travail collectif. La coordination forme les équipes."), "error")
        return redirect(url_for("core.workspace", cohort_id=cohort.id))
    themes = registry().themes()
    defaults = ops.default_details(kind, cohort)
    form = details_form(kind, themes, data={"title": str(kind.label), **defaults},
                        module=ops.cohort_theme(cohort))
    chooser = StartForm(prefix="start")
    chooser.authors.choices = [(value, label) for value, label, _obj in targets]
    by_value = {value: obj for value, _label, obj in targets}

    def start_it() -> Deliverable:
        target = by_value.get(chooser.authors.data) if len(targets) > 1 else targets[0][2]
        if len(targets) > 1 and chooser.authors.data not in by_value:
            raise OperationError(_("Choisissez pour qui commencer ce livrable."))
        team = target if isinstance(target, Team) else None
        owner = target if target is not None and not isinstance(target, Team) else None
        return ops.start_deliverable(current_user, cohort, kind, title=form.title.data,
                                     details=details_of(form, kind), team=team, owner=owner)

    if request.method == "POST" and len(targets) > 1 and not chooser.validate():
        form.form_errors.append(_("Choisissez pour qui commencer ce livrable."))
    else:
        done = submit_form(form, start_it, done=_("Livrable commencé : bon travail !"),
                           next_url=lambda d: url_for("deliverables.page", deliverable_id=d.id))
        if done:
            return done
    return render_template("coelab/deliverables/start.html", cohort=cohort, kind=kind,
                           form=form, groups=grouped_fields(form, kind), chooser=chooser,
                           targets=targets,
                           schedule=ops.schedule_for(cohort, kind))


def _history(deliverable: Deliverable) -> list[AuditEvent]:
    """The events of the deliverable and of its document, newest first, with their
    actors (one query each)."""
    return events_for_objects([("deliverables", deliverable.id),
                               ("documents", deliverable.document_id)], with_actors=True)


def _grouped(rows: list) -> list[tuple[object, list]]:
    groups: list[tuple[object, list]] = []
    for field, value in rows:
        if not groups or groups[-1][0] != field.group:
            groups.append((field.group, []))
        groups[-1][1].append((field, value))
    return groups


#: the templates of the core's sections (coelab.core_plugin.deliverable_panels): each
#: has its tab; any other plugin's panel goes with the text
ASSESSMENT_PANEL = "coelab/assessments/_section.html"
JURY_PANEL = "coelab/jury/_deliverable.html"


@dataclass(frozen=True)
class NextStep:
    """The header's line "what comes next, and who takes it" (the workflow table and
    the policy). ``mine``: the viewer takes it now, with ``url`` and ``label`` (a link),
    ``post`` (a step taken by one button: its workflow name) or ``review`` (the two
    ends of a review, each with its message). ``reason``: why the viewer, who takes
    this kind of step, cannot now."""

    text: str
    mine: bool = False
    url: str | None = None
    label: str | None = None
    post: str | None = None
    review: bool = False
    reason: str | None = None


def _takes(user: User, name: str, deliverable: Deliverable) -> bool:
    """Whether ``user`` is among the people of step ``name`` (whatever the state)."""
    return PEOPLE[STEPS[name].who](user, deliverable)


def _names(users: list) -> str:
    return ", ".join(u.full_name for u in users)


def _jury_link(deliverable: Deliverable) -> str:
    return url_for("deliverables.page", deliverable_id=deliverable.id) + "#jury"


def next_step(user: User, deliverable: Deliverable, *, due, assessment: dict | None,
              jury: dict | None) -> NextStep:
    """What comes next for ``deliverable``, worded for ``user``: their step when the
    policy lets them take it now (``can``), else who takes it and, when they take this
    kind of step but not yet, why. Only steps the server accepts now are offered."""
    state = deliverable.state
    S = DeliverableState
    soutenance_route = route_of(deliverable) == SOUTENANCE
    if state in (S.DRAFT, S.CHANGES_REQUESTED):
        if can(user, "deliverable.submit", deliverable):
            if state == S.CHANGES_REQUESTED:
                text = (_("À vous : reprendre le texte selon les modifications demandées, "
                          "puis le remettre avant le %(date)s.", date=format_date(due, "long"))
                        if due else _("À vous : reprendre le texte selon les modifications "
                                      "demandées, puis le remettre."))
            elif due and due < local_today():
                text = _("À vous : remettre ce travail ; l'échéance du %(date)s est passée.",
                         date=format_date(due, "long"))
            else:
                text = (_("À vous : remettre ce travail avant le %(date)s.",
                          date=format_date(due, "long"))
                        if due else _("À vous : rédiger ce travail, puis le remettre."))
            return NextStep(text, mine=True, label=_("Remettre ce travail"),
                            url=url_for("deliverables.submit", deliverable_id=deliverable.id))
        text = (_("Prochaine étape : remise du travail par ses auteurs, avant le %(date)s.",
                  date=format_date(due, "long"))
                if due else _("Prochaine étape : remise du travail par ses auteurs."))
        reason = (_("La relecture commencera quand le travail aura été remis.")
                  if _takes(user, "start_review", deliverable) else None)
        return NextStep(text, reason=reason)
    if state == S.SUBMITTED:
        if can(user, "deliverable.start_review", deliverable):
            return NextStep(_("À vous : relire la remise n° %(n)s.", n=deliverable.round),
                            mine=True, post="start_review",
                            label=str(STEPS["start_review"].label))
        trainers = deliverable.cohort.members(CohortRole.TRAINER)
        text = (_("Prochaine étape : relecture par l'équipe pédagogique (%(names)s).",
                  names=_names(trainers)) if trainers
                else _("Prochaine étape : relecture par l'équipe pédagogique."))
        return NextStep(text, reason=_frozen_reason(user, deliverable))
    if state == S.IN_REVIEW:
        if can(user, "deliverable.ready_for_jury", deliverable):
            return NextStep(_("À vous : terminer la relecture, en demandant des "
                              "modifications ou en déclarant le travail prêt pour le jury."),
                            mine=True, review=True)
        reviewer = _last_actor(deliverable, "start_review")
        text = (_("Prochaine étape : fin de la relecture par %(name)s.",
                  name=reviewer.full_name) if reviewer
                else _("Prochaine étape : fin de la relecture par l'équipe pédagogique."))
        return NextStep(text, reason=_frozen_reason(user, deliverable))
    panel = panel_of(deliverable)
    if state == S.READY_FOR_JURY or (state == S.SOUTENANCE_SCHEDULED and not soutenance_route):
        name = "schedule_soutenance" if soutenance_route else "open_examination"
        if can(user, f"deliverable.{name}", deliverable):
            if panel is None and can(user, "jury.manage"):
                return NextStep(_("À vous : confier ce travail à un jury."), mine=True,
                                label=_("Composer ou choisir le jury"),
                                url=url_for("jury.cohort_panels",
                                            cohort_id=deliverable.cohort_id))
            if panel is not None and soutenance_route:
                return NextStep(_("À vous : programmer la soutenance devant %(panel)s.",
                                  panel=panel.title), mine=True,
                                label=str(STEPS[name].label),
                                url=url_for("jury.panel", panel_id=panel.id))
            if panel is not None:
                return NextStep(_("À vous : ouvrir l'examen du travail écrit par le jury."),
                                mine=True, label=_("Aller au jury"), url=_jury_link(deliverable))
        if soutenance_route:
            return NextStep(_("Prochaine étape : la coordination programme la soutenance "
                              "devant le jury."))
        return NextStep(_("Prochaine étape : le jury ouvre l'examen du travail écrit."))
    if state == S.SOUTENANCE_SCHEDULED:
        soutenance = soutenance_of(deliverable)
        moment = when(soutenance.starts_at) if soutenance else ""
        text = (_("En attente du jury : soutenance le %(when)s.", when=moment)
                if soutenance else _("En attente du jury : soutenance programmée."))
        if can(user, "deliverable.open_deliberation", deliverable) and soutenance:
            # the operation's own reason, so that the page never offers what it refuses
            refusal = jury_operations.deliberation_refusal(user, deliverable)
            if refusal is None:
                return NextStep(_("À vous : ouvrir la délibération, la soutenance entendue."),
                                mine=True, label=_("Aller au jury"), url=_jury_link(deliverable))
            return NextStep(text, reason=refusal)
        scoring = _score(assessment, deliverable)
        if scoring:
            text = (_("Soutenance le %(when)s. À vous : noter le travail.", when=moment)
                    if soutenance else _("À vous : noter le travail."))
        return NextStep(text, **scoring)
    if state == S.DELIBERATION:
        scoring = _score(assessment, deliverable)
        if scoring.get("mine"):
            return NextStep(_("À vous : noter le travail, avant la décision du jury."),
                            **scoring)
        if _takes(user, "decide", deliverable):
            if jury and jury.get("awaiting_scores"):
                return NextStep(_("En attente du jury : chaque membre note le travail."),
                                reason=_("La décision attend la note de chaque membre du "
                                         "jury."))
            if can(user, "deliverable.decide", deliverable):
                return NextStep(_("À vous : enregistrer la décision du jury."), mine=True,
                                label=_("Aller au jury"), url=_jury_link(deliverable))
        return NextStep(_("En attente du jury : délibération en cours.") if soutenance_route
                        else _("En attente du jury : examen du travail écrit en cours."))
    decision = decision_of(deliverable)
    if state == S.DECIDED:
        unsigned = ([m for m in sitting(decision.panel)
                     if m.user_id not in {s.user_id for s in decision.signatures}]
                    if decision else [])
        if any(m.user_id == user.id for m in unsigned) and can(
                user, "deliverable.sign_minutes", deliverable):
            return NextStep(_("À vous : relire et signer le procès-verbal."), mine=True,
                            label=str(STEPS["sign_minutes"].label),
                            url=_jury_link(deliverable))
        if can(user, "deliverable.release", deliverable):
            if unsigned:
                return NextStep(
                    _("En attente du jury : signature du procès-verbal."),
                    reason=_("Le résultat pourra être publié quand chaque membre aura "
                             "signé le procès-verbal (il manque : %(names)s).",
                             names=_names([m.user for m in unsigned])))
            return NextStep(_("À vous : publier le résultat aux auteurs."), mine=True,
                            label=_("Aller au jury"), url=_jury_link(deliverable))
        if unsigned:
            return NextStep(_("En attente du jury : signature du procès-verbal."))
        return NextStep(_("Prochaine étape : la coordination publie le résultat."))
    # released
    if (decision is not None and decision.resubmission_allowed
            and can(user, "deliverable.reopen_for_resubmission", deliverable)):
        return NextStep(_("Résultat publié. À vous : commencer la nouvelle remise, "
                          "que le jury a prévue."), mine=True, label=_("Aller au jury"),
                        url=_jury_link(deliverable))
    if decision is not None and can(user, "jury.read_decision", deliverable):
        return NextStep(_("Résultat publié : travail validé par le jury.")
                        if decision.outcome == Outcome.VALIDATED
                        else _("Résultat publié : travail non validé par le jury."))
    return NextStep(_("Résultat publié."))


def _score(assessment: dict | None, deliverable: Deliverable) -> dict:
    """A sitting juror who has still to score: their step (while the jury scores)."""
    if assessment and assessment.get("can_assess") and deliverable.state in JURY_SCORING:
        return {"mine": True, "label": _("Noter le travail"),
                "url": url_for("assessments.assess", deliverable_id=deliverable.id)}
    return {}


def _frozen_reason(user: User, deliverable: Deliverable) -> str | None:
    if _takes(user, "submit", deliverable):
        return _("Le texte est figé pendant la relecture : il se rouvrira si des "
                 "modifications sont demandées.")
    return None


def _last_actor(deliverable: Deliverable, name: str) -> User | None:
    moves = [t for t in workflow.history(deliverable) if t.action == name]
    return moves[-1].actor if moves else None


def back_link(user: User, deliverable: Deliverable) -> tuple[str, str]:
    """Where the page's "back" link leads: the cohort's workspace for whoever sees it;
    else (an external juror) the jury's page, or their dashboard."""
    if can(user, "cohort.view", deliverable.cohort):
        return (url_for("core.workspace", cohort_id=deliverable.cohort_id),
                deliverable.cohort.name)
    panel = panel_of(deliverable)
    if panel is not None and can(user, "jury.view", panel):
        return url_for("jury.panel", panel_id=panel.id), panel.title
    return url_for("core.dashboard"), _("Tableau de bord")


@bp.route("/deliverables/<int:deliverable_id>")
@login_required
def page(deliverable_id: int):
    deliverable = _deliverable(deliverable_id, options=PAGE_LOADS)
    kind = ops.kind_of(deliverable)
    document = deliverable.document
    # first: bringing the room up to date ends a transaction, which expires what the
    # session has read (rooms.hold); what follows is then read once, not twice
    written_by = contributions(document)
    # the core's assessment and jury sections among them (coelab.core_plugin)
    panels = registry().collect("deliverable_panels", deliverable, current_user)
    assessment = next((p for p in panels if p.template == ASSESSMENT_PANEL), None)
    jury = next((p for p in panels if p.template == JURY_PANEL), None)
    due_date = ops.effective_due_date(deliverable)
    assessments = assessment.context.get("assessments", []) if assessment else []
    back_url, back_label = back_link(current_user, deliverable)
    return render_template(
        "coelab/deliverables/page.html",
        deliverable=deliverable, kind=kind, document=document,
        authors=ops.authors_of(deliverable), authors_label=ops.authors_label(deliverable),
        module=registry().cohort_module(deliverable.cohort),
        due_date=due_date,
        details=_grouped(ops.detail_rows(deliverable)),
        attachment_max=current_app.config["ATTACHMENT_MAX_BYTES"],
        can_write=can(current_user, "document.write", document),
        colour=user_colour(current_user.id),
        server_url=request.host_url.rstrip("/"),
        contributions=written_by,
        versions=versions_of(document),
        history=history_lines(_history(deliverable), workflow.history(deliverable)),
        assessment_panel=assessment, jury_panel=jury, assessment_count=len(assessments),
        panels=[p for p in panels if p is not assessment and p is not jury],
        next_step=next_step(current_user, deliverable, due=due_date,
                            assessment=assessment.context if assessment else None,
                            jury=jury.context if jury else None),
        back_url=back_url, back_label=back_label,
        extension_form=ExtensionForm(prefix="ext"),
        steps=workflow.available_steps(current_user, deliverable),
        review_form=ReviewForm(prefix="review"),
        submissions=workflow.submissions(deliverable),
        attachment_form=AttachmentForm(prefix="att"),
    )


@bp.route("/deliverables/<int:deliverable_id>/edit", methods=["GET", "POST"])
@login_required
def edit(deliverable_id: int):
    deliverable = _deliverable(deliverable_id, "deliverable.edit")
    kind = ops.kind_of(deliverable)
    form = details_form(kind, registry().themes(),
                        data={"title": deliverable.title, **(deliverable.details or {})},
                        module=ops.cohort_theme(deliverable.cohort))
    done = submit_form(
        form, lambda: ops.update_details(current_user, deliverable, title=form.title.data,
                                         details=details_of(form, kind)),
        done=_("Description enregistrée."),
        next_url=url_for("deliverables.page", deliverable_id=deliverable.id))
    return done or render_template("coelab/deliverables/edit.html", deliverable=deliverable,
                                   kind=kind, form=form, groups=grouped_fields(form, kind))


@bp.route("/deliverables/<int:deliverable_id>/extensions", methods=["POST"])
@login_required
def extend(deliverable_id: int):
    deliverable = _deliverable(deliverable_id, "deliverable.schedule")
    form = ExtensionForm(prefix="ext")
    return run_action(
        form, lambda: ops.grant_extension(current_user, deliverable,
                                          due_date=form.due_date.data, reason=form.reason.data),
        done=_("Report accordé."),
        next_url=url_for("deliverables.page", deliverable_id=deliverable.id) + "#due")


@bp.app_template_filter("filesize")
def filesize(size: int | None) -> str:
    if size is None:
        return "—"
    if size < 1024:
        return _("%(n)s octets", n=size)
    if size < 1024 * 1024:
        return _("%(n)s Ko", n=format_decimal(size / 1024, format="#,##0.#"))
    return _("%(n)s Mo", n=format_decimal(size / (1024 * 1024), format="#,##0.#"))


@bp.app_template_filter("attachment_kind")
def attachment_kind(content_type: str) -> str:
    kind = BY_CONTENT_TYPE.get(content_type)
    return kind.label if kind else content_type


@bp.route("/deliverables/<int:deliverable_id>/attachments", methods=["POST"])
@login_required
def upload(deliverable_id: int):
    deliverable = _deliverable(deliverable_id, "deliverable.attach")
    form = AttachmentForm(prefix="att")
    return run_action(
        form, lambda: ops.add_attachment(current_user, deliverable, form.file.data.stream,
                                         form.file.data.filename),
        done=lambda attachment: _("« %(name)s » est joint au livrable.",
                                  name=attachment.filename),
        next_url=url_for("deliverables.page", deliverable_id=deliverable.id) + "#files-title")


def _attachment(deliverable: Deliverable, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.deliverable_id != deliverable.id:
        abort(404)
    return attachment


@bp.route("/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>")
@login_required
def attachment(deliverable_id: int, attachment_id: int):
    deliverable = _deliverable(deliverable_id)
    item = _attachment(deliverable, attachment_id)
    return files.send(item.stored_name, item.filename, item.content_type,
                      inline=request.args.get("inline") == "1")


@bp.route("/deliverables/<int:deliverable_id>/attachments/<int:attachment_id>/delete",
          methods=["POST"])
@login_required
def remove_attachment(deliverable_id: int, attachment_id: int):
    deliverable = _deliverable(deliverable_id, "deliverable.attach")
    item = _attachment(deliverable, attachment_id)
    if ConfirmForm().validate_on_submit():
        name = item.filename
        ops.remove_attachment(current_user, item)
        flash(_("« %(name)s » a été retiré.", name=name), "success")
    return redirect(url_for("deliverables.page", deliverable_id=deliverable.id) + "#files-title")


@bp.route("/deliverables/<int:deliverable_id>/export.<fmt>")
@login_required
def export(deliverable_id: int, fmt: str):
    """A version (``?version=N``) or the current text, as PDF or Markdown."""


    deliverable = _deliverable(deliverable_id, options=ops.WITH_AUTHORS)
    if fmt not in ("pdf", "md"):
        abort(404)
    kind = ops.kind_of(deliverable)
    number = request.args.get("version")
    if number is not None:
        if not number.isdigit():
            abort(400)
        version = db.session.scalar(select(DocumentVersion).where(
            DocumentVersion.document_id == deliverable.document_id,
            DocumentVersion.number == int(number)))
        if version is None:
            abort(404)
        markdown, moment = version.markdown, version.created_at
        label = _("Version %(n)s — %(label)s", n=version.number, label=version.label)
    else:
        markdown, moment = current_markdown(deliverable.document), utcnow()
        if kind.export is not None:
            markdown = kind.export(deliverable, markdown)
        version = None
        label = _("État actuel, non versionné")
    module = registry().cohort_module(deliverable.cohort)
    meta = exporting.ExportMeta(
        kind_label=str(kind.label), title=deliverable.title,
        module=f"{module.code} {module.label}" if module else None,
        cohort_name=deliverable.cohort.name,
        authors=[u.full_name for u in ops.authors_of(deliverable)],
        team_name=deliverable.team.name if deliverable.team else None,
        version_label=label, version_number=version.number if version else None,
        date=moment)
    if fmt == "md":
        body, mimetype = exporting.export_markdown(meta, markdown), "text/markdown"
    else:
        html = version.html if version is not None else render_markdown(markdown)
        body, mimetype = exporting.export_pdf(meta, html), "application/pdf"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exporting.export_filename(meta, fmt)}"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/deliverables/<int:deliverable_id>/submit", methods=["GET", "POST"])
@login_required
def submit(deliverable_id: int):
    """The confirmation page: who the co-authors are, the statement, then the submission."""
    deliverable = _deliverable(deliverable_id, "deliverable.submit")
    authors = ops.authors_of(deliverable)
    form = SubmitForm(prefix="submit")
    if request.method == "GET":
        form.authors.data = ",".join(str(u.id) for u in authors)

    def submit_it():
        try:
            confirmed = [int(x) for x in (form.authors.data or "").split(",") if x]
        except ValueError:
            confirmed = []
        return workflow.submit(current_user, deliverable, confirmed_authors=confirmed,
                               statement_accepted=bool(form.statement.data))

    done = submit_form(
        form, submit_it,
        done=lambda s: _("Travail remis (remise n° %(n)s) : le texte est figé et vos "
                         "formateurs sont prévenus.", n=s.round),
        next_url=url_for("deliverables.page", deliverable_id=deliverable.id))
    if done:
        return done
    form.authors.data = ",".join(str(u.id) for u in authors)
    return render_template("coelab/deliverables/submit.html", deliverable=deliverable,
                           authors=authors, form=form,
                           statement=workflow.statement_for(deliverable),
                           round=deliverable.round + 1)


@bp.route("/deliverables/<int:deliverable_id>/review/<action>", methods=["POST"])
@login_required
def review(deliverable_id: int, action: str):
    steps = {"start_review": workflow.start_review,
             "request_changes": workflow.request_changes,
             "ready_for_jury": workflow.ready_for_jury}
    if action not in steps:
        abort(404)
    deliverable = db.get_or_404(Deliverable, deliverable_id)
    require(f"deliverable.{action}", deliverable, any_state=True)
    form = ReviewForm(prefix="review")

    def take():
        if not can(current_user, f"deliverable.{action}", deliverable):
            # a reviewer, but not from this state (the page was old, or someone was faster)
            raise OperationError(workflow.impossible(deliverable.state))
        if action == "start_review":
            return steps[action](current_user, deliverable)
        return steps[action](current_user, deliverable, form.comment.data or "")

    return run_action(
        form, take,
        done=lambda _transition: _("C'est fait : le livrable est maintenant « %(state)s ».",
                                   state=state_label(deliverable.state)),
        next_url=url_for("deliverables.page", deliverable_id=deliverable.id)
        + "#workflow-title")
