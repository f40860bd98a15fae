"""What an assessment is (a trainer's review or a juror's score) is written with it and
never recomputed from the panel as it is today: a juror removed from the panel after
scoring leaves a withdrawn score that stays within the panel, out of the deliberation
(issue 13, point 2)."""

from __future__ import annotations

import pytest
from coelab.assessments import operations as aops
from coelab.assessments.models import Assessment, AssessmentKind
from coelab.db import db
from coelab.deliverables import workflow
from coelab.jury import operations as jops
from coelab.jury.models import PanelRole
from coelab.models import AuditEvent
from coelab.operations import OperationError
from coelab.policy import can
from sqlalchemy import select

from .conftest import login, page, practising_professional
from .test_assessments import CASE_LEVELS
from .test_deliverables import _partner, relog
from .test_jury import _scheduled, agreed, ready  # noqa: F401 - a fixture

WITHDRAWN = "Retirée : membre retiré·e du jury"


def _sees(client, user, assessment: Assessment) -> bool:
    """Whether ``user`` reads the assessment: its page, and its row on the deliverable's
    page (the two must agree)."""
    relog(client, user)
    response = client.get(f"/assessments/{assessment.id}")
    listed = f'data-assessment="{assessment.id}"' in page(
        client.get(f"/deliverables/{assessment.deliverable_id}"))
    assert (response.status_code == 200) == listed, user.full_name
    assert response.status_code in (200, 404), user.full_name
    return response.status_code == 200


def _second_professional(prog, panel):
    """Another practising professional, sitting: the panel may still decide once the
    first one left it (docs/domain.md, "Review, soutenance and jury")."""
    member = practising_professional(prog.coordinator, panel, email="pro2@asso.example",
                                     first_name="Nathalie", last_name="Roche",
                                     job_title="Cheffe de service")
    jops.declare(member, impartial=True)
    return member


def _release(prog, deliverable, president, pro=None):
    decision = jops.decide(president.user, deliverable, validated=True, reasons="Validé.",
                           agreed_levels=agreed(deliverable))
    for member in jops.unsigned(decision):
        jops.sign(member.user, decision)
    jops.release(prog.coordinator, deliverable)
    return decision


def test_a_removed_jurors_score_stays_within_the_panel(prog, ready, client):  # noqa: F811
    panel, president, pro = _scheduled(prog, ready, past=True)
    pro_score = aops.save_assessment(pro.user, ready, levels=CASE_LEVELS, comments={},
                                     overall_comment="note-du-jure-retire", submit=True)
    chair_score = aops.save_assessment(president.user, ready, levels=CASE_LEVELS,
                                       comments={}, overall_comment=None, submit=True)
    jops.remove_member(prog.coordinator, pro)
    login(client, prog.coordinator.email)
    # neither the authors nor a trainer outside the panel read it, before any release
    for outsider in (prog.p1, prog.p3, prog.trainer):
        assert not can(outsider, "assessment.read", pro_score), outsider.full_name
        assert not _sees(client, outsider, pro_score), outsider.full_name
    # the panel and the coordination still do, shown as withdrawn
    assert _sees(client, prog.coordinator, pro_score)
    assert WITHDRAWN in page(client.get(f"/assessments/{pro_score.id}"))
    assert WITHDRAWN in page(client.get(f"/deliverables/{ready.id}"))
    assert _sees(client, president.user, pro_score)
    jops.open_deliberation(president.user, ready)
    assert _sees(client, president.user, pro_score)
    assert WITHDRAWN in page(client.get(f"/deliverables/{ready.id}"))
    # the panel decides with another practising professional sitting in their place
    _second_professional(prog, panel)
    # once the result is released, the authors read the panel's result, no juror's
    # score (tests/test_released_result.py), the withdrawn one least of all
    _release(prog, ready, president)
    for outsider in (prog.p1, prog.p3, prog.trainer):
        assert not _sees(client, outsider, pro_score), outsider.full_name
        assert not _sees(client, outsider, chair_score), outsider.full_name
        assert "note-du-jure-retire" not in page(client.get(f"/deliverables/{ready.id}"))
    assert _sees(client, president.user, pro_score)
    assert _sees(client, prog.coordinator, pro_score)


def test_what_an_assessment_is_is_written_with_it(prog, make):
    """A trainer's review stays a review when its assessor later sits on the panel; a
    juror's score carries its panel and its round."""
    from coelab.deliverables.operations import start_deliverable

    second = make.user("Seconde", "Formatrice")
    make.member(prog.transversal, second, "trainer")
    case = start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    review = aops.save_assessment(second, case, levels={k: 0 for k in CASE_LEVELS},
                                  comments={}, overall_comment=None, submit=True)
    assert (review.kind, review.panel_id, review.round) == (AssessmentKind.REVIEW, None, None)
    workflow.ready_for_jury(prog.trainer, case)
    panel, president, pro = _scheduled(prog, case, past=True)
    # the second trainer took no review step: she may sit on the panel
    joined = jops.add_member(prog.coordinator, panel, second, PanelRole.MEMBER)
    jops.declare(joined, impartial=True)
    score = aops.save_assessment(pro.user, case, levels=CASE_LEVELS, comments={},
                                 overall_comment=None, submit=True)
    assert (score.kind, score.panel_id, score.round) == (AssessmentKind.JURY, panel.id,
                                                         case.round)
    db.session.expire_all()
    assert db.session.get(Assessment, review.id).kind == AssessmentKind.REVIEW
    # her review stays what it was: the authors read it, the panel does not count it
    assert can(prog.p1, "assessment.read", review)
    jurors, rows = jops.jury_scores(case)
    assert second.id in {m.user_id for m in jurors}
    assert all(row.by_juror[second.id] is None for row in rows)
    assert all(row.by_juror[pro.user_id] == CASE_LEVELS[row.key] for row in rows)


def test_a_withdrawn_score_leaves_the_deliberation_with_an_audit_event(prog, ready, client):  # noqa: F811
    panel, president, pro = _scheduled(prog, ready, past=True)
    pro_score = aops.save_assessment(pro.user, ready, levels={k: 0 for k in CASE_LEVELS},
                                     comments={}, overall_comment=None, submit=True)
    assert not jops.all_scored(ready)
    pro_id = pro.user_id
    jops.remove_member(prog.coordinator, pro)
    db.session.refresh(pro_score)
    assert pro_score.withdrawn_at is not None and pro_score.kind == AssessmentKind.JURY
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "assessment.withdrawn"))
    assert event is not None and event.object_id == pro_score.id
    assert event.after["reason"] == "juror_removed" and event.after["panel"] == panel.id
    # the deliberation counts the sitting jurors' scores only
    jurors, rows = jops.jury_scores(ready)
    assert [m.user_id for m in jurors] == [president.user_id]
    assert all(pro_id not in row.by_juror for row in rows)
    assert not jops.all_scored(ready)
    aops.save_assessment(president.user, ready, levels=CASE_LEVELS, comments={},
                         overall_comment=None, submit=True)
    assert jops.all_scored(ready)
    assert all(row.suggested == CASE_LEVELS[row.key] for row in jops.jury_scores(ready)[1])
    # the jury's view lists it apart, as withdrawn
    assert [a.id for a in jops.withdrawn_scores(ready)] == [pro_score.id]
    login(client, president.user.email)
    text = page(client.get(f"/deliverables/{ready.id}"))
    assert WITHDRAWN in text and pro.user.full_name in text


def test_a_juror_removed_then_added_again_counts_again_once_impartial(prog, ready):  # noqa: F811
    panel, president, pro = _scheduled(prog, ready, past=True)
    pro_user = pro.user
    pro_score = aops.save_assessment(pro_user, ready, levels={k: 0 for k in CASE_LEVELS},
                                     comments={}, overall_comment=None, submit=True)
    jops.remove_member(prog.coordinator, pro)
    again = jops.add_member(prog.coordinator, panel, pro_user, PanelRole.MEMBER,
                            external=True)
    db.session.refresh(pro_score)
    assert pro_score.withdrawn_at is None
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "assessment.reinstated")).object_id == pro_score.id
    # back on the panel, they sit (and their score counts) once impartial again
    assert pro_user.id not in {m.user_id for m in jops.jury_scores(ready)[0]}
    jops.declare(again, impartial=True)
    jurors, rows = jops.jury_scores(ready)
    assert all(row.by_juror[pro_user.id] == 0 for row in rows)
    jops.open_deliberation(president.user, ready)
    _release(prog, ready, president)
    assert can(president.user, "assessment.read", pro_score)
    assert not can(prog.p1, "assessment.read", pro_score)  # the panel's, not the authors'


def test_removing_a_juror_after_the_decision_leaves_their_score_in_it(prog, ready):  # noqa: F811
    """The decision was taken with that score: it stays part of it."""
    panel, president, pro = _scheduled(prog, ready, past=True)
    pro_score = aops.save_assessment(pro.user, ready, levels=CASE_LEVELS, comments={},
                                     overall_comment=None, submit=True)
    jops.open_deliberation(president.user, ready)
    _release(prog, ready, president)
    jops.remove_member(prog.coordinator, pro)
    db.session.refresh(pro_score)
    assert pro_score.withdrawn_at is None
    assert can(president.user, "assessment.read", pro_score)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "assessment.withdrawn")) is None


@pytest.mark.parametrize("state", ["deliberation", "decided"])
def test_the_panel_reads_a_withdrawn_score_the_authors_never_do(prog, ready, state):  # noqa: F811
    panel, president, pro = _scheduled(prog, ready, past=True)
    pro_score = aops.save_assessment(pro.user, ready, levels=CASE_LEVELS, comments={},
                                     overall_comment=None, submit=True)
    aops.save_assessment(president.user, ready, levels=CASE_LEVELS, comments={},
                         overall_comment=None, submit=True)
    jops.open_deliberation(president.user, ready)
    jops.remove_member(prog.coordinator, pro)
    _second_professional(prog, panel)
    if state == "decided":
        jops.decide(president.user, ready, validated=True, reasons="Validé.",
                    agreed_levels=agreed(ready))
    assert can(president.user, "assessment.read", pro_score)
    assert can(prog.coordinator, "assessment.read", pro_score)
    for outsider in (prog.p1, prog.p3, prog.trainer, prog.p2):
        assert not can(outsider, "assessment.read", pro_score)


def test_the_migration_writes_down_what_existing_assessments_are(backend, tmp_path):
    """The backfill of c0re0013: a score by someone who is or was on the deliverable's
    panel is a jury score (withdrawn when they left before the decision); a review made
    during the review stays one, even if its assessor sits on the panel since."""
    from alembic import command
    from coelab import create_app
    from coelab.deliverables.operations import start_deliverable
    from coelab.migrate import alembic_config, upgrade

    from .conftest import Factory, base_config, separate_database
    from .test_deliverables import Programme

    with separate_database(backend, tmp_path, "assessment_kind_backfill") as url:
        app = create_app(base_config(tmp_path, url))
        upgrade(app)
        with app.app_context():
            make = Factory()
            prog = Programme(make)
            second = make.user("Seconde", "Formatrice")
            make.member(prog.transversal, second, "trainer")
            case = start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                                     title="Fusion", team=prog.team_t, details=_partner())
            workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                            statement_accepted=True)
            workflow.start_review(prog.trainer, case)
            review = aops.save_assessment(second, case, levels=CASE_LEVELS, comments={},
                                          overall_comment=None, submit=True)
            workflow.ready_for_jury(prog.trainer, case)
            panel, president, pro = _scheduled(prog, case, past=True)
            jops.declare(jops.add_member(prog.coordinator, panel, second, PanelRole.MEMBER),
                         impartial=True)
            pro_score = aops.save_assessment(pro.user, case, levels=CASE_LEVELS,
                                             comments={}, overall_comment=None, submit=True)
            chair = aops.save_assessment(president.user, case, levels=CASE_LEVELS,
                                         comments={}, overall_comment=None, submit=True)
            jops.remove_member(prog.coordinator, pro)
            ids, panel_id = (review.id, pro_score.id, chair.id), panel.id
            db.session.remove()
            db.engine.dispose()
        with app.app_context():
            command.downgrade(alembic_config(app), "c0re0013-1")
            upgrade(app)
            found = {a.id: (a.kind, a.panel_id, a.round, a.withdrawn)
                     for a in db.session.scalars(select(Assessment))}
            db.session.remove()
            db.engine.dispose()
    assert found == {ids[0]: (AssessmentKind.REVIEW, None, None, False),
                     ids[1]: (AssessmentKind.JURY, panel_id, 1, True),
                     ids[2]: (AssessmentKind.JURY, panel_id, 1, False)}


def test_a_juror_removed_while_saving_their_score_is_refused(prog, ready, monkeypatch):  # noqa: F811
    """The removal commits between the check that the assessor sits on the panel and the
    writing of their score: the score is refused, not left standing by a non-member."""
    panel, president, pro = _scheduled(prog, ready, past=True)
    juror = pro.user
    current_submission = aops.current_submission

    def removed_meanwhile(deliverable):
        monkeypatch.setattr(aops, "current_submission", current_submission)
        jops.remove_member(prog.coordinator, pro)
        return current_submission(deliverable)

    monkeypatch.setattr(aops, "current_submission", removed_meanwhile)
    with pytest.raises(OperationError):
        aops.save_assessment(juror, ready, levels=CASE_LEVELS, comments={},
                             overall_comment=None, submit=True)
    assert db.session.scalar(select(Assessment).where(
        Assessment.assessor_id == juror.id)) is None
