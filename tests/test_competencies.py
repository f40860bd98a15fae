"""The competency framework and what the passeport attests (docs/domain.md,
"Competencies and the passeport compétences", "Diploma blocks"): a rubric names the
competencies of the module the deliverable's cohort follows, and an author is attested
only those of that module and of the diplomas their parcours leads to (issue 15)."""

from __future__ import annotations

from datetime import date

import pytest
from coelab import signals
from coelab.assessments import operations as aops
from coelab.assessments.models import BlockScope, CohortRubric, Competency, CompetencyBlock
from coelab.db import db, transaction
from coelab.deliverables.models import AuthorshipMode
from coelab.deliverables.operations import authors_of, schedule_for, start_deliverable
from coelab.models import AuditEvent, Parcours
from coelab.operations import OperationError
from coelab.plugins import registry
from sqlalchemy import func, select

from cohort import operations as cops
from cohort.catalogue import MODULES
from cohort.demo import load_demo
from cohort.framework import (
    DIPLOMAS,
    FRAMEWORK,
    diploma_of_block,
    diploma_of_competency,
    diplomas_for,
    load_framework,
)
from cohort.models import CohortSetup, Module, PassportEntry, Site
from cohort.passport import record_validation, validated_competencies

from .conftest import PASSWORD, login, page, post
from .test_deliverables import relog

KINDS = ("collective_case_study", "thematic_case_study", "mini_diagnostic",
         "recommendation_collection")
MODULE_CODES = [code for code, _title, _scope in MODULES]
DIPLOMA_BLOCKS = {block for d in DIPLOMAS for block in d.blocks}
DETAILS = {
    "collective_case_study": {"partner_name": "Association fictive",
                              "partner_sector": "social",
                              "partner_contact_role": "directrice"},
    "mini_diagnostic": {"organisation_name": "IME fictif",
                        "organisation_sector": "medico_social",
                        "organisation_size": "10_49", "issue": "Un enjeu du module"},
}
DETAILS["thematic_case_study"] = DETAILS["collective_case_study"]


@pytest.fixture
def coordinator(app, make):
    """The catalogue and the framework as a fresh install loads them, and a coordinator."""
    cops.load_catalogue()
    load_framework()
    return make.user("Coord", coordinator=True)


def _cohort(coordinator, code: str):
    module = db.session.scalar(select(Module).where(Module.code == code))
    site = db.session.scalar(select(Site).where(Site.is_main.is_(True)))
    return cops.create_cohort(coordinator, name=f"Module {code}", module=module,
                              session=None, site=site, start_date=date(2026, 11, 2),
                              end_date=date(2027, 2, 26))


def _block_of() -> dict[str, str]:
    """{competency code: its block's code}, for the whole framework."""
    return {c.code: c.block.code for c in db.session.scalars(select(Competency))}


def _resolved(cohort, kind) -> list[str]:
    return [code for c in aops.rubric_criteria(cohort, kind) for code in c["competencies"]]


def _start(cohort, kind, make, trainees, team):
    """The kind's deliverables in the cohort: one for the team (or the cohort), or one
    per trainee for an individual kind."""
    mode = schedule_for(cohort, kind).authorship
    details = DETAILS.get(kind.name, {})
    if mode == AuthorshipMode.INDIVIDUAL:
        return [start_deliverable(t, cohort, kind.name, title=f"{kind.name} {t.first_name}",
                                  owner=t, details=details) for t in trainees]
    return [start_deliverable(trainees[0], cohort, kind.name, title=kind.name, team=team,
                              details=details)]


def _attested(user, deliverable) -> set[str]:
    return set(db.session.scalars(select(PassportEntry.competency_code).where(
        PassportEntry.user_id == user.id, PassportEntry.deliverable_id == deliverable.id)))


# --- the framework, loaded with the catalogue --------------------------------------------


def test_the_framework_has_a_block_per_module_and_the_diploma_blocks(coordinator):
    blocks = list(db.session.scalars(select(CompetencyBlock).order_by(CompetencyBlock.position)))
    assert [b.code for b in blocks] == [*MODULE_CODES, "CAFERUIS-DC3", "CAFERUIS-DC5",
                                        "DEIS-DC3"]
    titles_by_slot: dict[int, set[str]] = {}
    for block in blocks[:len(MODULE_CODES)]:
        assert block.scope == BlockScope.MODULE
        assert block.title.startswith(f"Module {block.code} — ")
        codes = [c.code for c in block.competencies]
        assert codes == [f"{block.code}-{n}" for n in range(1, 6)], block.code
        for n, competency in enumerate(block.competencies, start=1):
            titles_by_slot.setdefault(n, set()).add(competency.title)
    # each module words its five competencies for itself (seven distinct titles a slot)
    assert all(len(titles) == len(MODULE_CODES) for titles in titles_by_slot.values())
    by_code = {c.code: c.title for c in db.session.scalars(select(Competency))}
    assert by_code["1.0-3"] == "Formuler des préconisations réalistes, argumentées et priorisées"
    assert "traçabilité" in by_code["2.4-1"] and "participation" in by_code["2.1-1"]
    for block in blocks[len(MODULE_CODES):]:
        assert block.scope == BlockScope.DIPLOMA and diploma_of_block(block.code) is not None
        assert block.competencies and block.description  # the wordings are indicative
    assert {b.code for b in FRAMEWORK} == {b.code for b in blocks}


def test_catalogue_load_creates_the_framework_once_and_keeps_edits(app):
    runner = app.test_cli_runner()
    assert db.session.scalar(select(func.count()).select_from(CompetencyBlock)) == 0
    result = runner.invoke(args=["catalogue", "load"])
    assert result.exit_code == 0, result.output
    assert "Competency framework: 10 blocks added." in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CompetencyBlock)) == 10
    assert db.session.scalar(select(func.count()).select_from(Competency)) == 7 * 5 + 3 + 2 + 3
    # the coordination edits a block and removes a competency: loading again keeps both
    block = db.session.scalar(select(CompetencyBlock).where(CompetencyBlock.code == "2.4"))
    aops.update_block(None, block, code="2.4", title="Traçabilité (revu)")
    aops.delete_competency(None, db.session.scalar(
        select(Competency).where(Competency.code == "2.4-5")))
    result = runner.invoke(args=["catalogue", "load"])
    assert result.exit_code == 0 and "Competency framework: 0 blocks added." in result.output
    db.session.expire_all()
    block = db.session.scalar(select(CompetencyBlock).where(CompetencyBlock.code == "2.4"))
    assert block.title == "Traçabilité (revu)"
    assert [c.code for c in block.competencies] == ["2.4-1", "2.4-2", "2.4-3", "2.4-4"]
    assert load_framework() == 0


def test_the_demo_loads_the_framework_from_the_cohort_plugin(app):
    assert load_demo() is True
    codes = {b.code for b in db.session.scalars(select(CompetencyBlock))}
    assert codes == {b.code for b in FRAMEWORK}
    block_of = _block_of()
    for cohort in db.session.scalars(select(CohortSetup)):
        for kind in registry().kinds_for(cohort.cohort):
            for code in _resolved(cohort.cohort, kind):
                assert block_of[code] in {cohort.module.code} | DIPLOMA_BLOCKS, code


# --- every kind, every module, every parcours --------------------------------------------


@pytest.mark.parametrize("module", MODULE_CODES)
def test_each_kind_attests_its_module_and_its_parcours_diplomas(coordinator, make, module):
    cohort = _cohort(coordinator, module)
    kinds = [registry().kind(name) for name in KINDS]
    kinds = [k for k in kinds if k.applies_to(cohort)]
    # the collective case study in module 1.0, the three other kinds in each theme
    assert len(kinds) == (1 if module == "1.0" else 3), module
    parcours = [p for p in Parcours if p.follows(cohort.module_scope)]
    trainees = []
    for p in parcours:
        trainee = make.user(f"Parcours{p.value}")
        make.member(cohort, trainee, parcours=p.value)
        trainees.append((trainee, p))
    team = make.team(cohort, "Équipe", [t for t, _p in trainees])
    block_of = _block_of()
    module_codes = {f"{module}-{n}" for n in range(1, 6)}
    for kind in kinds:
        resolved = _resolved(cohort, kind)
        # every code the cohort's rubric names is in the framework, in the cohort's
        # module block or a diploma block, and names this module's competencies
        assert resolved and not [c for c in resolved if "{" in c], (kind.name, resolved)
        assert set(resolved) <= set(block_of), (kind.name, set(resolved) - set(block_of))
        assert {block_of[c] for c in resolved} <= {module} | DIPLOMA_BLOCKS, kind.name
        assert {"1", "3", "5"} <= {c.rsplit("-", 1)[1] for c in resolved
                                   if block_of[c] == module}, kind.name
        required = [(t, p) for t, p in trainees if kind.required_of(cohort, p.value)]
        assert required, (kind.name, module)
        for deliverable in _start(cohort, kind, make, [t for t, _p in required], team):
            # no decision and no score: every competency of the rubric is validated,
            # and only what each author's module and parcours allow is attested
            record_validation(deliverable)
            for author, p in required:
                if author.id not in {a.id for a in authors_of(deliverable)}:
                    continue
                attested = _attested(author, deliverable)
                allowed = {module} | {b for d in diplomas_for(p) for b in d.blocks}
                assert attested == {c for c in resolved if block_of[c] in allowed}, (
                    kind.name, module, p)
                assert attested == set(validated_competencies(deliverable, author))
                assert {block_of[c] for c in attested} <= allowed
                assert attested & module_codes, (kind.name, module, p)
                diplomas = {diploma_of_competency(c).code for c in attested
                            if diploma_of_competency(c) is not None}
                if p == Parcours.II:
                    assert not diplomas, (kind.name, module, attested)
                elif p == Parcours.I:
                    assert diplomas == {"CAFERUIS"}, (kind.name, module, attested)
                else:
                    assert diplomas == {"DEIS"}, (kind.name, module, attested)
                if module != "1.0":
                    assert not [c for c in attested if c.startswith("1.0-")]
                    assert {c for c in attested if block_of[c] == module} <= module_codes


def test_without_a_known_module_the_module_codes_are_left_out(app, make):
    load_framework()
    cohort = make.cohort("Sans module", scope="thematic")  # the core's, never set up
    assert registry().cohort_module(cohort) is None
    kind = registry().kind("thematic_case_study")
    codes = _resolved(cohort, kind)
    assert codes and all(c.split("-")[0] in {"CAFERUIS", "DEIS"} for c in codes)
    # the cohort's copy is made the same way
    aops.add_criterion(make.user(coordinator=True), cohort, kind, "Nouveau")
    own = aops.cohort_rubric(cohort, kind)
    assert all(c.split("-")[0] in {"CAFERUIS", "DEIS"}
               for criterion in own.criteria for c in criterion["competencies"])


def test_a_cohort_copy_holds_the_module_codes(coordinator):
    cohort = _cohort(coordinator, "2.4")
    kind = registry().kind("mini_diagnostic")
    aops.add_criterion(coordinator, cohort, kind, "Nouveau critère")
    own = aops.cohort_rubric(cohort, kind)
    stored = [c for criterion in own.criteria for c in criterion["competencies"]]
    assert "2.4-1" in stored and not [c for c in stored if "{" in c or c.startswith("1.0-")]
    # the coordinator may write the placeholder too: it is stored resolved
    change = aops.CriterionChange(title="Diagnostic", description="", weight=3,
                                  competencies=["{module}-1", " DEIS-DC3-1", "2.4-1"],
                                  levels=[(lv["label"], "") for lv in own.criteria[1]["levels"]])
    aops.update_criterion(coordinator, cohort, kind, "diagnostic", change)
    db.session.expire_all()
    diagnostic = next(c for c in aops.cohort_rubric(cohort, kind).criteria
                      if c["key"] == "diagnostic")
    assert diagnostic["competencies"] == ["2.4-1", "DEIS-DC3-1"]


# --- the rubric editor -------------------------------------------------------------------


def test_the_rubric_editor_refuses_a_code_outside_the_cohorts_module(coordinator, client):
    cohort = _cohort(coordinator, "2.4")
    kind = registry().kind("thematic_case_study")
    levels = [(lv["label"], "") for lv in aops.rubric_criteria(cohort, kind)[0]["levels"]]

    def change(*codes):
        return aops.CriterionChange(title="Analyse", description="", weight=3,
                                    competencies=list(codes), levels=levels)

    for outside in ("1.0-1", "2.5-2"):
        with pytest.raises(OperationError, match=outside.replace(".", r"\.")) as refused:
            aops.update_criterion(coordinator, cohort, kind, "analyse",
                                  change("2.4-1", outside))
        assert "module 2.4" in str(refused.value)
    assert aops.cohort_rubric(cohort, kind) is None  # nothing written
    # the module's own codes and any diploma block's are accepted
    aops.update_criterion(coordinator, cohort, kind, "analyse",
                          change("2.4-1", "CAFERUIS-DC3-1", "DEIS-DC3-1"))
    # the form says it, without a 500
    url = f"/cohorts/{cohort.id}/rubrics/thematic_case_study"
    login(client, coordinator.email, PASSWORD)
    data = {"c-analyse-title": "Analyse", "c-analyse-description": "",
            "c-analyse-weight": "3", "c-analyse-competencies": "2.4-2, 1.0-2"}
    for i, (label, _d) in enumerate(levels):
        data[f"c-analyse-level_{i}_label"] = label
    response = post(client, url + "/analyse", data, token_from=url)
    assert response.status_code == 200
    text = page(response)
    assert "hors des blocs admis pour cette cohorte : 1.0-2" in text
    db.session.expire_all()
    analyse = aops.rubric_criteria(cohort, kind)[0]
    assert analyse["competencies"] == ["2.4-1", "CAFERUIS-DC3-1", "DEIS-DC3-1"]


def test_rubric_pages_show_the_cohorts_codes_and_titles(coordinator, make, client):
    cohort = _cohort(coordinator, "2.6")
    trainer = make.user("Formatrice")
    make.member(cohort, trainer, "trainer")
    title = db.session.scalar(select(Competency.title).where(Competency.code == "2.6-1"))
    url = f"/cohorts/{cohort.id}/rubrics/mini_diagnostic"
    login(client, trainer.email, PASSWORD)
    for user in (trainer, coordinator):  # read-only, then the editor
        relog(client, user)
        text = page(client.get(url))
        assert "2.6-1" in text and title in text, user.first_name
        assert "{module}-1" not in text and "1.0-" not in text


# --- what the passeport attests ----------------------------------------------------------


def test_a_copy_made_before_the_fix_attests_only_the_module_and_parcours(coordinator, make):
    """A cohort's rubric copied when the rubrics named module 1.0 and every diploma
    (literal codes) attests, in a 2.4 cohort, only 2.4 and the parcours' diploma."""
    cohort = _cohort(coordinator, "2.4")
    p2, p3 = make.user("Deux"), make.user("Trois")
    make.member(cohort, p2, parcours="II")
    make.member(cohort, p3, parcours="III")
    team = make.team(cohort, "Équipe", [p2, p3])
    kind = registry().kind("thematic_case_study")
    criteria = aops.default_criteria(cohort, kind)
    criteria[0]["competencies"] = ["1.0-1", "1.0-2", "2.4-1", "DEIS-DC3-1"]
    criteria[1]["competencies"] = ["CAFERUIS-DC3-1", "CAFERUIS-DC5-1"]
    db.session.add(CohortRubric(cohort_id=cohort.id, kind=kind.name, criteria=criteria))
    db.session.commit()
    [case] = _start(cohort, kind, make, [p2], team)
    record_validation(case)
    p2_codes, p3_codes = _attested(p2, case), _attested(p3, case)
    assert "2.4-1" in p2_codes and "2.4-1" in p3_codes
    assert not [c for c in p2_codes | p3_codes if c.startswith(("1.0-", "CAFERUIS-"))]
    assert not [c for c in p2_codes if c.startswith("DEIS-")]
    assert "DEIS-DC3-1" in p3_codes


def test_a_released_thematic_case_study_attests_its_module(coordinator, make):
    """The path of a release: the signal the jury's release sends (coelab.signals,
    ``deliverable_decided``) reaches the passeport, which attests 2.4 competencies to
    both authors of a 2.4 thematic case study, and DEIS ones to parcours III only."""
    cohort = _cohort(coordinator, "2.4")
    p2, p3 = make.user("Deux"), make.user("Trois")
    make.member(cohort, p2, parcours="II")
    make.member(cohort, p3, parcours="III")
    team = make.team(cohort, "Étang", [p2, p3])
    case = start_deliverable(p2, cohort, "thematic_case_study", title="Traçabilité",
                             team=team, details=DETAILS["thematic_case_study"])
    with transaction():
        signals.send(signals.deliverable_decided, deliverable=case, validated=True,
                     actor=coordinator)
    p2_codes, p3_codes = _attested(p2, case), _attested(p3, case)
    assert p2_codes == {f"2.4-{n}" for n in range(1, 6)}
    assert p3_codes - p2_codes == {"DEIS-DC3-1", "DEIS-DC3-2", "DEIS-DC3-3"}
    blocks = set(db.session.scalars(select(PassportEntry.block_title).where(
        PassportEntry.user_id == p2.id)))
    assert blocks == {db.session.scalar(select(CompetencyBlock.title).where(
        CompetencyBlock.code == "2.4"))}
    # the audit event says what each author was attested
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "passport.competencies_validated"))
    assert sorted(event.after["by_author"][p2.email]) == sorted(p2_codes)


def test_no_rubric_names_a_diploma_competency_its_authors_cannot_earn(app):
    """A criterion's diploma codes belong to a diploma toward which some parcours that
    writes the kind is capitalisable: the thematic case study (parcours II and III)
    names no CAFERUIS competency, the collective one (I and III) may."""
    for name in KINDS:
        kind = registry().kind(name)
        reachable = {block for p in kind.parcours for d in diplomas_for(p)
                     for block in d.blocks}
        for criterion in kind.rubric.criteria:
            for code in criterion.competencies:
                diploma = diploma_of_competency(code)
                if diploma is not None:
                    assert any(code.startswith(f"{b}-") for b in reachable), (name, code)
