"""What a candidate may do while a commission sitting has their application
(cohort/admissions/rules.py, may_withdraw and may_delete): the same whether the
commission has decided or not, so that no button and no answer tells them a decision
before the sitting's list is closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from coelab.db import db
from coelab.operations import OperationError
from coelab.policy import can

from cohort.admissions import candidacy
from cohort.admissions import commission as commission_ops
from cohort.admissions.models import ApplicationState, CommissionRole, Interview

from .conftest import login, page, post
from .test_admission_pipeline import World

A = ApplicationState


@pytest.fixture
def world(app, make) -> World:
    return World(make)


def before_sitting(world, first: str):
    application = world.application(state=A.INTERVIEWED, first=first)
    db.session.add(Interview(application_id=application.id, interviewer_id=world.trainer.id,
                             starts_at=datetime.now(UTC) - timedelta(days=2)))
    db.session.commit()
    return application


@pytest.fixture
def sitting(world):
    sitting = commission_ops.create_commission(
        world.coordinator, campaign=world.campaign,
        sits_at=datetime.now(UTC) + timedelta(days=3), place="Martigues",
        chair=world.coordinator, chair_role=CommissionRole.PROGRAMME_LEAD)
    director = world.make.user("Diane", "Directrice")
    commission_ops.add_member(world.coordinator, sitting, user=director,
                              role=CommissionRole.DIRECTOR)
    return sitting


def answers(app, application) -> tuple:
    """What the candidate meets: the rules, the withdraw page, its post."""
    client = app.test_client()
    login(client, application.candidate.email)
    url = f"/admissions/applications/{application.id}/withdraw"
    html = page(client.get(url))
    response = post(client, url, {"reason": ""}, token_from=url)
    after = page(client.get(response.headers.get("Location", url)))
    return (can(application.candidate, "admission.withdraw", application),
            can(application.candidate, "admission.delete", application),
            "entre les mains de la commission" in html,
            "entre les mains de la commission" in after)


def test_undecided_and_decided_look_the_same_to_the_candidate(app, world, sitting):
    waiting = before_sitting(world, "Agathe")
    refused = before_sitting(world, "Bruno")
    kept = before_sitting(world, "Chloé")
    for application in (waiting, refused, kept):
        commission_ops.place(world.coordinator, application, sitting)
    commission_ops.decide(world.coordinator, refused, A.REFUSED, reason="Trop tôt.")
    commission_ops.decide(world.coordinator, kept, A.WAITING_LIST)
    seen = {answers(app, a) for a in (waiting, refused, kept)}
    assert seen == {(False, False, True, True)}
    for application in (waiting, refused, kept):
        db.session.refresh(application)
    assert (waiting.state, refused.state, kept.state) == (
        A.BEFORE_COMMISSION, A.REFUSED, A.WAITING_LIST)
    # nor through the operation
    with pytest.raises(OperationError, match="entre les mains de la commission"):
        candidacy.withdraw(kept.candidate, kept)


def test_once_the_list_is_closed_the_candidate_acts_on_the_decision(app, world, sitting):
    refused = before_sitting(world, "Bruno")
    kept = before_sitting(world, "Chloé")
    for application in (refused, kept):
        commission_ops.place(world.coordinator, application, sitting)
    commission_ops.decide(world.coordinator, refused, A.REFUSED, reason="Trop tôt.")
    commission_ops.decide(world.coordinator, kept, A.WAITING_LIST)
    commission_ops.close(world.coordinator, sitting)
    for application in (refused, kept):
        db.session.refresh(application)
    assert can(kept.candidate, "admission.withdraw", kept)
    assert not can(refused.candidate, "admission.withdraw", refused)
    assert can(refused.candidate, "admission.delete", refused)
    candidacy.withdraw(kept.candidate, kept)
    assert kept.state == A.WITHDRAWN


def test_the_coordination_withdraws_for_a_candidate_before_the_commission(world, sitting):
    application = before_sitting(world, "Agathe")
    commission_ops.place(world.coordinator, application, sitting)
    assert can(world.coordinator, "admission.withdraw", application)
    candidacy.withdraw(world.coordinator, application, reason="Demande par téléphone.")
    assert application.state == A.WITHDRAWN
