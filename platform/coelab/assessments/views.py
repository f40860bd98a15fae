"""Pages of the competency framework, cohort rubrics and assessments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import db
from ..deliverables.models import Deliverable
from ..deliverables.workflow import submissions
from ..forms import ConfirmForm
from ..models import Cohort
from ..plugins import DeliverableKind, registry
from ..policy import can, require
from ..views.helpers import flash_errors, run_action, submit_form
from . import operations as ops
from .forms import BlockForm, CompetencyForm, assessment_form, criterion_form
from .models import Assessment, Competency, CompetencyBlock

bp = Blueprint("assessments", __name__)


@bp.app_template_filter("score20")
def score20(score: float | None) -> str:
    """A score out of 20 with one decimal, the French way: « 13,3 / 20 »."""
    if score is None:
        return "—"
    return _("%(score)s / 20", score=format_decimal(round(score, 1), format="0.0"))


def described(criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The criteria with their competencies looked up: ``(code, Competency or None)``,
    None for a code missing from the framework (shown as such, never an error)."""
    codes = sorted({code for c in criteria for code in c.get("competencies", [])})
    known = ops.competencies_by_code(codes)
    return [{**c, "competency_rows": [(code, known.get(code)) for code in
                                      c.get("competencies", [])]} for c in criteria]


def section_context(deliverable: Deliverable, user: Any) -> dict[str, Any]:
    """What the deliverable page shows of its rubric and assessments to ``user``."""
    kind = registry().kind(deliverable.kind)
    if kind is None or kind.rubric is None:
        return {"criteria": []}
    every = ops.assessments_of(deliverable)
    assessments = [a for a in every if can(user, "assessment.read", a)]
    # the current round's submission and the user's own assessment of it, from what the
    # page reads once (ops.current_submission, ops.assessment_of ask the same)
    submission = next((s for s in submissions(deliverable) if s.round == deliverable.round),
                      None)
    mine = next((a for a in every if submission is not None
                 and a.submission_id == submission.id and a.assessor_id == user.id), None)
    return {
        "criteria": described(ops.rubric_criteria(deliverable.cohort, kind)),
        "kind": kind,
        "assessments": assessments,
        "mine": mine,
        "can_assess": can(user, "assessment.create", deliverable) and (
            mine is None or not mine.submitted),
        "can_edit_rubric": can(user, "rubric.edit", deliverable.cohort),
        "locked": ops.rubric_locked(deliverable.cohort, kind),
    }


# --- the competency framework ----------------------------------------------------------


@bp.route("/competencies", methods=["GET", "POST"])
@login_required
def framework():
    require("competency.manage")
    form = BlockForm(prefix="block")
    done = submit_form(
        form, lambda: ops.create_block(current_user, code=form.code.data,
                                       title=form.title.data,
                                       description=form.description.data,
                                       position=form.position.data or 0),
        done=_("Bloc ajouté."), next_url=url_for("assessments.framework"))
    return done or render_template(
        "coelab/assessments/framework.html", form=form, blocks=ops.framework(),
        competency_form=lambda block: CompetencyForm(prefix=f"comp-{block.id}",
                                                     formdata=None))


@bp.route("/competencies/blocks/<int:block_id>", methods=["GET", "POST"])
@login_required
def edit_block(block_id: int):
    require("competency.manage")
    block = db.get_or_404(CompetencyBlock, block_id)
    form = BlockForm(prefix="block", obj=block)
    done = submit_form(
        form, lambda: ops.update_block(current_user, block, code=form.code.data,
                                       title=form.title.data,
                                       description=form.description.data,
                                       position=form.position.data or 0),
        done=_("Bloc enregistré."), next_url=url_for("assessments.framework"))
    return done or render_template("coelab/assessments/edit.html", form=form, block=block,
                                   heading=_("Bloc « %(code)s »", code=block.code),
                                   delete_url=url_for("assessments.delete_block",
                                                      block_id=block.id))


@bp.route("/competencies/blocks/<int:block_id>/delete", methods=["POST"])
@login_required
def delete_block(block_id: int):
    require("competency.manage")
    block = db.get_or_404(CompetencyBlock, block_id)
    ops.delete_block(current_user, block)
    flash(_("Bloc supprimé, avec ses compétences."), "success")
    return redirect(url_for("assessments.framework"))


@bp.route("/competencies/blocks/<int:block_id>/competencies", methods=["POST"])
@login_required
def new_competency(block_id: int):
    require("competency.manage")
    block = db.get_or_404(CompetencyBlock, block_id)
    form = CompetencyForm(prefix=f"comp-{block.id}")
    return run_action(
        form, lambda: ops.create_competency(current_user, block, code=form.code.data,
                                            title=form.title.data,
                                            description=form.description.data,
                                            position=len(block.competencies)),
        done=_("Compétence ajoutée."),
        next_url=url_for("assessments.framework") + f"#block-{block.id}",
        invalid=lambda invalid_form: flash_errors(invalid_form, labelled=True))


@bp.route("/competencies/<int:competency_id>", methods=["GET", "POST"])
@login_required
def edit_competency(competency_id: int):
    require("competency.manage")
    competency = db.get_or_404(Competency, competency_id)
    form = CompetencyForm(prefix="comp", obj=competency)
    done = submit_form(
        form, lambda: ops.update_competency(current_user, competency, code=form.code.data,
                                            title=form.title.data,
                                            description=form.description.data),
        done=_("Compétence enregistrée."), next_url=url_for("assessments.framework"))
    return done or render_template(
        "coelab/assessments/edit.html", form=form, block=competency.block,
        heading=_("Compétence « %(code)s »", code=competency.code),
        delete_url=url_for("assessments.delete_competency", competency_id=competency.id))


@bp.route("/competencies/<int:competency_id>/delete", methods=["POST"])
@login_required
def delete_competency(competency_id: int):
    require("competency.manage")
    competency = db.get_or_404(Competency, competency_id)
    ops.delete_competency(current_user, competency)
    flash(_("Compétence supprimée."), "success")
    return redirect(url_for("assessments.framework"))


# --- rubrics ---------------------------------------------------------------------------


def _rubric_kind(cohort: Cohort, kind_name: str) -> DeliverableKind:
    kind = registry().kind(kind_name)
    if kind is None or kind.rubric is None or not kind.applies_to(cohort):
        abort(404)
    return kind


@bp.route("/cohorts/<int:cohort_id>/rubrics")
@login_required
def cohort_rubrics(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("rubric.view", cohort)
    kinds = [k for k in registry().kinds_for(cohort) if k.rubric is not None]
    return render_template("coelab/assessments/rubrics.html", cohort=cohort, kinds=kinds,
                           locked={k.name: ops.rubric_locked(cohort, k) for k in kinds},
                           own={k.name: ops.cohort_rubric(cohort, k) is not None
                                for k in kinds})


def _render_rubric(cohort: Cohort, kind: DeliverableKind, posted: tuple[str, Any] | None = None):
    criteria = ops.rubric_criteria(cohort, kind)
    locked = ops.rubric_locked(cohort, kind)
    editable = can(current_user, "rubric.edit", cohort) and not locked
    forms = {}
    if editable:
        for c in criteria:
            forms[c["key"]] = posted[1] if posted and posted[0] == c["key"] else \
                criterion_form(c)
    return render_template("coelab/assessments/rubric.html", cohort=cohort, kind=kind,
                           criteria=described(criteria), locked=locked, editable=editable,
                           forms=forms, own=ops.cohort_rubric(cohort, kind) is not None)


@bp.route("/cohorts/<int:cohort_id>/rubrics/<kind_name>")
@login_required
def rubric(cohort_id: int, kind_name: str):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("rubric.view", cohort)
    return _render_rubric(cohort, _rubric_kind(cohort, kind_name))


@bp.route("/cohorts/<int:cohort_id>/rubrics/<kind_name>/<key>", methods=["POST"])
@login_required
def edit_criterion(cohort_id: int, kind_name: str, key: str):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("rubric.edit", cohort)
    kind = _rubric_kind(cohort, kind_name)
    back = url_for("assessments.rubric", cohort_id=cohort.id, kind_name=kind.name)
    if ops.rubric_locked(cohort, kind):
        flash(ops.locked_message(), "error")
        return redirect(back)
    criterion = next((c for c in ops.rubric_criteria(cohort, kind) if c["key"] == key), None)
    if criterion is None:
        abort(404)
    form = criterion_form(criterion, formdata=request.form)

    def save():
        change = ops.CriterionChange(
            title=form.title.data, description=form.description.data or "",
            weight=form.weight.data,
            competencies=(form.competencies.data or "").split(","),
            levels=[(getattr(form, f"level_{i}_label").data,
                     getattr(form, f"level_{i}_description").data or "")
                    for i in range(len(criterion["levels"]))])
        return ops.update_criterion(current_user, cohort, kind, key, change)

    done = submit_form(form, save, done=_("Critère enregistré."),
                       next_url=back + f"#criterion-{key}")
    return done or _render_rubric(cohort, kind, posted=(key, form))


@bp.route("/cohorts/<int:cohort_id>/rubrics/<kind_name>/criteria", methods=["POST"])
@login_required
def add_criterion(cohort_id: int, kind_name: str):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("rubric.edit", cohort)
    kind = _rubric_kind(cohort, kind_name)
    back = url_for("assessments.rubric", cohort_id=cohort.id, kind_name=kind.name)
    return run_action(
        ConfirmForm(), lambda: ops.add_criterion(current_user, cohort, kind,
                                                 request.form.get("title", "")),
        done=_("Critère ajouté : décrivez ses niveaux et ses compétences."),
        next_url=lambda criterion: back + f"#criterion-{criterion['key']}",
        failed_url=back, invalid=lambda _form: abort(400))


@bp.route("/cohorts/<int:cohort_id>/rubrics/<kind_name>/<key>/delete", methods=["POST"])
@login_required
def remove_criterion(cohort_id: int, kind_name: str, key: str):
    cohort = db.get_or_404(Cohort, cohort_id)
    require("rubric.edit", cohort)
    kind = _rubric_kind(cohort, kind_name)
    return run_action(
        ConfirmForm(), lambda: ops.remove_criterion(current_user, cohort, kind, key),
        done=_("Critère retiré de la grille."),
        next_url=url_for("assessments.rubric", cohort_id=cohort.id, kind_name=kind.name),
        invalid=None)


# --- assessments -----------------------------------------------------------------------


@bp.route("/deliverables/<int:deliverable_id>/assessment", methods=["GET", "POST"])
@login_required
def assess(deliverable_id: int):
    """The current user's assessment of the deliverable's current round: open it,
    save it as a draft, submit it."""
    deliverable = db.get_or_404(Deliverable, deliverable_id)
    require("assessment.create", deliverable)
    kind = registry().kind(deliverable.kind)
    submission = ops.current_submission(deliverable)
    if kind is None or kind.rubric is None or submission is None:
        abort(404)
    mine = ops.assessment_of(current_user, submission)
    if mine is not None and mine.submitted:
        return redirect(url_for("assessments.view", assessment_id=mine.id))
    criteria = mine.rubric if mine is not None else ops.rubric_criteria(deliverable.cohort,
                                                                         kind)
    data: dict[str, Any] = {}
    if mine is not None:
        data = {"overall": mine.overall_comment or ""}
        for c in criteria:
            if c["key"] in mine.levels:
                data[f"level_{c['key']}"] = str(mine.levels[c["key"]])
            data[f"comment_{c['key']}"] = mine.comments.get(c["key"], "")
    form = assessment_form(criteria, data)
    submitting = request.form.get("action") == "submit"
    if request.method == "POST":
        valid = form.validate()
        if valid and submitting:
            for c in criteria:
                field = getattr(form, f"level_{c['key']}")
                if not field.data:
                    field.errors = [*field.errors, _("Choisissez un niveau.")]
                    valid = False
        if not valid:
            form.form_errors.append(_("L'évaluation n'est pas enregistrée : corrigez ce qui "
                                      "est signalé ci-dessous."))
        done = submit_form(
            form, lambda: ops.save_assessment(
                current_user, deliverable,
                levels={c["key"]: getattr(form, f"level_{c['key']}").data for c in criteria},
                comments={c["key"]: getattr(form, f"comment_{c['key']}").data or ""
                          for c in criteria},
                overall_comment=form.overall.data, submit=submitting),
            done=_("Évaluation soumise.") if submitting else _("Brouillon enregistré."),
            next_url=(url_for("deliverables.page", deliverable_id=deliverable.id)
                      + "#assessments") if submitting else request.path,
            valid=valid)
        if done:
            return done
    preview = ops.score_of(criteria, {c["key"]: int(mine.levels[c["key"]]) for c in criteria
                                      if mine is not None and c["key"] in mine.levels})
    return render_template("coelab/assessments/assess.html", deliverable=deliverable,
                           kind=kind, submission=submission, criteria=described(criteria),
                           form=form, mine=mine, preview=preview)


@bp.route("/assessments/<int:assessment_id>")
@login_required
def view(assessment_id: int):
    assessment = db.get_or_404(Assessment, assessment_id)
    require("deliverable.read", assessment.deliverable)
    require("assessment.read", assessment)
    return render_template("coelab/assessments/view.html", assessment=assessment,
                           deliverable=assessment.deliverable,
                           criteria=described(assessment.rubric))
