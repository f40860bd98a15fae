"""Queries per page of the admissions (issue 18; docs/architecture.md, "Queries per
page"): a sitting's page, its minutes and its lists, and an application's page ask a
number of queries that does not grow with the applications, decisions, interviewers or
steps they show; and what the admission rules read once per request
(cohort/admissions/rules.py) is read again after a write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from coelab.db import db
from coelab.memo import remember
from sqlalchemy import select

from cohort.admissions import commission as cm
from cohort.admissions.models import (
    Application,
    ApplicationState,
    ApplicationTransition,
    Commission,
    CommissionMember,
    CommissionRole,
)
from cohort.admissions.rules import is_commission_member, is_interviewer

from .test_admission_commission import Sitting, client_of
from .test_query_budget import BUDGET
from .test_work_queues_budget import counted

A = ApplicationState


@pytest.fixture
def s(app, make) -> Sitting:
    return Sitting(make)


def _sitting(s: Sitting, n: int, days: int) -> Commission:
    """A sitting composed as the programme asks, with ``n`` applications decided, each
    interviewed by a person of its own, one decision corrected."""
    commission = cm.create_commission(
        s.coordinator, campaign=s.campaign, sits_at=s.sits_at + timedelta(days=days),
        place="Istres", chair=s.lead, chair_role=CommissionRole.PROGRAMME_LEAD)
    cm.add_member(s.coordinator, commission, user=s.director, role=CommissionRole.DIRECTOR)
    cm.add_member(s.coordinator, commission, user=s.rep, role=CommissionRole.PARTNER,
                  partner=s.partner)
    for i in range(n):
        application = s.application(f"Candidat{days}x{i}", derogation=(
            ("experience",) if i % 3 == 2 else ()))
        application.interview.interviewer_id = s.make.user(f"Jury{days}x{i}").id
        db.session.commit()
        cm.place(s.coordinator, application, commission)
        outcome = (A.ADMITTED_DEROGATION if i % 3 == 2 else
                   A.ADMITTED if i % 2 else A.REFUSED)
        cm.decide(s.lead, application, outcome, "Motif de la commission.")
        if i == 0:
            cm.revise(s.lead, application, A.WAITING_LIST, "Correction de la présidence.")
    return commission


def _queries(client, path: str) -> int:
    client.get(path)  # what a process reads once is read now
    with counted() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def _counts(app, s: Sitting, commission: Commission, paths: list[str]) -> dict:
    out = {}
    for person in (s.coordinator, s.lead, s.director, s.rep):
        client = client_of(app, person)
        for path in paths:
            out[(person.full_name, path)] = _queries(
                client, f"/admissions/commissions/{commission.id}{path}")
    return out


def test_a_sitting_and_its_files_ask_a_fixed_number_of_queries(app, s):
    small, large = _sitting(s, 2, 1), _sitting(s, 6, 2)
    open_paths = ["", "/proces-verbal.pdf"]
    assert _counts(app, s, small, open_paths) == _counts(app, s, large, open_paths)
    cm.close(s.lead, small)
    cm.close(s.lead, large)
    closed_paths = ["", "/proces-verbal.pdf", "/liste-admis.pdf", "/liste-admis.csv"]
    found = _counts(app, s, large, closed_paths)
    assert _counts(app, s, small, closed_paths) == found
    assert max(found.values()) <= BUDGET, found


def test_an_application_page_asks_a_fixed_number_of_queries(app, s):
    few = _sitting(s, 1, 1)
    application = db.session.scalar(select(Application).where(
        Application.commission_id == few.id))
    path = f"/admissions/applications/{application.id}"
    before = {p.full_name: _queries(client_of(app, p), path)
              for p in (s.coordinator, s.director, application.candidate)}
    # more steps, each taken by a person of its own
    for i in range(4):
        db.session.add(ApplicationTransition(
            application_id=application.id, action="revise_decision",
            from_state=A.WAITING_LIST, to_state=A.WAITING_LIST, comment=f"Étape {i}",
            actor_id=s.make.user(f"Acteur{i}").id))
    db.session.commit()
    after = {p.full_name: _queries(client_of(app, p), path)
             for p in (s.coordinator, s.director, application.candidate)}
    assert after == before
    assert max(after.values()) <= BUDGET, after


def test_what_the_rules_read_once_is_read_again_after_a_write(app, s):
    application = s.before()
    other = s.make.user("Iris", "Entretien")
    member = db.session.scalar(select(CommissionMember).where(
        CommissionMember.commission_id == s.commission.id,
        CommissionMember.user_id == s.director.id))
    with app.test_request_context():
        remember()
        assert is_interviewer(s.coordinator, application)
        assert not is_interviewer(other, application)
        assert is_commission_member(s.director, s.commission)
        application.interview.interviewer_id = other.id
        db.session.commit()
        assert not is_interviewer(s.coordinator, application)
        assert is_interviewer(other, application)
        cm.remove_member(s.coordinator, member)
        assert not is_commission_member(s.director, s.commission)
