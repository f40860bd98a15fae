"""The passeport compétences: what each trainee's parcours attests.

Opened with the enrolment (parcours, theme, personalisation notes), it gains the
competencies the jury validated when a deliverable's result is released: those its
rubric maps to criteria the panel judged at least "Atteint" (every competency of the
rubric when the panel recorded no scores).

An author is attested only what their training covers (docs/domain.md, "Competencies
and the passeport compétences"): the competencies of the block of the module the
deliverable's cohort follows, and those of the blocks of the diplomas their parcours in
that cohort is capitalisable toward (cohort/framework.py, ``diplomas_for``). Whatever a
rubric names beyond that (a cohort's copy made before rubrics named the cohort's module,
a diploma of another parcours) is left out.
"""

from __future__ import annotations

from statistics import mean

from coelab.api import (
    Competency,
    Deliverable,
    Membership,
    Parcours,
    User,
    authors_of,
    competencies_by_code,
    counted_scores,
    db,
    decision_of,
    kind_of,
    outcome_for,
    record,
    registry,
    rubric_criteria,
    transaction,
)
from sqlalchemy import select

from .framework import diploma_of_block, diplomas_for
from .models import PassportEntry

ACHIEVED = 2  # the rank of "Atteint" among the four levels


def parcours_in(deliverable: Deliverable, author: User) -> Parcours | None:
    """The author's parcours on their membership in the deliverable's cohort."""
    return db.session.scalar(select(Membership.parcours).where(
        Membership.cohort_id == deliverable.cohort_id, Membership.user_id == author.id))


def attestable(competency: Competency, module: str | None,
               parcours: Parcours | None) -> bool:
    """Whether a competency may be attested to an author on ``parcours`` for work done in
    a cohort of ``module``: its block is that module's, or a domain of a diploma the
    parcours is capitalisable toward."""
    block = competency.block
    if block is None:
        return False
    if module is not None and block.code == module:
        return True
    return diploma_of_block(block.code) in diplomas_for(parcours)


def validated_competencies(deliverable: Deliverable, author: User | None = None) -> list[str]:
    """The codes of the competencies a validated deliverable attests: those of the
    criteria the panel agreed at "Atteint" or above (else, without agreed levels, those
    its jurors scored so on average; else every competency of the rubric). For an
    ``author``, only those they may be attested (:func:`attestable`)."""
    codes = _validated_codes(deliverable)
    if author is None:
        return codes
    module = registry().cohort_module(deliverable.cohort)
    parcours = parcours_in(deliverable, author)
    known = competencies_by_code(codes)
    return [c for c in codes if c in known and attestable(
        known[c], module.code if module is not None else None, parcours)]


def _validated_codes(deliverable: Deliverable) -> list[str]:
    decision = decision_of(deliverable)
    if decision is not None and decision.agreed_levels:
        criteria = rubric_criteria(deliverable.cohort, kind_of(deliverable))
        codes: list[str] = []
        for criterion in criteria:
            if decision.agreed_levels.get(criterion["key"], -1) >= ACHIEVED:
                codes += [c for c in criterion.get("competencies", []) if c not in codes]
        return codes
    # the scores the panel deliberated with: its sitting jurors' scores of this round,
    # never a trainer's review nor a score withdrawn when its juror left the panel
    scores = counted_scores(deliverable)
    criteria = scores[0].rubric if scores else rubric_criteria(deliverable.cohort,
                                                                 kind_of(deliverable))
    codes: list[str] = []
    for criterion in criteria:
        levels = [a.levels[criterion["key"]] for a in scores if criterion["key"] in a.levels]
        if scores and (not levels or mean(levels) < ACHIEVED):
            continue
        codes += [c for c in criterion.get("competencies", []) if c not in codes]
    return codes


def record_validation(deliverable: Deliverable, actor=None) -> list[PassportEntry]:
    """Add the deliverable's validated competencies to each author's passeport (once),
    those their module and parcours allow (:func:`validated_competencies`)."""
    kind = kind_of(deliverable)
    source = f"{kind.label} — {deliverable.title}"
    decision = decision_of(deliverable)
    # the panel may treat an author of a collective work differently
    authors = [a for a in authors_of(deliverable)
               if decision is None or outcome_for(decision, a.id)]
    added = []
    attested: dict[str, list[str]] = {}
    with transaction():
        for author in authors:
            framework = competencies_by_code(validated_competencies(deliverable, author))
            attested[author.email] = sorted(framework)
            have = set(db.session.scalars(select(PassportEntry.competency_code).where(
                PassportEntry.user_id == author.id,
                PassportEntry.deliverable_id == deliverable.id)))
            for code, competency in framework.items():
                if code in have:
                    continue
                entry = PassportEntry(
                    user_id=author.id, competency_code=code,
                    competency_title=competency.title,
                    block_title=competency.block.title if competency.block else None,
                    deliverable_id=deliverable.id, source=source[:500],
                    cohort_name=deliverable.cohort.name)
                db.session.add(entry)
                added.append(entry)
            db.session.flush()
        if added:
            record("passport.competencies_validated", deliverable, actor=actor,
                   cohort_id=deliverable.cohort_id,
                   after={"authors": [u.email for u in authors],
                          "competencies": sorted({c for codes in attested.values()
                                                  for c in codes}),
                          "by_author": attested})
    return added


def on_deliverable_decided(app, *, deliverable, validated: bool, actor=None, **_kw) -> None:
    """Receiver of coelab.signals.deliverable_decided (sent at the result's release):
    each author the decision validates (all of them, or those the panel treated
    differently) gains the competencies."""
    decision = decision_of(deliverable)
    if validated or (decision is not None and any(
            special.get("validated") for special in (decision.individual or {}).values())):
        record_validation(deliverable, actor)


def entries_of(user: User) -> list[PassportEntry]:
    return list(db.session.scalars(select(PassportEntry).where(
        PassportEntry.user_id == user.id).order_by(PassportEntry.block_title,
                                                   PassportEntry.competency_code)))
