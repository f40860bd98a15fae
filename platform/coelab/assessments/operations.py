"""Operations on the competency framework, cohort rubrics and assessments.

Every change runs in one :func:`coelab.db.transaction` with its audit event. Races are
settled by the database: a rubric is edited by ``UPDATE … WHERE locked = false`` and
locked by the first assessment, which updates the same row; an assessment is submitted
by ``UPDATE … WHERE status = 'draft'``, so two submits of one draft give one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from ..audit import record, snapshot
from ..db import db, savepoint, transaction, utcnow
from ..deliverables.models import Deliverable, DeliverableState, Submission
from ..deliverables.steps import JURY_SCORING
from ..jury.models import Impartiality, PanelMember, PanelRole
from ..jury.queries import assessments_on, panel_of, scoring_complete
from ..models import Cohort, User
from ..notifications.operations import app_path, notify
from ..operations import OperationError
from ..plugins import DeliverableKind, registry
from ..policy import is_juror, read_once
from .models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    BlockScope,
    CohortRubric,
    Competency,
    CompetencyBlock,
)
from .rubrics import LEVEL_LABELS, MODULE_PLACEHOLDER, resolve_codes, resolve_criteria

MAX_WEIGHT = 100


# --- the competency framework -------------------------------------------------------


def _clean_code(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise OperationError(_("Indiquez un code."))
    if len(code) > 40 or any(c.isspace() or c == "," for c in code):
        raise OperationError(_("Un code tient en 40 caractères, sans espace ni virgule."))
    return code


def _code_taken(model, code: str, own_id: int | None = None) -> bool:
    query = select(model.id).where(model.code == code)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return db.session.execute(query).first() is not None


def _flush_unique(message: str) -> None:
    """Flush; a unique code taken meanwhile by someone else gives ``message``."""
    try:
        with savepoint():
            db.session.flush()
    except IntegrityError as exc:
        raise OperationError(message) from exc


def _clean_scope(scope: BlockScope | str) -> BlockScope:
    try:
        return BlockScope(scope)
    except ValueError as exc:
        raise OperationError(_("Un bloc est celui d'un module ou d'un diplôme.")) from exc


def create_block(actor: User | None, *, code: str, title: str,
                 description: str | None = None, position: int = 0,
                 scope: BlockScope | str = BlockScope.MODULE) -> CompetencyBlock:
    """A block of the framework: a module's (its code is the module's: ``2.4``) or a
    diploma domain's (``DEIS-DC3``), see docs/domain.md, "Competencies and the passeport
    compétences"."""
    code = _clean_code(code)
    scope = _clean_scope(scope)
    with transaction():
        if _code_taken(CompetencyBlock, code):
            raise OperationError(_("Le code « %(code)s » est déjà pris.", code=code))
        block = CompetencyBlock(code=code, title=title.strip(),
                                description=(description or "").strip() or None,
                                position=position, scope=scope)
        db.session.add(block)
        _flush_unique(_("Le code « %(code)s » est déjà pris.", code=code))
        record("competency_block.created", block, actor=actor,
               after=snapshot(block, "code", "title", "description", "scope"))
    return block


def update_block(actor: User | None, block: CompetencyBlock, *, code: str, title: str,
                 description: str | None = None, position: int | None = None,
                 scope: BlockScope | str | None = None) -> None:
    code = _clean_code(code)
    new_scope = _clean_scope(scope) if scope is not None else None
    with transaction():
        if _code_taken(CompetencyBlock, code, block.id):
            raise OperationError(_("Le code « %(code)s » est déjà pris.", code=code))
        before = snapshot(block, "code", "title", "description", "position", "scope")
        block.code, block.title = code, title.strip()
        block.description = (description or "").strip() or None
        if position is not None:
            block.position = position
        if new_scope is not None:
            block.scope = new_scope
        _flush_unique(_("Le code « %(code)s » est déjà pris.", code=code))
        record("competency_block.updated", block, actor=actor, before=before,
               after=snapshot(block, "code", "title", "description", "position", "scope"))


def delete_block(actor: User | None, block: CompetencyBlock) -> None:
    with transaction():
        record("competency_block.deleted", block, actor=actor,
               before={**snapshot(block, "code", "title"),
                       "competencies": [c.code for c in block.competencies]})
        db.session.delete(block)


def create_competency(actor: User | None, block: CompetencyBlock, *, code: str, title: str,
                      description: str | None = None, position: int = 0) -> Competency:
    code = _clean_code(code)
    with transaction():
        if _code_taken(Competency, code):
            raise OperationError(_("Le code « %(code)s » est déjà pris.", code=code))
        competency = Competency(block_id=block.id, code=code, title=title.strip(),
                                description=(description or "").strip() or None,
                                position=position)
        db.session.add(competency)
        _flush_unique(_("Le code « %(code)s » est déjà pris.", code=code))
        record("competency.created", competency, actor=actor,
               after={**snapshot(competency, "code", "title", "description"),
                      "block": block.code})
    return competency


def update_competency(actor: User | None, competency: Competency, *, code: str, title: str,
                      description: str | None = None) -> None:
    code = _clean_code(code)
    with transaction():
        if _code_taken(Competency, code, competency.id):
            raise OperationError(_("Le code « %(code)s » est déjà pris.", code=code))
        before = snapshot(competency, "code", "title", "description")
        competency.code, competency.title = code, title.strip()
        competency.description = (description or "").strip() or None
        _flush_unique(_("Le code « %(code)s » est déjà pris.", code=code))
        record("competency.updated", competency, actor=actor, before=before,
               after=snapshot(competency, "code", "title", "description"))


def delete_competency(actor: User | None, competency: Competency) -> None:
    with transaction():
        record("competency.deleted", competency, actor=actor,
               before=snapshot(competency, "code", "title"))
        db.session.delete(competency)


def framework() -> list[CompetencyBlock]:
    return list(db.session.scalars(
        select(CompetencyBlock).order_by(CompetencyBlock.position, CompetencyBlock.code)))


def competencies_by_code(codes: list[str] | None = None) -> dict[str, Competency]:
    if codes is not None and not codes:
        return {}
    # the framework is a few dozen rows, asked by each section of a page (the rubric,
    # each author's passport): read whole once per request (policy.read_once)
    framework = read_once(("competencies",), lambda: {
        c.code: c for c in db.session.scalars(select(Competency).order_by(Competency.id))})
    if codes is None:
        return dict(framework)
    wanted = set(codes)
    return {code: c for code, c in framework.items() if code in wanted}


# --- rubrics ---------------------------------------------------------------------------


def cohort_module_code(cohort: Cohort) -> str | None:
    """The code of the module the cohort follows (``"2.4"``), as the plugin that sets
    cohorts up knows it; None when none does."""
    module = registry().cohort_module(cohort)
    return module.code if module is not None else None


def default_criteria(cohort: Cohort, kind: DeliverableKind) -> list[dict[str, Any]]:
    """The kind's default criteria for this cohort: their ``{module}`` competency codes
    resolved to the cohort's module (left out when it follows none)."""
    if kind.rubric is None:
        return []
    return resolve_criteria(kind.rubric.as_data(), cohort_module_code(cohort))


def cohort_rubric(cohort: Cohort, kind: DeliverableKind) -> CohortRubric | None:
    return read_once(("assessments.cohort_rubric", cohort.id, kind.name),
                     lambda: db.session.scalar(select(CohortRubric).where(
                         CohortRubric.cohort_id == cohort.id,
                         CohortRubric.kind == kind.name)))


def rubric_criteria(cohort: Cohort, kind: DeliverableKind) -> list[dict[str, Any]]:
    """The criteria in force for this kind in this cohort: its own copy, else the
    kind's default, with every competency code resolved to the cohort's module; []
    when the kind has no rubric."""
    own = cohort_rubric(cohort, kind)
    if own is not None:
        # copies are made resolved (_materialise); resolving again changes nothing
        if any(MODULE_PLACEHOLDER in code for c in own.criteria
               for code in c.get("competencies", [])):
            return resolve_criteria(own.criteria, cohort_module_code(cohort))
        return own.criteria
    return default_criteria(cohort, kind)


def _materialise(actor: User | None, cohort: Cohort, kind: DeliverableKind) -> CohortRubric:
    """The cohort's copy of the rubric, made from the kind's default if missing (two
    people making it at once: one row, the other reads it)."""
    own = cohort_rubric(cohort, kind)
    if own is not None:
        return own
    if kind.rubric is None:
        raise OperationError(_("Ce type de livrable n'a pas de grille d'évaluation."))
    own = CohortRubric(cohort_id=cohort.id, kind=kind.name,
                       criteria=default_criteria(cohort, kind),
                       locked=False, updated_by_id=getattr(actor, "id", None))
    try:
        with savepoint():
            db.session.add(own)
            db.session.flush()
    except IntegrityError:
        own = cohort_rubric(cohort, kind)
        if own is None:
            raise
        return own
    record("rubric.copied", own, actor=actor, cohort_id=cohort.id,
           after={"kind": kind.name})
    return own


@dataclass
class CriterionChange:
    title: str
    description: str
    weight: int
    competencies: list[str]
    levels: list[tuple[str, str]]


def locked_message() -> str:
    return _("Cette grille est verrouillée : une évaluation l'utilise déjà. Elle ne peut "
             "plus être modifiée pour cette cohorte.")


def unknown_codes(codes: list[str]) -> list[str]:
    known = competencies_by_code(codes)
    return [c for c in codes if c not in known]


def rubric_blocks(cohort: Cohort) -> list[CompetencyBlock]:
    """The blocks whose competencies the cohort's criteria may name: the block of the
    module the cohort follows and the diploma blocks (docs/domain.md, "Competencies and
    the passeport compétences")."""
    module = cohort_module_code(cohort)
    return [b for b in framework()
            if b.scope == BlockScope.DIPLOMA or (module is not None and b.code == module)]


def out_of_scope_codes(cohort: Cohort, codes: list[str]) -> list[str]:
    """Those of the codes that are in the framework but outside :func:`rubric_blocks`."""
    allowed = {b.id for b in rubric_blocks(cohort)}
    known = competencies_by_code(codes)
    return [c for c in codes if c in known and known[c].block_id not in allowed]


def _criterion_codes(cohort: Cohort, competencies: list[str]) -> list[str]:
    """The codes a coordinator gave a criterion, checked: ``{module}`` stands for the
    cohort's module, every code is in the framework, within the cohort's module block
    or a diploma block."""
    module = cohort_module_code(cohort)
    given = [c.strip() for c in competencies if c.strip()]
    if module is None and any(MODULE_PLACEHOLDER in c for c in given):
        raise OperationError(_("Cette cohorte ne suit aucun module : « %(p)s » ne désigne "
                               "aucune compétence.", p=MODULE_PLACEHOLDER))
    codes = resolve_codes(given, module)
    missing = unknown_codes(codes)
    if missing:
        raise OperationError(_("Compétences absentes du référentiel : %(codes)s.",
                               codes=", ".join(missing)))
    outside = out_of_scope_codes(cohort, codes)
    if outside:
        blocks = ", ".join(b.code for b in rubric_blocks(cohort)) or "—"
        if module is None:
            raise OperationError(_(
                "Compétences hors des blocs admis pour cette cohorte : %(codes)s. Elle ne "
                "suit aucun module : seuls les blocs de diplômes sont admis (%(blocks)s).",
                codes=", ".join(outside), blocks=blocks))
        raise OperationError(_(
            "Compétences hors des blocs admis pour cette cohorte : %(codes)s. Ses critères "
            "évaluent les compétences du module %(module)s et celles des blocs de "
            "diplômes (blocs admis : %(blocks)s).",
            codes=", ".join(outside), module=module, blocks=blocks))
    return codes


def update_criterion(actor: User, cohort: Cohort, kind: DeliverableKind, key: str,
                     change: CriterionChange) -> CohortRubric:
    """Change one criterion of the cohort's rubric (copying the default first)."""
    title = change.title.strip()
    if not title:
        raise OperationError(_("Le critère a besoin d'un intitulé."))
    if not 1 <= change.weight <= MAX_WEIGHT:
        raise OperationError(_("Le poids est un nombre entier de 1 à %(max)s.", max=MAX_WEIGHT))
    if any(not label.strip() for label, _d in change.levels):
        raise OperationError(_("Chaque niveau a besoin d'un intitulé."))
    codes = _criterion_codes(cohort, change.competencies)
    with transaction():
        own = _materialise(actor, cohort, kind)
        criteria = copy.deepcopy(own.criteria)
        target = next((c for c in criteria if c["key"] == key), None)
        if target is None:
            raise OperationError(_("Ce critère n'existe pas dans la grille."))
        if len(change.levels) != len(target["levels"]):
            raise OperationError(_("Le nombre de niveaux ne peut pas changer."))
        before = copy.deepcopy(target)
        target.update(title=title, description=change.description.strip(),
                      weight=change.weight, competencies=codes,
                      levels=[{"label": label.strip(), "description": text.strip()}
                              for label, text in change.levels])
        result = db.session.execute(
            update(CohortRubric)
            .where(CohortRubric.id == own.id, CohortRubric.locked.is_(False))
            .values(criteria=criteria, updated_at=utcnow(),
                    updated_by_id=actor.id)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise OperationError(locked_message())
        db.session.refresh(own)
        record("rubric.criterion_changed", own, actor=actor, cohort_id=cohort.id,
               before={"kind": kind.name, "criterion": before},
               after={"kind": kind.name, "criterion": target})
    return own


def _save_criteria(actor: User, own: CohortRubric, criteria: list[dict[str, Any]]) -> None:
    """Write the cohort's criteria unless an assessment locked the rubric meanwhile."""
    result = db.session.execute(
        update(CohortRubric)
        .where(CohortRubric.id == own.id, CohortRubric.locked.is_(False))
        .values(criteria=criteria, updated_at=utcnow(), updated_by_id=actor.id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise OperationError(locked_message())
    db.session.refresh(own)


def add_criterion(actor: User, cohort: Cohort, kind: DeliverableKind,
                  title: str) -> dict[str, Any]:
    """A new criterion at the end of the cohort's rubric: weight 1, the four standard
    levels, to be described and mapped to competencies next."""

    title = (title or "").strip()
    if not title:
        raise OperationError(_("Le critère a besoin d'un intitulé."))
    with transaction():
        own = _materialise(actor, cohort, kind)
        criteria = copy.deepcopy(own.criteria)
        taken = {c["key"] for c in criteria}
        n = len(criteria) + 1
        while f"critere-{n}" in taken:
            n += 1
        criterion = {"key": f"critere-{n}", "title": title[:300], "description": "",
                     "weight": 1, "competencies": [],
                     "levels": [{"label": str(label), "description": ""}
                                for label in LEVEL_LABELS]}
        criteria.append(criterion)
        _save_criteria(actor, own, criteria)
        record("rubric.criterion_added", own, actor=actor, cohort_id=cohort.id,
               after={"kind": kind.name, "criterion": criterion})
    return criterion


def remove_criterion(actor: User, cohort: Cohort, kind: DeliverableKind, key: str) -> None:
    with transaction():
        own = _materialise(actor, cohort, kind)
        criteria = [c for c in copy.deepcopy(own.criteria) if c["key"] != key]
        if len(criteria) == len(own.criteria):
            raise OperationError(_("Ce critère n'existe pas dans la grille."))
        if not criteria:
            raise OperationError(_("Une grille garde au moins un critère."))
        removed = next(c for c in own.criteria if c["key"] == key)
        _save_criteria(actor, own, criteria)
        record("rubric.criterion_removed", own, actor=actor, cohort_id=cohort.id,
               before={"kind": kind.name, "criterion": removed})


def rubric_locked(cohort: Cohort, kind: DeliverableKind) -> bool:
    own = cohort_rubric(cohort, kind)
    return bool(own and own.locked)


def _lock(actor: User | None, cohort: Cohort, kind: DeliverableKind) -> list[dict[str, Any]]:
    """Lock the cohort's rubric (copying the default first) and return its criteria,
    read after the lock: an edit that committed first is included, a later one refused."""
    own = _materialise(actor, cohort, kind)
    db.session.execute(update(CohortRubric).where(CohortRubric.id == own.id)
                       .values(locked=True).execution_options(synchronize_session=False))
    db.session.refresh(own)
    return own.criteria


# --- assessments ----------------------------------------------------------------------


def score_of(criteria: list[dict[str, Any]], levels: dict[str, int]) -> float | None:
    """The weighted average of the level ranks, each normalised to 0..1 by its number of
    levels, out of 20; None unless every criterion has a level."""
    total = weights = 0.0
    for criterion in criteria:
        rank = levels.get(criterion["key"])
        if rank is None:
            return None
        top = len(criterion["levels"]) - 1
        total += criterion["weight"] * rank / top
        weights += criterion["weight"]
    return 20 * total / weights if weights else None


def current_submission(deliverable: Deliverable) -> Submission | None:
    return db.session.scalar(select(Submission).where(
        Submission.deliverable_id == deliverable.id, Submission.round == deliverable.round))


def assessment_of(user: User, submission: Submission) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(
        Assessment.submission_id == submission.id, Assessment.assessor_id == user.id))


def _kind(deliverable: Deliverable) -> DeliverableKind:
    kind = registry().kind(deliverable.kind)
    if kind is None or kind.rubric is None:
        raise OperationError(_("Ce type de livrable n'a pas de grille d'évaluation."))
    return kind


def _clean_levels(criteria: list[dict[str, Any]], levels: dict[str, Any]) -> dict[str, int]:
    clean: dict[str, int] = {}
    for criterion in criteria:
        value = levels.get(criterion["key"])
        if value is None or value == "":
            continue
        try:
            rank = int(value)
        except (TypeError, ValueError):
            rank = -1
        if not 0 <= rank < len(criterion["levels"]):
            raise OperationError(_("Niveau inconnu pour « %(c)s ».", c=criterion["title"]))
        clean[criterion["key"]] = rank
    return clean


def _still_sitting(actor: User, panel_id: int | None) -> bool:
    """Whether the juror still sits on the panel, their member row locked until the
    score is saved: a removal from the panel then waits, and withdraws the score it
    finds (coelab.jury.operations.remove_member), rather than miss one saved meanwhile."""
    return db.session.execute(select(PanelMember.id).where(
        PanelMember.panel_id == panel_id, PanelMember.user_id == actor.id,
        PanelMember.impartiality == Impartiality.ACCEPTED).with_for_update()).first() is not None


def save_assessment(actor: User, deliverable: Deliverable, *, levels: dict[str, Any],
                    comments: dict[str, str], overall_comment: str | None,
                    submit: bool = False) -> Assessment:
    """Save the actor's assessment of the deliverable's current round as a draft (made
    on first save), and submit it when ``submit``: every criterion then needs a level,
    and the submitted assessment never changes again."""
    kind = _kind(deliverable)
    # trainers assess during the review; jurors score while the panel judges the work
    # (around the soutenance, or during the examination of a written work), until the
    # panel decides. What the assessment is (and for a score, its panel and round) is
    # settled here, once, from the state and the assessor's role at this moment.
    panel_id: int | None = None
    if deliverable.state == DeliverableState.IN_REVIEW:
        open_states: frozenset[DeliverableState] = frozenset({DeliverableState.IN_REVIEW})
        what = AssessmentKind.REVIEW
    elif deliverable.state in JURY_SCORING and is_juror(actor, deliverable.id):
        open_states = JURY_SCORING
        what = AssessmentKind.JURY
        panel_id = panel_of(deliverable).id
    else:
        raise OperationError(_("On évalue un livrable pendant sa relecture (formateurs) ou "
                  "pendant que son jury le juge (membres du jury)."))
    submission = current_submission(deliverable)
    if submission is None:
        raise OperationError(_("Ce livrable n'a pas encore été remis."))
    with transaction():
        if what == AssessmentKind.JURY and not _still_sitting(actor, panel_id):
            raise OperationError(_("On évalue un livrable pendant sa relecture (formateurs) ou "
                  "pendant que son jury le juge (membres du jury)."))
        assessment = assessment_of(actor, submission)
        if assessment is None:
            criteria = _lock(actor, deliverable.cohort, kind)
            assessment = Assessment(
                deliverable_id=deliverable.id, submission_id=submission.id,
                assessor_id=actor.id, rubric=copy.deepcopy(criteria),
                status=AssessmentStatus.DRAFT, levels={}, comments={}, kind=what,
                panel_id=panel_id,
                round=submission.round if what == AssessmentKind.JURY else None)
            try:
                with savepoint():
                    db.session.add(assessment)
                    db.session.flush()
            except IntegrityError:
                assessment = assessment_of(actor, submission)
                if assessment is None:
                    raise
            else:
                record("assessment.started", assessment, actor=actor,
                       cohort_id=deliverable.cohort_id,
                       after={"deliverable": deliverable.id, "round": submission.round,
                              "kind": what, "panel": panel_id})
        if assessment.submitted:
            raise OperationError(_("Cette évaluation est déjà soumise : elle ne change plus."))
        if (assessment.kind, assessment.panel_id) != (what, panel_id):
            # a review draft begun before the work went to the jury, or a score begun
            # for another panel: it stays what it was written as
            raise OperationError(_("Cette évaluation a été commencée à un autre titre "
                                   "(relecture ou autre jury) : elle ne peut plus changer."))
        criteria = assessment.rubric
        clean = _clean_levels(criteria, levels)
        keys = {c["key"] for c in criteria}
        notes = {k: v.strip()[:5000] for k, v in comments.items() if k in keys and v and v.strip()}
        overall = (overall_comment or "").strip()[:10000] or None
        score = score_of(criteria, clean)
        if submit:
            missing = [c["title"] for c in criteria if c["key"] not in clean]
            if missing:
                raise OperationError(_("Choisissez un niveau pour chaque critère : %(c)s.",
                                       c=", ".join(missing)))
        values: dict[str, Any] = {"levels": clean, "comments": notes,
                                  "overall_comment": overall, "score": score,
                                  "updated_at": utcnow()}
        if submit:
            values.update(status=AssessmentStatus.SUBMITTED, submitted_at=utcnow())
        still_open = exists().where(Deliverable.id == deliverable.id,
                                    Deliverable.state.in_(open_states))
        result = db.session.execute(
            update(Assessment)
            .where(Assessment.id == assessment.id,
                   Assessment.status == AssessmentStatus.DRAFT, still_open)
            .values(**values).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise OperationError(_("Cette évaluation a changé entre-temps (déjà soumise, ou "
                                   "la relecture est close) ; rechargez la page."))
        db.session.refresh(assessment)
        complete = False
        if submit:
            record("assessment.submitted", assessment, actor=actor,
                   cohort_id=deliverable.cohort_id,
                   after={"deliverable": deliverable.id, "round": submission.round,
                          "levels": clean, "score": score})
            if open_states == JURY_SCORING:
                # jurors submitting at once take turns on the deliverable's row: the
                # last to commit sees every other score, and only it finds the scoring
                # complete (reading after the commits, both could)
                db.session.execute(select(Deliverable.id).where(
                    Deliverable.id == deliverable.id).with_for_update())
                complete = scoring_complete(deliverable)
    if complete:
        _tell_president_when_scored(deliverable)
    return assessment


def _tell_president_when_scored(deliverable: Deliverable) -> None:
    """"Scoring complete": once every sitting juror has submitted their score, the
    panel's president hears of it (the last juror to submit triggers it)."""
    panel = panel_of(deliverable)
    presidents = [m.user for m in panel.members if m.role == PanelRole.PRESIDENT]
    notify(presidents, _("Notation terminée : %(title)s", title=deliverable.title),
           _("Tous les membres du jury ont noté « %(title)s ».", title=deliverable.title),
           app_path("deliverables.page", deliverable_id=deliverable.id))


def assessments_of(deliverable: Deliverable) -> list[Assessment]:
    """Every assessment of the deliverable, latest round first (read once per request:
    ``jury.queries.assessments_on``)."""
    return list(assessments_on(deliverable.id))
