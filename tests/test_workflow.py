"""The review workflow: submission with its statement, rounds of review, the jury's
door; every step checked, recorded and atomic."""

from __future__ import annotations

import threading

import pycrdt
import pytest
from coelab.audit import events_for
from coelab.db import db
from coelab.deliverables import workflow
from coelab.deliverables.models import DeliverableState, Submission, Transition
from coelab.documents.operations import current_markdown
from coelab.documents.rooms import TEXT, UpdateRejected, append, rooms
from coelab.documents.sockets import may_write
from coelab.operations import OperationError
from coelab.policy import can
from sqlalchemy import func, select

from .conftest import csrf_token, login, page, post
from .test_deliverables import relog


def write(user, document, words: str) -> None:
    room = rooms().get(document.id)
    doc = pycrdt.Doc()
    text = doc.get(TEXT, type=pycrdt.Text)
    doc.apply_update(room.doc.get_update())
    before = doc.get_state()
    text += words
    append(room, user, doc.get_update(before), may_write)


def test_submission_freezes_the_exact_text_with_the_statement(prog, case, client, outbox):
    write(prog.p1, case.document, " Analyse finale.")
    login(client, prog.p3.email)
    url = f"/deliverables/{case.id}"
    text = page(client.get(url + "/submit"))
    # the confirmation names every co-author and the statement
    assert prog.p1.full_name in text and prog.p3.full_name in text
    assert "Nous certifions que ce travail est le nôtre" in text
    token = csrf_token(client, url + "/submit")
    authors = f"{prog.p1.id},{prog.p3.id}"
    # without the statement: refused, nothing frozen
    response = post(client, url + "/submit", {"submit-csrf_token": token,
                                              "submit-authors": authors}, token_from=url)
    assert "Cochez la déclaration" in page(response)
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    response = post(client, url + "/submit", {"submit-csrf_token": token,
                                              "submit-authors": authors,
                                              "submit-statement": "y"}, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert case.state == DeliverableState.SUBMITTED and case.round == 1
    submission = db.session.scalar(select(Submission))
    assert submission.version.markdown.endswith(" Analyse finale.")
    assert submission.version.markdown == current_markdown(case.document)
    assert sorted(submission.co_authors) == sorted([prog.p1.full_name, prog.p3.full_name])
    assert "certifions" in submission.statement and submission.submitted_by_id == prog.p3.id
    # the text is read-only for its authors now: an update is refused, never stored
    assert case.document.frozen and not can(prog.p1, "document.write", case.document)
    with pytest.raises(UpdateRejected):
        write(prog.p1, case.document, " Trop tard.")
    assert "Trop tard" not in current_markdown(case.document)
    # the trainer is told
    assert any(m.to == prog.trainer.email and "remis" in m.subject for m in outbox)
    assert [e.action for e in events_for("deliverables", case.id)][0] == "deliverable.submit"
    # submitting again is impossible
    with pytest.raises(OperationError, match="déjà été remis"):
        workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                        statement_accepted=True)


def test_a_changed_team_must_be_confirmed_again(prog, case, make):
    with pytest.raises(OperationError, match="liste des auteurs a changé"):
        workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id],
                        statement_accepted=True)
    assert case.state == DeliverableState.DRAFT and not case.document.frozen


def test_rounds_of_review(prog, case, client, outbox):
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    url = f"/deliverables/{case.id}"
    # trainees cannot review; the trainer can
    login(client, prog.p1.email)
    response = post(client, url + "/review/start_review",
                    {"review-csrf_token": csrf_token(client, url)}, token_from=url)
    assert response.status_code == 403
    relog(client, prog.trainer)
    token = csrf_token(client, url)
    response = post(client, url + "/review/start_review", {"review-csrf_token": token},
                    token_from=url, follow_redirects=True)
    assert "en relecture" in page(response)
    # asking for changes needs a summary
    response = post(client, url + "/review/request_changes", {"review-csrf_token": token},
                    token_from=url, follow_redirects=True)
    assert "Résumez les modifications attendues" in page(response)
    db.session.expire_all()
    assert case.state == DeliverableState.IN_REVIEW
    response = post(client, url + "/review/request_changes",
                    {"review-csrf_token": token, "review-comment": "Étoffez l'analyse."},
                    token_from=url, follow_redirects=True)
    text = page(response)
    assert "modifications demandées" in text and "Étoffez l'analyse." in text
    db.session.expire_all()
    assert case.state == DeliverableState.CHANGES_REQUESTED and not case.document.frozen
    assert any(m.to == prog.p1.email and "Étoffez" in m.body for m in outbox)
    # the authors write again and hand in round 2
    write(prog.p3, case.document, " Analyse étoffée.")
    second = workflow.submit(prog.p3, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                             statement_accepted=True)
    assert second.round == 2 and case.round == 2
    text = page(client.get(url))
    assert "Remise n° 2" in text and "ce qui a changé depuis la remise n° 1" in text
    first = db.session.scalar(select(Submission).where(Submission.round == 1))
    diff = page(client.get(f"/documents/{case.document_id}/diff?from={first.version.number}"
                           f"&to={second.version.number}"))
    assert "Analyse étoffée." in diff
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case, "Bon travail.")
    assert case.state == DeliverableState.READY_FOR_JURY
    assert [t.action for t in workflow.history(case)] == [
        "submit", "start_review", "request_changes", "submit", "start_review",
        "ready_for_jury"]


def test_impossible_steps_give_a_message(prog, case, client):
    url = f"/deliverables/{case.id}"
    with pytest.raises(OperationError, match="maintenant « en cours de rédaction »"):
        workflow.ready_for_jury(prog.trainer, case)
    login(client, prog.trainer.email)
    # the policy does not offer it on a draft: a forged form gets a message, not a 500
    response = post(client, url + "/review/start_review",
                    {"review-csrf_token": csrf_token(client, url)}, token_from=url,
                    follow_redirects=True)
    assert response.status_code == 200 and "Impossible" in page(response)
    assert post(client, url + "/review/nonsense", token_from=url).status_code == 404


def test_concurrent_transitions_give_exactly_one(prog, case, app, backend, make):
    """Two trainers press "Prêt pour le jury" at the same moment; two authors submit at
    the same moment: one step each time, one row, one message of refusal."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    second_trainer = make.user("Second", "Formateur")
    make.member(prog.transversal, second_trainer, "trainer")
    ids = {"case": case.id, "authors": [prog.p1.id, prog.p3.id],
           "trainers": [prog.trainer.id, second_trainer.id]}
    db.session.commit()

    def race(action) -> list[str]:
        barrier, results = threading.Barrier(2), []

        def run(user_id: int) -> None:
            from coelab.deliverables.models import Deliverable
            from coelab.models import User

            with app.app_context():
                user = db.session.get(User, user_id)
                deliverable = db.session.get(Deliverable, ids["case"])
                barrier.wait()
                try:
                    action(user, deliverable)
                    results.append("ok")
                except OperationError:
                    results.append("refused")
                finally:
                    db.session.remove()

        people = ids["authors"] if action is submit else ids["trainers"]
        threads = [threading.Thread(target=run, args=(u,)) for u in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        return sorted(results)

    def submit(user, deliverable):
        workflow.submit(user, deliverable, confirmed_authors=ids["authors"],
                        statement_accepted=True)

    assert race(submit) == ["ok", "refused"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
    workflow.start_review(prog.trainer, case)
    assert race(lambda user, d: workflow.ready_for_jury(user, d)) == ["ok", "refused"]
    actions = db.session.scalars(select(Transition.action)).all()
    assert sorted(actions) == ["ready_for_jury", "start_review", "submit"]
    from coelab.documents.models import DocumentVersion

    assert db.session.scalar(select(func.count()).select_from(DocumentVersion)) == 1


# who may take each review step, in the state it starts from (True: allowed)
STEP_MATRIX = {
    # step: (state it starts from, {role: allowed})
    "submit": ("draft", {"author": True, "teammate": True, "other_trainee": False,
                         "trainer": False, "other_trainer": False, "coordinator": False}),
    "start_review": ("submitted", {"author": False, "teammate": False,
                                   "other_trainee": False, "trainer": True,
                                   "other_trainer": False, "coordinator": True}),
    "request_changes": ("in_review", {"author": False, "teammate": False,
                                      "other_trainee": False, "trainer": True,
                                      "other_trainer": False, "coordinator": True}),
    "ready_for_jury": ("in_review", {"author": False, "teammate": False,
                                     "other_trainee": False, "trainer": True,
                                     "other_trainer": False, "coordinator": True}),
}


def test_every_step_per_role_and_state(prog, case, make):
    """The state machine: each step allowed to its roles from its state only, and
    refused in every other state."""
    other_trainer = make.user("Ailleurs", "Formatrice")
    make.member(prog.thematic, other_trainer, "trainer")
    people = {"author": prog.p1, "teammate": prog.p3, "other_trainee": prog.outsider,
              "trainer": prog.trainer, "other_trainer": other_trainer,
              "coordinator": prog.coordinator}
    for step, (source, allowed) in STEP_MATRIX.items():
        for state in DeliverableState:
            case.state = state
            for role, person in people.items():
                expected = allowed[role] and state.value == source or (
                    step == "submit" and state.value == "changes_requested" and allowed[role])
                assert can(person, f"deliverable.{step}", case) == expected, (step, state, role)
            # and the operation itself refuses a step from any other state
            if state.value != source and not (step == "submit"
                                               and state.value == "changes_requested"):
                actor = prog.p1 if step == "submit" else prog.trainer
                with pytest.raises(OperationError):
                    if step == "submit":
                        workflow.submit(actor, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                                        statement_accepted=True)
                    elif step == "start_review":
                        workflow.start_review(actor, case)
                    elif step == "request_changes":
                        workflow.request_changes(actor, case, "x")
                    else:
                        workflow.ready_for_jury(actor, case)
                db.session.rollback()
                case = db.session.get(type(case), case.id)
