"""Concurrent workflow steps and scoring on PostgreSQL: exactly one outcome, no
duplicate rows (SQLite serialises writers, so these run only on a server database;
see also the races in test_workflow, test_assessments and test_deliverables)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from coelab.assessments import operations as aops
from coelab.assessments.models import Assessment, AssessmentStatus, CohortRubric
from coelab.db import db
from coelab.deliverables import workflow
from coelab.deliverables.models import Deliverable, Submission, Transition
from coelab.documents.models import DocumentVersion
from coelab.jury import operations as jops
from coelab.jury.models import JuryDecision, MinutesSignature
from coelab.models import AuditEvent, User
from coelab.operations import OperationError
from sqlalchemy import func, select

from cohort.framework import load_framework

from .test_assessments import CASE_LEVELS
from .test_deliverables import Programme, _partner
from .test_jury import _scheduled, agreed

ROUNDS = 3  # each race is run several times: one lucky interleaving proves little


@pytest.fixture
def prog(app, make, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    with app.app_context():
        load_framework()
        yield Programme(make)


def start_case(prog) -> Deliverable:
    from coelab.deliverables.operations import start_deliverable

    return start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())


def race(app, deliverable_id: int, actions: list[tuple[int, Callable]]) -> list[str]:
    """Run each (user id, action(user, deliverable)) in a thread of its own, released
    together; return the sorted outcomes ("ok", "refused" or the unexpected error)."""
    db.session.commit()
    barrier, results = threading.Barrier(len(actions)), []

    def run(user_id: int, action) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                deliverable = db.session.get(Deliverable, deliverable_id)
                barrier.wait(10)
                action(user, deliverable)
                results.append("ok")
            except OperationError:
                results.append("refused")
            except Exception as exc:  # noqa: BLE001 - reported, and fails the test
                results.append(f"error: {exc!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=a) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.expire_all()
    return sorted(results)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(action: str) -> int:
    return count(AuditEvent, AuditEvent.action == action)


def submit(user, deliverable):
    authors = sorted(u.id for u in deliverable.team.users)
    workflow.submit(user, deliverable, confirmed_authors=authors, statement_accepted=True)


def test_the_same_author_submitting_twice_at_once_submits_once(app, prog):
    for _ in range(ROUNDS):
        case = start_case(prog)
        assert race(app, case.id, [(prog.p1.id, submit)] * 2) == ["ok", "refused"]
        assert count(Submission, Submission.deliverable_id == case.id) == 1
        assert count(DocumentVersion, DocumentVersion.document_id == case.document_id) == 1
        assert count(Transition, Transition.deliverable_id == case.id) == 1
        db.session.delete(case)  # the next round starts the deliverable again
        db.session.commit()


def test_two_trainers_starting_the_review_at_once_start_it_once(app, prog, make):
    second = make.user("Second", "Formateur")
    make.member(prog.transversal, second, "trainer")
    for _ in range(ROUNDS):
        case = start_case(prog)
        submit(prog.p1, case)
        outcome = race(app, case.id, [(prog.trainer.id, workflow.start_review),
                                      (second.id, workflow.start_review)])
        assert outcome == ["ok", "refused"]
        assert count(Transition, Transition.deliverable_id == case.id,
                     Transition.action == "start_review") == 1
        db.session.refresh(case)
        assert case.state == "in_review"
        db.session.delete(case)
        db.session.commit()


def score(submit_it: bool = True):
    def action(user, deliverable):
        aops.save_assessment(user, deliverable, levels=CASE_LEVELS, comments={},
                             overall_comment="vite", submit=submit_it)
    return action


def test_one_trainer_scoring_twice_at_once_scores_once(app, prog):
    """A double click on "submit" with no draft yet: both requests try to create the
    assessment (and the cohort's copy of the rubric)."""
    for _ in range(ROUNDS):
        case = start_case(prog)
        submit(prog.p1, case)
        workflow.start_review(prog.trainer, case)
        started, submitted = audits("assessment.started"), audits("assessment.submitted")
        assert race(app, case.id, [(prog.trainer.id, score())] * 2) == ["ok", "refused"]
        rows = db.session.scalars(select(Assessment).where(
            Assessment.deliverable_id == case.id)).all()
        assert [r.status for r in rows] == [AssessmentStatus.SUBMITTED]
        assert audits("assessment.started") == started + 1
        assert audits("assessment.submitted") == submitted + 1
        assert count(CohortRubric) == 1 and audits("rubric.copied") == 1
        db.session.delete(case)
        db.session.commit()


def test_two_trainers_scoring_at_once_each_score_once(app, prog, make):
    second = make.user("Second", "Formateur")
    make.member(prog.transversal, second, "trainer")
    for _ in range(ROUNDS):
        case = start_case(prog)
        submit(prog.p1, case)
        workflow.start_review(prog.trainer, case)
        outcome = race(app, case.id, [(prog.trainer.id, score()), (second.id, score()),
                                      (prog.trainer.id, score(False))])
        # the trainer's draft save either came first (then their submit too) or found
        # the assessment already submitted
        assert outcome in (["ok", "ok", "ok"], ["ok", "ok", "refused"])
        rows = db.session.scalars(select(Assessment).where(
            Assessment.deliverable_id == case.id)).all()
        assert sorted(r.assessor_id for r in rows) == sorted([prog.trainer.id, second.id])
        assert {r.status for r in rows} == {AssessmentStatus.SUBMITTED}
        assert count(CohortRubric) == 1 and audits("rubric.copied") == 1
        db.session.delete(case)
        db.session.commit()


@pytest.fixture
def deliberating(prog):
    """A case study at its soutenance, with a panel of two sitting jurors."""
    case = start_case(prog)
    submit(prog.p1, case)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    _panel, president, pro = _scheduled(prog, case, past=True)
    return case, president.user, pro.user


def test_jurors_scoring_at_once(app, prog, deliberating):
    """Two jurors at once, and one of them twice at once: two assessments."""
    case, president, pro = deliberating
    outcome = race(app, case.id, [(president.id, score()), (pro.id, score()),
                                  (pro.id, score())])
    assert outcome == ["ok", "ok", "refused"]
    rows = db.session.scalars(select(Assessment).where(
        Assessment.deliverable_id == case.id)).all()
    assert sorted(r.assessor_id for r in rows) == sorted([president.id, pro.id])
    assert {r.status for r in rows} == {AssessmentStatus.SUBMITTED}
    assert audits("assessment.submitted") == 2
    # the president hears once that the scoring is complete
    from coelab.notifications.models import Notification

    assert count(Notification, Notification.user_id == president.id,
                 Notification.subject.startswith("Notation terminée")) == 1


def test_one_decision_and_one_signature_each_however_often_pressed(app, prog, deliberating):
    case, president, pro = deliberating
    for juror in (president, pro):
        aops.save_assessment(juror, case, levels=CASE_LEVELS, comments={},
                             overall_comment=None, submit=True)
    jops.open_deliberation(president, case)
    levels = agreed(case)

    def decide(user, deliverable):
        jops.decide(user, deliverable, validated=True, reasons="Validé.",
                    agreed_levels=levels)

    assert race(app, case.id, [(president.id, decide)] * 2) == ["ok", "refused"]
    assert count(JuryDecision, JuryDecision.deliverable_id == case.id) == 1
    assert count(Transition, Transition.deliverable_id == case.id,
                 Transition.action == "decide") == 1

    def sign(user, deliverable):
        jops.sign(user, jops.decision_of(deliverable))

    outcome = race(app, case.id, [(president.id, sign), (president.id, sign),
                                  (pro.id, sign)])
    assert outcome == ["ok", "ok", "refused"]
    assert sorted(db.session.scalars(select(MinutesSignature.user_id))) == sorted(
        [president.id, pro.id])


def test_the_president_hears_once_that_the_scoring_is_complete(app, prog, deliberating,
                                                               monkeypatch):
    """The last two jurors submit at the same moment: their transactions are held
    together just before they commit, so that each could believe it is the last one.
    Exactly one "scoring complete" notification must reach the president."""
    from coelab.notifications.models import Notification

    case, president, pro = deliberating
    for juror in (president, pro):  # drafts saved earlier (the first save locks the rubric)
        aops.save_assessment(juror, case, levels={}, comments={}, overall_comment=None)
    together = threading.Barrier(2)
    original = aops.record

    def record(action, *args, **kwargs):
        event = original(action, *args, **kwargs)
        if action == "assessment.submitted":
            together.wait(10)
        return event

    monkeypatch.setattr(aops, "record", record)
    assert race(app, case.id, [(president.id, score()), (pro.id, score())]) == ["ok", "ok"]
    assert count(Notification, Notification.user_id == president.id,
                 Notification.subject.startswith("Notation terminée")) == 1
