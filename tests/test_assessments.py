"""Rubrics, the competency framework and assessments: default grids per kind, a cohort's
copy locked by its first assessment, drafts then immutable submitted assessments."""

from __future__ import annotations

import threading

import pytest
from coelab.assessments import operations as aops
from coelab.assessments.models import (
    Assessment,
    AssessmentStatus,
    CohortRubric,
    Competency,
    CompetencyBlock,
)
from coelab.assessments.rubrics import resolve_codes
from coelab.audit import events_for
from coelab.db import db
from coelab.deliverables import workflow
from coelab.deliverables.models import DeliverableState
from coelab.models import AuditEvent
from coelab.operations import OperationError
from coelab.plugins import LEVEL_LABELS, registry
from sqlalchemy import func, select

from cohort.catalogue import MODULES
from cohort.framework import FRAMEWORK, load_framework

from .conftest import csrf_token, login, page, post
from .test_deliverables import Programme, _partner, relog

CASE_LEVELS = {"analyse": 3, "preconisations": 2, "ancrage": 2, "cooperation": 1, "ecrit": 0}
# weights 3, 3, 2, 1, 1: (3·3/3 + 3·2/3 + 2·2/3 + 1·1/3 + 1·0/3) / 10 × 20 = 13.33…
CASE_SCORE = (3 * 1 + 3 * 2 / 3 + 2 * 2 / 3 + 1 / 3 + 0) / 10 * 20


@pytest.fixture
def prog(app, make):
    with app.app_context():
        load_framework()
        yield Programme(make)


@pytest.fixture
def case(prog):
    """A collective case study of the transversal cohort, submitted and in review."""
    from coelab.deliverables.operations import start_deliverable

    case = start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    return case


def test_every_kind_declares_a_default_rubric_on_the_framework(prog):
    codes = {c.code for c in db.session.scalars(select(Competency))}
    blocks = {b.title for b in db.session.scalars(select(CompetencyBlock))}
    assert {"CAFERUIS — DC3", "CAFERUIS — DC5", "DEIS — DC3"} <= blocks
    assert len(blocks) == len(FRAMEWORK) == 10
    for name in ("collective_case_study", "thematic_case_study", "mini_diagnostic",
                 "recommendation_collection"):
        rubric = registry().kind(name).rubric
        assert rubric is not None and len(rubric.criteria) >= 4, name
        for criterion in rubric.criteria:
            assert [str(lv.label) for lv in criterion.levels] == [
                "Non atteint", "Partiellement atteint", "Atteint", "Dépassé"]
            assert criterion.weight >= 1 and criterion.competencies
            # the codes are relative to the cohort's module ("{module}-1")
            for module, _title, _scope in MODULES:
                assert set(resolve_codes(criterion.competencies, module)) <= codes, (
                    name, criterion.key, module)
    assert len(LEVEL_LABELS) == 4


def test_framework_is_managed_by_staff_only(prog, client):
    login(client, prog.p1.email)
    assert client.get("/competencies").status_code == 403
    relog(client, prog.trainer)
    assert client.get("/competencies").status_code == 403
    relog(client, prog.coordinator)
    text = page(client.get("/competencies"))
    assert "CAFERUIS — DC5" in text and "1.0-3" in text
    response = post(client, "/competencies", {"block-code": "TEST", "block-title": "Bloc test",
                                              "block-position": "3"},
                    token_from="/competencies")
    assert response.status_code == 302
    block = db.session.scalar(select(CompetencyBlock).where(CompetencyBlock.code == "TEST"))
    # a taken code is refused with a message
    response = post(client, "/competencies", {"block-code": "TEST", "block-title": "Autre"},
                    token_from="/competencies")
    assert response.status_code == 200 and "déjà pris" in page(response)
    response = post(client, f"/competencies/blocks/{block.id}/competencies",
                    {f"comp-{block.id}-code": "TEST-1",
                     f"comp-{block.id}-title": "Faire un essai"},
                    token_from="/competencies", follow_redirects=True)
    assert "Compétence ajoutée" in page(response) and "TEST-1" in page(response)
    competency = db.session.scalar(select(Competency).where(Competency.code == "TEST-1"))
    assert client.get(f"/competencies/{competency.id}").status_code == 200
    assert client.get(f"/competencies/blocks/{block.id}").status_code == 200
    assert "grille par défaut" in page(client.get(f"/cohorts/{prog.transversal.id}/rubrics"))
    url = f"/competencies/{competency.id}"
    response = post(client, url, {"comp-code": "TEST-2", "comp-title": "Faire deux essais"},
                    token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert competency.code == "TEST-2"
    block_id = block.id
    post(client, f"/competencies/blocks/{block_id}/delete", token_from="/competencies")
    db.session.expire_all()
    assert db.session.get(CompetencyBlock, block_id) is None
    assert db.session.scalar(select(Competency).where(Competency.code == "TEST-2")) is None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"competency_block.created", "competency.created", "competency.updated",
            "competency_block.deleted"} <= actions


def _criterion_data(key: str, **values) -> dict:
    data = {f"c-{key}-title": "Analyse", f"c-{key}-description": "",
            f"c-{key}-weight": "3", f"c-{key}-competencies": "1.0-1"}
    for i, label in enumerate(LEVEL_LABELS):
        data[f"c-{key}-level_{i}_label"] = str(label)
    data.update({f"c-{key}-{k}": v for k, v in values.items()})
    return data


def test_coordinator_adapts_a_cohort_rubric_until_an_assessment_uses_it(prog, case, client):
    url = f"/cohorts/{prog.transversal.id}/rubrics/collective_case_study"
    login(client, prog.trainer.email)
    assert client.get(url).status_code == 200  # trainers read it
    response = post(client, url + "/analyse", _criterion_data("analyse"), token_from=url)
    assert response.status_code == 403
    relog(client, prog.coordinator)
    # an unknown competency code is reported, never a 500
    response = post(client, url + "/analyse",
                    _criterion_data("analyse", competencies="1.0-1, NOPE-9"), token_from=url)
    assert response.status_code == 200
    assert "absentes du référentiel : NOPE-9" in page(response)
    # bad input: form errors
    response = post(client, url + "/analyse", _criterion_data("analyse", weight="lourd"),
                    token_from=url)
    assert response.status_code == 200 and "has-error" in page(response)
    assert db.session.scalar(select(func.count()).select_from(CohortRubric)) == 0
    response = post(client, url + "/analyse",
                    _criterion_data("analyse", title="Analyse stratégique", weight="5",
                                    competencies="1.0-1, CAFERUIS-DC3-1",
                                    level_3_label="Remarquable"), token_from=url)
    assert response.status_code == 302
    own = db.session.scalar(select(CohortRubric))
    analyse = own.criteria[0]
    assert analyse["title"] == "Analyse stratégique" and analyse["weight"] == 5
    assert analyse["competencies"] == ["1.0-1", "CAFERUIS-DC3-1"]
    assert analyse["levels"][3]["label"] == "Remarquable" and not own.locked
    # the other cohorts keep the default
    kind = registry().kind("collective_case_study")
    assert kind.rubric.criteria[0].weight == 3
    # the first assessment (even a draft) locks it, and uses it
    a = aops.save_assessment(prog.trainer, case, levels={"analyse": "1"}, comments={},
                             overall_comment=None)
    assert a.rubric[0]["title"] == "Analyse stratégique"
    db.session.expire_all()
    assert own.locked
    response = post(client, url + "/analyse", _criterion_data("analyse", title="Encore"),
                    token_from=url, follow_redirects=True)
    assert "Cette grille est verrouillée" in page(response)
    db.session.expire_all()
    assert own.criteria[0]["title"] == "Analyse stratégique"
    assert [e.action for e in events_for("cohort_rubrics", own.id)][-1] == "rubric.copied"


def test_assessment_draft_then_submit_with_its_score(prog, case, client):
    url = f"/deliverables/{case.id}/assessment"
    login(client, prog.trainer.email)
    text = page(client.get(f"/deliverables/{case.id}"))
    assert "Grille d'évaluation et évaluations" in text
    assert "Évaluer la remise n° 1" in text and "Ancrage dans le terrain partenaire" in text
    assert page(client.get(url)).count('type="radio"') == 20
    token = csrf_token(client, url)
    data = {"a-csrf_token": token, "a-level_analyse": "3", "a-comment_analyse": "Solide.",
            "a-overall": "Un bon début.", "action": "save"}
    response = post(client, url, data, token_from=url)
    assert response.status_code == 302
    a = db.session.scalar(select(Assessment))
    assert a.status == AssessmentStatus.DRAFT and a.levels == {"analyse": 3}
    assert "Continuer mon évaluation" in page(client.get(f"/deliverables/{case.id}"))
    # a draft is its assessor's only: the authors do not see it
    relog(client, prog.p1)
    assert "Solide." not in page(client.get(f"/deliverables/{case.id}"))
    assert client.get(f"/assessments/{a.id}").status_code == 404
    relog(client, prog.trainer)
    token = csrf_token(client, url)
    # submitting with a missing level is refused, nothing changes
    levels = {f"a-level_{k}": str(v) for k, v in CASE_LEVELS.items()}
    del levels["a-level_ecrit"]
    response = post(client, url, {"a-csrf_token": token, **levels, "action": "submit"},
                    token_from=url)
    assert response.status_code == 200 and "Choisissez un niveau." in page(response)
    # an unknown level: a form error
    response = post(client, url, {"a-csrf_token": token, **levels, "a-level_ecrit": "9",
                                  "action": "submit"}, token_from=url)
    assert response.status_code == 200 and "has-error" in page(response)
    db.session.expire_all()
    assert a.status == AssessmentStatus.DRAFT and a.levels == {"analyse": 3}
    response = post(client, url, {"a-csrf_token": token, **levels, "a-level_ecrit": "0",
                                  "a-overall": "Travail sérieux.", "action": "submit"},
                    token_from=url, follow_redirects=True)
    assert "Évaluation soumise" in page(response)
    db.session.expire_all()
    assert a.status == AssessmentStatus.SUBMITTED and a.levels == CASE_LEVELS
    assert a.score == pytest.approx(CASE_SCORE) and round(CASE_SCORE, 1) == 13.3
    assert "13,3 / 20" in page(response)
    # immutable: the page leads to the reading, the operation refuses
    assert client.get(url).status_code == 302
    with pytest.raises(OperationError, match="déjà soumise"):
        aops.save_assessment(prog.trainer, case, levels=CASE_LEVELS, comments={},
                             overall_comment="autre", submit=True)
    # the authors read it, with its score
    relog(client, prog.p3)
    text = page(client.get(f"/deliverables/{case.id}"))
    assert prog.trainer.full_name in text and "13,3 / 20" in text
    text = page(client.get(f"/assessments/{a.id}"))
    assert "Travail sérieux." in text and "Dépassé" in text
    assert [e.action for e in events_for("assessments", a.id)][0] == "assessment.submitted"
    # once the review is over, the trainer still reads it, nobody assesses
    workflow.ready_for_jury(prog.trainer, case, "")
    relog(client, prog.trainer)
    assert client.get(f"/assessments/{a.id}").status_code == 200
    assert client.get(url).status_code == 403


def test_who_may_assess(prog, case, client, make):
    url = f"/deliverables/{case.id}/assessment"
    login(client, prog.p1.email)  # an author
    assert client.get(url).status_code == 403
    assert "Évaluer la remise" not in page(client.get(f"/deliverables/{case.id}"))
    other = make.cohort("Autre cohorte")
    make.member(other, prog.other_trainer, "trainer")
    relog(client, prog.other_trainer)
    assert client.get(url).status_code == 404
    relog(client, prog.coordinator)
    assert client.get(url).status_code == 200
    # not in review (a draft): nobody assesses it
    from coelab.deliverables.operations import start_deliverable

    draft = start_deliverable(prog.p2, prog.thematic, "mini_diagnostic", title="Diag",
                              owner=prog.p2,
                              details={"organisation_name": "X", "organisation_sector": "social",
                                       "organisation_size": "lt10", "theme": "2.4",
                                       "issue": "Y"})
    assert draft.state == DeliverableState.DRAFT
    relog(client, prog.trainer)
    assert client.get(f"/deliverables/{draft.id}/assessment").status_code == 403


def test_two_submits_of_one_draft_give_one(prog, case, app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    draft = aops.save_assessment(prog.trainer, case, levels={}, comments={},
                                 overall_comment=None)
    ids = {"case": case.id, "trainer": prog.trainer.id}
    db.session.commit()
    barrier, results = threading.Barrier(2), []

    def run() -> None:
        from coelab.deliverables.models import Deliverable
        from coelab.models import User

        with app.app_context():
            user = db.session.get(User, ids["trainer"])
            deliverable = db.session.get(Deliverable, ids["case"])
            barrier.wait()
            try:
                aops.save_assessment(user, deliverable, levels=CASE_LEVELS, comments={},
                                     overall_comment="vite", submit=True)
                results.append("ok")
            except OperationError:
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["ok", "refused"]
    db.session.expire_all()
    assert db.session.get(Assessment, draft.id).status == AssessmentStatus.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "assessment.submitted")) == 1


def test_coordinator_adds_and_removes_criteria_until_the_rubric_is_used(prog, case, client):
    kind = registry().kind("collective_case_study")
    url = f"/cohorts/{prog.transversal.id}/rubrics/collective_case_study"
    login(client, prog.trainer.email)
    assert post(client, url + "/criteria", {"title": "Oral"}, token_from=url).status_code == 403
    relog(client, prog.coordinator)
    response = post(client, url + "/criteria", {"title": "  "}, token_from=url,
                    follow_redirects=True)
    assert "a besoin d'un intitulé" in page(response)
    response = post(client, url + "/criteria", {"title": "Qualité de la soutenance orale"},
                    token_from=url, follow_redirects=True)
    assert "Critère ajouté" in page(response)
    criteria = aops.rubric_criteria(prog.transversal, kind)
    added = criteria[-1]
    assert added["title"] == "Qualité de la soutenance orale" and added["weight"] == 1
    assert [lv["label"] for lv in added["levels"]] == [
        "Non atteint", "Partiellement atteint", "Atteint", "Dépassé"]
    response = post(client, f"{url}/ecrit/delete", token_from=url, follow_redirects=True)
    assert "Critère retiré" in page(response)
    keys = [c["key"] for c in aops.rubric_criteria(prog.transversal, kind)]
    assert "ecrit" not in keys and added["key"] in keys
    # an assessment locks it: no more additions or removals
    aops.save_assessment(prog.trainer, case, levels={}, comments={}, overall_comment=None)
    with pytest.raises(OperationError, match="verrouillée"):
        aops.add_criterion(prog.coordinator, prog.transversal, kind, "Encore un")
    with pytest.raises(OperationError, match="verrouillée"):
        aops.remove_criterion(prog.coordinator, prog.transversal, kind, added["key"])
