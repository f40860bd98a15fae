"""What the admissions add to the core's pages (cohort/admissions/hooks.py): the
coordination's counts in "À traiter", the interviewer's and the chair's lines, the
candidate's section on their dashboard, the header links for visitors and for each
role; with a number of queries that does not grow with the applications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from coelab.db import db, transaction
from sqlalchemy import event

from cohort.admissions import commission as commission_ops
from cohort.admissions import interviews, workflow
from cohort.admissions.models import ApplicationState, CommissionRole, Interview

from .conftest import login, page
from .test_admission_pipeline import World

A = ApplicationState


@pytest.fixture
def world(app, make) -> World:
    return World(make)


def test_visitors_see_the_campaign_link_in_the_header(client, world):
    html = page(client.get("/login"))
    assert "Candidater à la formation" in html
    assert 'href="/admissions/"' in html


def test_the_coordination_counts_what_waits_for_it_by_state(client, world):
    for _ in range(3):
        world.application(state=A.SUBMITTED)
    world.application(state=A.COMPLETE)
    world.application(state=A.INTERVIEWED)
    world.application(state=A.DRAFT)  # the candidate's work, not the coordination's
    login(client, world.coordinator.email)
    html = page(client.get("/dashboard"))
    assert "3 candidatures déposées : vérifier que les dossiers sont complets" in html
    assert "1 dossier complet : programmer l'entretien" in html
    assert "1 entretien réalisé : présenter la candidature à la commission" in html
    assert "brouillon" not in html.split("À traiter")[1].split("</section>")[0]
    assert f"/admissions/pipeline?state=submitted&amp;campaign={world.campaign.id}" in (
        client.get("/dashboard").get_data(as_text=True))
    assert ">Candidatures<" in html  # the header link to the pipeline


def test_the_interviewer_and_the_chair_see_their_own_work(app, client, world):
    application = world.application(state=A.COMPLETE)
    interviews.schedule(world.coordinator, application, interviewer=world.trainer,
                        starts_at=datetime.now(UTC) + timedelta(days=3), duration_minutes=60,
                        place="Martigues, bureau 4")
    login(client, world.trainer.email)
    html = page(client.get("/dashboard"))
    assert "Entretien d'admission avec Camille" in html
    assert "compte rendu à rédiger" in html

    before = world.application(state=A.INTERVIEWED, first="Bruno")
    db.session.add(Interview(application_id=before.id, interviewer_id=world.trainer.id,
                             starts_at=datetime.now(UTC) - timedelta(days=3)))
    db.session.commit()
    sitting = commission_ops.create_commission(
        world.coordinator, campaign=world.campaign,
        sits_at=datetime.now(UTC) + timedelta(days=10), place="Martigues",
        chair=world.coordinator2, chair_role=CommissionRole.PROGRAMME_LEAD)
    commission_ops.place(world.coordinator, before, sitting)
    second = app.test_client()
    login(second, world.coordinator2.email)
    html = page(second.get("/dashboard"))
    assert "1 candidature à statuer" in html
    assert f"/admissions/commissions/{sitting.id}" in html


def test_the_candidate_follows_their_application_on_their_dashboard(client, world):
    application = world.application(state=A.DRAFT)
    login(client, application.candidate.email)
    html = page(client.get("/dashboard"))
    assert "Ma candidature" in html
    assert "Compléter mon dossier" in html
    assert "brouillon" in html
    with transaction():
        workflow.move(application.candidate, application, "submit")
    html = page(client.get("/dashboard"))
    assert "Suivre ma candidature" in html
    assert "vérifie que votre dossier est complet" in html


def test_a_decision_of_an_open_sitting_is_not_told_to_the_candidate(client, world):
    application = world.application(state=A.INTERVIEWED)
    sitting = commission_ops.create_commission(
        world.coordinator, campaign=world.campaign,
        sits_at=datetime.now(UTC) + timedelta(days=10), place="Martigues",
        chair=world.coordinator, chair_role=CommissionRole.PROGRAMME_LEAD)
    commission_ops.place(world.coordinator, application, sitting)
    # a decision recorded while the sitting is open: the candidate still reads "before
    # the commission"
    application.state = A.REFUSED
    db.session.commit()
    login(client, application.candidate.email)
    html = page(client.get("/dashboard"))
    assert "devant la commission" in html
    assert "refus" not in html.lower()


def test_the_coordination_dashboard_asks_a_fixed_number_of_queries(app, client, world):
    def count_queries() -> int:
        statements = []

        def on_execute(*_args):
            statements.append(1)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            assert client.get("/dashboard").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
        return len(statements)

    login(client, world.coordinator.email)
    for _ in range(3):
        world.application(state=A.SUBMITTED)
    few = count_queries()
    for _ in range(30):
        world.application(state=A.COMPLETE)
    many = count_queries()
    assert many == few
