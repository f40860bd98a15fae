"""Kinds declare their assessment route (issue 15, point 2): the mini-diagnostic, of
which the programme asks only the production, is judged on the written work alone. Its
panel examines the frozen version, decides, signs the minutes, and the coordination
releases the result: no soutenance is ever scheduled, no calendar file, no soutenance
notice. The soutenance route's steps are refused on it, and the written route's step
on a kind defended before its panel (docs/domain.md, "Review, soutenance and jury")."""

from __future__ import annotations

import re

import pytest
from coelab.assessments import operations as aops
from coelab.audit import events_for
from coelab.db import db
from coelab.deliverables import workflow
from coelab.deliverables.models import Deliverable, DeliverableState, Transition
from coelab.deliverables.operations import start_deliverable
from coelab.deliverables.steps import SOUTENANCE, WRITTEN, route_of
from coelab.jury import operations as jops
from coelab.jury.models import Soutenance
from coelab.notifications.models import Notification
from coelab.operations import OperationError
from coelab.plugins import registry
from coelab.policy import can
from sqlalchemy import select, update

from .conftest import (
    csrf_token,
    declared_panel,
    login,
    page,
    post,
    practising_professional,
)
from .test_deliverables import _partner, relog

MINI_DETAILS = {"organisation_name": "IME Les Oliviers (fictif)",
                "organisation_sector": "medico_social", "organisation_size": "10_49",
                "issue": "Tracer l'accompagnement sans alourdir le travail des équipes."}


@pytest.fixture
def mini(prog):
    """p2's mini-diagnostic, handed in, reviewed by the cohort's trainer, ready for its
    jury."""
    diagnostic = start_deliverable(prog.p2, prog.thematic, "mini_diagnostic",
                                   title="Mon IME face à la traçabilité", owner=prog.p2,
                                   details=MINI_DETAILS)
    workflow.submit(prog.p2, diagnostic, confirmed_authors=[prog.p2.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, diagnostic)
    workflow.ready_for_jury(prog.trainer, diagnostic)
    return diagnostic


def _panel(prog, deliverable, cohort):
    return declared_panel(prog, deliverable, cohort, "Jury sur l'écrit")


def _levels(deliverable, rank: int = 2) -> dict[str, int]:
    kind = registry().kind(deliverable.kind)
    return {c["key"]: rank for c in aops.rubric_criteria(deliverable.cohort, kind)}


def _jury_section(html: str) -> str:
    """The jury's section of a deliverable's page."""
    start = html.index('aria-labelledby="jury-title"')
    return html[start:html.index("</section>", start)]


def _jury_steps(user, deliverable) -> list[str]:
    return [s.name for s in workflow.available_steps(user, deliverable, "jury")]


def test_the_kinds_declare_their_route(app):
    kinds = registry().kinds
    assert kinds["mini_diagnostic"].soutenance is False
    for name in ("collective_case_study", "thematic_case_study", "recommendation_collection"):
        assert kinds[name].soutenance is True, name


def test_the_mini_diagnostic_is_decided_signed_and_released_on_its_written_work(
        prog, mini, client, outbox):
    assert route_of(mini) == WRITTEN
    panel, president, pro = _panel(prog, mini, prog.thematic)
    # the page offers the written route's step only: no soutenance to schedule
    assert _jury_steps(prog.coordinator, mini) == ["open_examination"]
    assert not can(prog.coordinator, "deliverable.schedule_soutenance", mini)
    login(client, prog.coordinator.email)
    panel_page = page(client.get(f"/juries/{panel.id}"))
    assert f"/deliverables/{mini.id}/jury/examination" in panel_page
    assert f"/deliverables/{mini.id}/soutenance" not in panel_page
    url = f"/deliverables/{mini.id}"
    for person in (prog.coordinator, prog.other_trainer, prog.p2):
        relog(client, person)
        assert "soutenance" not in _jury_section(page(client.get(url))).lower()
    # the president opens the examination from the deliverable's page
    relog(client, prog.other_trainer)
    assert "Ouvrir l'examen du travail écrit" in page(client.get(url))
    response = post(client, url + "/jury/examination", token_from=url, follow_redirects=True)
    assert "L'examen du travail écrit est ouvert" in page(response)
    db.session.expire_all()
    assert mini.state == DeliverableState.DELIBERATION
    # the sitting members are told, by the step's notice (never a soutenance's)
    for person in (prog.other_trainer, pro.user):
        assert db.session.scalar(select(Notification.id).where(
            Notification.user_id == person.id,
            Notification.subject == f"Travail écrit à examiner : {mini.title}"))
    # each juror scores the frozen version on their own
    pro_score = aops.save_assessment(pro.user, mini, levels=_levels(mini, 1), comments={},
                                     overall_comment="Diagnostic à étayer.", submit=True)
    assert not can(prog.other_trainer, "assessment.read", pro_score)
    assert "soutenance" not in _jury_section(page(client.get(url))).lower()
    # the decision waits for every sitting juror's score
    assert "Enregistrer la décision" not in page(client.get(url))
    with pytest.raises(OperationError, match="il manque la note de Autre Formateur"):
        jops.decide(prog.other_trainer, mini, validated=True, reasons="Diagnostic solide.",
                    agreed_levels=_levels(mini))
    aops.save_assessment(prog.other_trainer, mini, levels=_levels(mini, 3), comments={},
                         overall_comment=None, submit=True)
    assert can(prog.other_trainer, "assessment.read", pro_score)
    text = page(client.get(url))
    assert "Enregistrer la décision" in text and "soutenance" not in _jury_section(
        text).lower()
    response = post(client, url + "/jury/decision", {
        "decision-csrf_token": csrf_token(client, url), "decision-outcome": "validated",
        "decision-reasons": "Diagnostic solide et situé.",
        **{f"agreed-{key}": "2" for key in _levels(mini)}}, token_from=url,
        follow_redirects=True)
    assert "Décision enregistrée" in page(response)
    db.session.expire_all()
    assert mini.state == DeliverableState.DECIDED
    decision = jops.decision_of(mini)
    jops.sign(prog.other_trainer, decision)
    jops.sign(pro.user, decision)
    jops.release(prog.coordinator, mini)
    db.session.expire_all()
    assert mini.state == DeliverableState.RELEASED
    # the author reads the result, with no word of a soutenance in the jury's section
    relog(client, prog.p2)
    text = page(client.get(url))
    assert "Diagnostic solide et situé." in text
    assert "soutenance" not in _jury_section(text).lower()
    assert "Examen du travail écrit" in _minutes_text(client, mini)
    # no soutenance was ever scheduled: no row, no calendar file, no notice, no step
    assert db.session.scalar(select(Soutenance.id)) is None
    assert client.get(url + "/soutenance.ics").status_code == 404
    assert not db.session.scalar(select(Notification.id).where(
        Notification.subject.ilike("%soutenance%")))
    assert not [m for m in outbox if "soutenance" in m.subject.lower()]
    steps = list(db.session.scalars(select(Transition.action).where(
        Transition.deliverable_id == mini.id).order_by(Transition.id)))
    assert steps == ["submit", "start_review", "ready_for_jury", "open_examination",
                     "decide", "release"]
    assert not [e for e in events_for("deliverables", mini.id)
                if "soutenance" in e.action]


def _minutes_text(client, deliverable) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    response = client.get(f"/deliverables/{deliverable.id}/jury/minutes.pdf")
    assert response.status_code == 200
    return " ".join("\n".join(p.extract_text() for p in PdfReader(
        BytesIO(response.data)).pages).split())


def test_the_soutenance_steps_are_refused_on_the_written_route(prog, mini, client):
    from datetime import UTC, datetime, timedelta

    panel, president, pro = _panel(prog, mini, prog.thematic)
    with pytest.raises(OperationError, match="jugé sur le travail écrit seul"):
        jops.schedule(prog.coordinator, mini, starts_at=datetime.now(UTC) + timedelta(days=7),
                      duration_minutes=45, place="Martigues, salle 2")
    with pytest.raises(OperationError, match="jugé sur le travail écrit seul"):
        jops.open_deliberation(prog.other_trainer, mini)
    # the move itself refuses a step of the other route, whatever calls it
    with pytest.raises(OperationError, match="jugé sur le travail écrit seul"):
        workflow.move(prog.coordinator, mini, "schedule_soutenance")
    db.session.rollback()
    # through the pages: told why, nothing scheduled
    login(client, prog.coordinator.email)
    back = f"/juries/{panel.id}"
    response = post(client, f"{back}/deliverables/{mini.id}/soutenance", {
        "schedule-csrf_token": csrf_token(client, back),
        "schedule-starts_at": "2027-02-12T14:30", "schedule-duration": "45",
        "schedule-place": "Martigues"}, token_from=back, follow_redirects=True)
    assert response.status_code == 200
    assert "jugé sur le travail écrit seul" in page(response)
    db.session.expire_all()
    assert mini.state == DeliverableState.READY_FOR_JURY
    assert db.session.scalar(select(Soutenance.id)) is None
    jops.open_examination(prog.coordinator, mini)  # the coordination may open it too
    assert not can(prog.coordinator, "deliverable.open_deliberation", mini)
    url = f"/deliverables/{mini.id}"
    response = post(client, url + "/jury/deliberation", token_from=url, follow_redirects=True)
    assert "jugé sur le travail écrit seul" in page(response)


def test_the_written_step_is_refused_on_a_kind_defended_before_its_panel(prog, client):
    case = start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    assert route_of(case) == SOUTENANCE
    _panel(prog, case, prog.transversal)
    assert _jury_steps(prog.coordinator, case) == ["schedule_soutenance"]
    assert not can(prog.coordinator, "deliverable.open_examination", case)
    with pytest.raises(OperationError, match="soutenu devant le jury"):
        jops.open_examination(prog.coordinator, case)
    with pytest.raises(OperationError, match="soutenu devant le jury"):
        jops.open_examination(prog.other_trainer, case)
    login(client, prog.coordinator.email)
    url = f"/deliverables/{case.id}"
    assert f"{url}/jury/examination" not in page(client.get(url))
    response = post(client, url + "/jury/examination", token_from=url, follow_redirects=True)
    assert response.status_code == 200 and "soutenu devant le jury" in page(response)
    db.session.expire_all()
    assert case.state == DeliverableState.READY_FOR_JURY
    # a trainee is refused the step outright
    relog(client, prog.p1)
    assert post(client, url + "/jury/examination", token_from=url).status_code == 403


def test_the_examination_needs_its_panel_and_its_people(prog, mini, client):
    with pytest.raises(OperationError, match="Confiez d'abord"):
        jops.open_examination(prog.coordinator, mini)
    panel, president, pro = _panel(prog, mini, prog.thematic)
    # a juror who does not preside does not open it
    with pytest.raises(OperationError, match="président"):
        jops.open_examination(pro.user, mini)
    login(client, pro.user.email)
    url = f"/deliverables/{mini.id}"
    assert "/jury/examination" not in page(client.get(url))
    assert post(client, url + "/jury/examination", token_from=url).status_code == 403
    db.session.expire_all()
    assert mini.state == DeliverableState.READY_FOR_JURY


def test_a_juror_who_declares_once_the_examination_is_open_is_told(prog, mini, make):
    panel, president, pro = _panel(prog, mini, prog.thematic)
    jops.open_examination(president.user, mini)
    late = practising_professional(prog.coordinator, panel, email="late@asso.example",
                                   first_name="Léa", last_name="Tardive")
    subject = f"Travail écrit à examiner : {mini.title}"

    def told(user) -> bool:
        return db.session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.subject == subject)) is not None

    assert not told(late.user)
    jops.declare(late, impartial=True)
    assert told(late.user)
    # they score it; the decision then waits for their score too
    with pytest.raises(OperationError, match="Léa Tardive"):
        for juror in (president.user, pro.user):
            aops.save_assessment(juror, mini, levels=_levels(mini), comments={},
                                 overall_comment=None, submit=True)
        jops.decide(president.user, mini, validated=True, reasons="Validé.",
                    agreed_levels=_levels(mini))
    aops.save_assessment(late.user, mini, levels=_levels(mini), comments={},
                         overall_comment=None, submit=True)
    decision = jops.decide(president.user, mini, validated=True, reasons="Validé.",
                           agreed_levels=_levels(mini))
    assert decision.outcome.value == "validated"


def test_the_diagram_shows_each_steps_route(app):
    from coelab.deliverables.steps import STEPS, diagram

    text = diagram()
    assert re.search(r"ready_for_jury --> deliberation: open_examination \(president_or_staff, "
                     r"written route\)", text)
    assert "schedule_soutenance (staff, soutenance route)" in text
    assert {s.route for s in STEPS.values()} == {None, SOUTENANCE, WRITTEN}


def test_a_written_work_scheduled_before_its_route_existed_can_still_be_examined(
        prog, mini):
    """A mini-diagnostic given a soutenance before the written route existed (its state
    soutenance_scheduled in an upgraded database) is not stuck: its president opens the
    examination from there."""
    panel, president, _pro = _panel(prog, mini, prog.thematic)
    db.session.execute(update(Deliverable).where(Deliverable.id == mini.id)
                       .values(state=DeliverableState.SOUTENANCE_SCHEDULED))
    db.session.commit()
    db.session.expire_all()
    assert _jury_steps(president.user, mini) == ["open_examination"]
    jops.open_examination(president.user, mini)
    db.session.expire_all()
    assert mini.state == DeliverableState.DELIBERATION
