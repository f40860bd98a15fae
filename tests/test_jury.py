"""Juries: composing a panel, conflicts of interest, external professionals,
impartiality before access, soutenance scheduling and its calendar file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from coelab.db import db
from coelab.deliverables import workflow
from coelab.deliverables.models import DeliverableState
from coelab.jury import operations as jops
from coelab.jury.models import Impartiality, PanelRole
from coelab.models import User
from coelab.operations import OperationError
from coelab.policy import can
from sqlalchemy import select

from .conftest import (
    csrf_token,
    declared_panel,
    login,
    page,
    post,
    practising_professional,
    programme_trainer,
)
from .test_deliverables import _partner, relog


@pytest.fixture
def ready(prog):
    """A case study reviewed by the cohort's trainer and ready for its jury."""
    from coelab.deliverables.operations import start_deliverable

    case = start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                             title="Fusion", team=prog.team_t, details=_partner())
    workflow.submit(prog.p1, case, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, case)
    workflow.ready_for_jury(prog.trainer, case)
    return case


def test_panel_composition_and_conflicts(prog, ready, make):
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury du 12 février")
    jops.assign(prog.coordinator, panel, ready)
    # authors, supervisors and trainees of the cohort cannot sit
    with pytest.raises(OperationError, match="auteur·rice"):
        jops.add_member(prog.coordinator, panel, prog.p1, PanelRole.MEMBER)
    with pytest.raises(OperationError, match="a encadré"):
        jops.add_member(prog.coordinator, panel, prog.trainer, PanelRole.PRESIDENT)
    with pytest.raises(OperationError, match="stagiaire de la cohorte"):
        jops.add_member(prog.coordinator, panel, prog.outsider, PanelRole.MEMBER)
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    with pytest.raises(OperationError, match="déjà un·e président·e"):
        jops.add_member(prog.coordinator, panel, make.user("Autre"), PanelRole.PRESIDENT)
    # a panel with the supervisor on it cannot take the work either
    other = jops.create_panel(prog.coordinator, prog.transversal, "Autre jury")
    jops.add_member(prog.coordinator, other, prog.trainer, PanelRole.MEMBER)
    with pytest.raises(OperationError, match="déjà confié"):
        jops.assign(prog.coordinator, other, ready)


def test_external_professional_sees_only_after_declaring(prog, ready, client, outbox):
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury")
    jops.assign(prog.coordinator, panel, ready)
    login(client, prog.coordinator.email)
    url = f"/juries/{panel.id}"
    response = post(client, url + "/externals", {
        "external-csrf_token": csrf_token(client, url), "external-email": "pro@asso.example",
        "external-first_name": "Rachid", "external-last_name": "Amrani",
        "external-job_title": "Directeur adjoint",
        "external-organisation": "ITEP Les Pins (fictif)"}, token_from=url,
        follow_redirects=True)
    assert "Invitation envoyée" in page(response)
    pro = db.session.scalar(select(User).where(User.email == "pro@asso.example"))
    assert pro is not None and not pro.active and not pro.memberships
    assert (pro.job_title, pro.organisation) == ("Directeur adjoint", "ITEP Les Pins (fictif)")
    assert any(m.to == "pro@asso.example" and "invitation" in m.subject.lower()
               for m in outbox)
    # before the declaration the work stays out of sight
    pro.active = True
    from coelab.operations import change_password  # noqa: F401 - the account is real

    db.session.commit()
    assert not can(pro, "deliverable.read", ready)
    member = jops.member_of(pro, panel)
    with pytest.raises(OperationError, match="raison"):
        jops.declare(member, impartial=False)
    jops.declare(member, impartial=True)
    assert member.impartiality == Impartiality.ACCEPTED
    assert can(pro, "deliverable.read", ready) and can(pro, "document.read", ready.document)
    assert not can(pro, "document.write", ready.document)
    # nothing else of the programme: another deliverable, the cohort
    assert not can(pro, "cohort.view", prog.transversal)


def test_a_decline_tells_the_coordination(prog, ready, outbox):
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury")
    member = jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.MEMBER)
    jops.declare(member, impartial=False, reason="J'ai travaillé avec la structure partenaire.")
    assert member.impartiality == Impartiality.DECLINED
    assert any(m.to == prog.coordinator.email and "récuse" in m.subject for m in outbox)
    with pytest.raises(OperationError, match="déjà enregistrée"):
        jops.declare(member, impartial=True)


def test_the_header_links_follow_a_new_seat_and_its_removal(prog, ready, client):
    """The header's links are kept between pages (coelab/frame.py): a seat given or
    taken away (a write) shows in the next page's header."""
    login(client, prog.other_trainer.email)
    assert "Mes jurys" not in page(client.get("/profile"))
    assert "Mes jurys" not in page(client.get("/profile"))  # kept, still right
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury")
    member = jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.MEMBER)
    assert "Mes jurys" in page(client.get("/profile"))
    jops.remove_member(prog.coordinator, member)
    assert "Mes jurys" not in page(client.get("/profile"))


def test_declaration_and_access_through_the_pages(prog, ready, client):
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury")
    jops.assign(prog.coordinator, panel, ready)
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    login(client, prog.other_trainer.email)
    assert "Mes jurys" in page(client.get("/dashboard"))
    url = f"/juries/{panel.id}"
    text = page(client.get(url))
    assert "Déclaration d'impartialité" in text
    assert client.get(f"/deliverables/{ready.id}").status_code == 404
    response = post(client, url + "/declaration", {
        "declare-csrf_token": csrf_token(client, url), "declare-decision": "accept"},
        token_from=url, follow_redirects=True)
    assert "Votre déclaration est enregistrée" in page(response)
    assert client.get(f"/deliverables/{ready.id}").status_code == 200
    # someone outside the panel does not even see it
    relog(client, prog.p2)
    assert client.get(url).status_code == 404


def test_soutenance_scheduling_and_calendar(prog, ready, client, outbox):
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury")
    jops.assign(prog.coordinator, panel, ready)
    with pytest.raises(OperationError, match="président"):
        jops.schedule(prog.coordinator, ready, starts_at=datetime.now(UTC) + timedelta(days=7),
                      duration_minutes=45, place="Martigues, salle 2")
    jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    # the programme's jury: a trainer of the programme and a practising professional too
    with pytest.raises(OperationError, match="formateur·rice du programme"):
        jops.schedule(prog.coordinator, ready, starts_at=datetime.now(UTC) + timedelta(days=7),
                      duration_minutes=45, place="Martigues, salle 2")
    programme_trainer(prog.other_trainer)
    practising_professional(prog.coordinator, panel, active=False)
    with pytest.raises(OperationError, match="lieu"):
        jops.schedule(prog.coordinator, ready, starts_at=datetime.now(UTC) + timedelta(days=7),
                      duration_minutes=45)
    with pytest.raises(OperationError, match="futur"):
        jops.schedule(prog.coordinator, ready, starts_at=datetime(2020, 1, 1, tzinfo=UTC),
                      duration_minutes=45, place="Martigues")
    login(client, prog.coordinator.email)
    url = f"/juries/{panel.id}"
    response = post(client, f"{url}/deliverables/{ready.id}/soutenance", {
        "schedule-csrf_token": csrf_token(client, url),
        "schedule-starts_at": "2027-02-12T14:30", "schedule-duration": "45",
        "schedule-place": "Martigues, salle Calanques"}, token_from=url, follow_redirects=True)
    assert "Soutenance programmée" in page(response)
    db.session.expire_all()
    assert ready.state == DeliverableState.SOUTENANCE_SCHEDULED
    told = {m.to for m in outbox if "Soutenance" in m.subject}
    assert told >= {prog.p1.email, prog.p3.email}
    # the president has not declared their impartiality yet: told when they do
    assert prog.other_trainer.email not in told
    jops.declare(jops.member_of(prog.other_trainer, panel), impartial=True)
    assert prog.other_trainer.email in {m.to for m in outbox if "Soutenance" in m.subject}
    # the calendar file, for an author; 14:30 in Paris in February is 13:30 UTC
    relog(client, prog.p3)
    response = client.get(f"/deliverables/{ready.id}/soutenance.ics")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "DTSTART:20270212T133000Z" in body
    assert "DTEND:20270212T141500Z" in body and "Martigues\\, salle Calanques" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    relog(client, prog.p2)
    assert client.get(f"/deliverables/{ready.id}/soutenance.ics").status_code == 404


def test_calendar_file_waits_for_the_declaration_of_impartiality(app, prog, ready, make):
    """The .ics names the work, the room and the panel: like the rest of the deliverable,
    a juror gets it once they have declared their impartiality, never after a decline."""
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury de février")
    jops.assign(prog.coordinator, panel, ready)
    president = jops.add_member(prog.coordinator, panel, prog.other_trainer,
                                PanelRole.PRESIDENT)
    recused = jops.add_member(prog.coordinator, panel, make.user("Rémi", "Récusé"),
                              PanelRole.MEMBER)
    jops.declare(recused, impartial=False, reason="Je connais la structure partenaire.")
    programme_trainer(prog.other_trainer)
    practising_professional(prog.coordinator, panel)
    jops.schedule(prog.coordinator, ready, starts_at=datetime.now(UTC) + timedelta(days=7),
                  duration_minutes=45, place="Martigues, salle Calanques")
    url = f"/deliverables/{ready.id}/soutenance.ics"
    for member in (recused, president):  # declined; not yet declared
        client = app.test_client()
        login(client, member.user.email)
        assert client.get(f"/deliverables/{ready.id}").status_code == 404
        response = client.get(url)
        assert response.status_code == 404, member.impartiality
        assert "Calanques" not in response.get_data(as_text=True)
        assert not can(member.user, "jury.calendar", ready)
        panel_page = client.get(f"/juries/{panel.id}").get_data(as_text=True)
        assert url not in panel_page and "Calanques" not in panel_page
    from coelab.notifications.models import Notification

    def told() -> set[int]:
        return set(db.session.scalars(select(Notification.user_id).where(
            Notification.subject.contains("programmée"))))

    assert president.user.id not in told()  # not before the declaration
    jops.declare(president, impartial=True)
    assert "Calanques" in client.get(f"/juries/{panel.id}").get_data(as_text=True)
    assert url in client.get(f"/juries/{panel.id}").get_data(as_text=True)
    response = client.get(url)
    assert response.status_code == 200 and "Calanques" in response.get_data(as_text=True)
    assert can(president.user, "jury.calendar", ready)
    # told once impartial; a member who declined never is
    assert president.user.id in told() and recused.user.id not in told()


def agreed(deliverable, level: int = 2) -> dict[str, int]:
    """The same agreed level for every criterion of the deliverable's rubric."""
    return {row.key: level for row in jops.jury_scores(deliverable)[1]}


def _scheduled(prog, ready, past: bool = True):
    """The ready case study with its panel as the programme composes it (president:
    other_trainer, a trainer of the programme; plus a practising professional), both
    impartial, and a soutenance that took place."""
    from coelab.jury.models import Soutenance

    panel, president, pro = declared_panel(prog, ready)
    jops.schedule(prog.coordinator, ready, starts_at=datetime.now(UTC) + timedelta(days=1),
                  duration_minutes=45, place="Martigues")
    if past:  # the soutenance took place
        soutenance = db.session.scalar(select(Soutenance))
        soutenance.starts_at = datetime.now(UTC) - timedelta(hours=2)
        db.session.commit()
    return panel, president, pro


def test_deliberation_decision_minutes_and_release(prog, ready, client, outbox):
    from pypdf import PdfReader

    panel, president, pro = _scheduled(prog, ready, past=False)
    # the soutenance is tomorrow: no deliberation yet
    with pytest.raises(OperationError, match="le jour de la soutenance"):
        jops.open_deliberation(prog.other_trainer, ready)
    from coelab.jury.models import Soutenance

    db.session.scalar(select(Soutenance)).starts_at = datetime.now(UTC) - timedelta(hours=2)
    db.session.commit()
    with pytest.raises(OperationError, match="président"):
        jops.open_deliberation(pro.user, ready)
    jops.open_deliberation(prog.other_trainer, ready)
    with pytest.raises(OperationError, match="Motivez"):
        jops.decide(prog.other_trainer, ready, validated=True, reasons=" ")
    with pytest.raises(OperationError, match="président"):
        jops.decide(pro.user, ready, validated=True, reasons="Très bien")
    with pytest.raises(OperationError, match="niveau retenu"):
        jops.decide(prog.other_trainer, ready, validated=False, reasons="Sans niveaux.")
    decision = jops.decide(prog.other_trainer, ready, validated=False,
                           reasons="Analyse insuffisante : motif-du-jury-42.",
                           resubmission_allowed=True, agreed_levels=agreed(ready, 1))
    assert ready.state == DeliverableState.DECIDED
    # authors do not see it before the release
    url = f"/deliverables/{ready.id}"
    login(client, prog.p1.email)
    assert "motif-du-jury-42" not in page(client.get(url))
    assert client.get(url + "/jury/minutes.pdf").status_code == 404
    # release waits for every signature
    with pytest.raises(OperationError, match="Rachid Amrani"):
        jops.release(prog.coordinator, ready)
    jops.sign(prog.other_trainer, decision)
    with pytest.raises(OperationError, match="déjà signé"):
        jops.sign(prog.other_trainer, decision)
    with pytest.raises(OperationError, match="membres du jury"):
        jops.sign(prog.p1, decision)
    relog(client, pro.user)
    response = post(client, url + "/jury/signature", token_from=url, follow_redirects=True)
    assert "Procès-verbal signé" in page(response)
    response = client.get(url + "/jury/minutes.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(
        __import__("io").BytesIO(response.data)).pages).split())
    for expected in ("Procès-verbal du jury", "Fusion", "Non validé", "motif-du-jury-42",
                     "Rachid Amrani", prog.other_trainer.full_name, prog.p1.full_name):
        assert expected in text, expected
    relog(client, prog.coordinator)
    response = post(client, url + "/jury/release", token_from=url, follow_redirects=True)
    assert "Résultat publié" in page(response)
    db.session.expire_all()
    assert ready.state == DeliverableState.RELEASED
    assert any(m.to == prog.p1.email and "Résultat" in m.subject for m in outbox)
    # a juror does not reopen the work: the operation and the route refuse them
    with pytest.raises(OperationError, match="auteurs"):
        jops.reopen_for_resubmission(pro.user, ready)
    relog(client, pro.user)
    assert post(client, url + "/jury/resubmission", token_from=url).status_code == 403
    db.session.expire_all()
    assert ready.state == DeliverableState.RELEASED
    # now the authors see it, and may hand in a new round as the jury allowed
    relog(client, prog.p1)
    text = page(client.get(url))
    assert "motif-du-jury-42" in text and "Commencer la nouvelle remise" in text
    response = post(client, url + "/jury/resubmission", token_from=url, follow_redirects=True)
    db.session.expire_all()
    assert ready.state == DeliverableState.CHANGES_REQUESTED and not ready.document.frozen
    # the new round goes back to the same panel and is decided anew; the first
    # round's decision and minutes stay as they were
    from coelab.jury.models import JuryDecision, Soutenance

    first_round = decision.round
    workflow.submit(prog.p1, ready, confirmed_authors=[prog.p1.id, prog.p3.id],
                    statement_accepted=True)
    workflow.start_review(prog.trainer, ready)
    workflow.ready_for_jury(prog.trainer, ready)
    assert jops.decision_of(ready) is None
    jops.schedule(prog.coordinator, ready, starts_at=datetime.now(UTC) + timedelta(days=1),
                  duration_minutes=45, place="Martigues")
    db.session.scalar(select(Soutenance)).starts_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    jops.open_deliberation(prog.other_trainer, ready)
    second = jops.decide(prog.other_trainer, ready, validated=True,
                         reasons="Analyse reprise : motif-du-jury-43.",
                         agreed_levels=agreed(ready, 3))
    assert second.round == ready.round > first_round
    assert jops.decision_of(ready).id == second.id and not second.signatures
    decisions = db.session.scalars(select(JuryDecision).where(
        JuryDecision.deliverable_id == ready.id).order_by(JuryDecision.round)).all()
    assert [(d.round, d.outcome.value, len(d.signatures)) for d in decisions] == [
        (first_round, "not_validated", 2), (ready.round, "validated", 0)]


def test_a_validated_collection_joins_the_corpus_when_released(prog, make):
    from coelab.deliverables.operations import start_deliverable

    from recommendations import operations as rops

    p2, p3 = prog.p2, prog.p3
    collection = start_deliverable(p2, prog.thematic, "recommendation_collection",
                                   title="Recueil", team=prog.team_h)
    entry = rops.propose_entry(p2, collection, title="Un dossier unique", theme="2.4")
    rops.adopt(p3, entry)
    workflow.submit(p2, collection, confirmed_authors=[p2.id, p3.id], statement_accepted=True)
    workflow.start_review(prog.trainer, collection)
    workflow.ready_for_jury(prog.trainer, collection)
    panel = jops.create_panel(prog.coordinator, prog.thematic, "Jury 2.4")
    jops.assign(prog.coordinator, panel, collection)
    programme_trainer(prog.other_trainer)
    president = jops.add_member(prog.coordinator, panel, prog.other_trainer, PanelRole.PRESIDENT)
    jops.declare(president, impartial=True)
    pro = practising_professional(prog.coordinator, panel)
    jops.declare(pro, impartial=True)
    jops.schedule(prog.coordinator, collection, starts_at=datetime.now(UTC) + timedelta(days=1),
                  duration_minutes=30, video_link="https://visio.example/jury")
    from coelab.jury.models import Soutenance

    db.session.scalar(select(Soutenance)).starts_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    jops.open_deliberation(prog.other_trainer, collection)
    decision = jops.decide(prog.other_trainer, collection, validated=True, reasons="Clair.",
                           agreed_levels=agreed(collection))
    jops.sign(prog.other_trainer, decision)
    jops.sign(pro.user, decision)
    assert rops.search_corpus("dossier")[1] == 0  # not before the release
    jops.release(prog.coordinator, collection)
    found, total = rops.search_corpus("dossier")
    assert total == 1 and found[0].cohort_name == prog.thematic.name


def test_jurors_score_independently_and_scores_stay_with_the_panel(prog, ready):
    from coelab.assessments import operations as aops

    from .test_assessments import CASE_LEVELS

    panel, president, pro = _scheduled(prog, ready, past=True)
    pro_score = aops.save_assessment(pro.user, ready, levels=CASE_LEVELS, comments={},
                                     overall_comment="Soutenance claire.", submit=True)
    # an author cannot score, nor can a trainer outside the review
    with pytest.raises(OperationError):
        aops.save_assessment(prog.p1, ready, levels=CASE_LEVELS, comments={},
                             overall_comment=None, submit=True)
    # before the deliberation, no other member of the panel reads it
    assert not can(prog.other_trainer, "assessment.read", pro_score)
    assert not can(prog.p1, "assessment.read", pro_score)
    assert can(prog.coordinator, "assessment.read", pro_score)
    jops.open_deliberation(prog.other_trainer, ready)
    assert can(prog.other_trainer, "assessment.read", pro_score)
    assert not can(prog.p1, "assessment.read", pro_score)
    decision = jops.decide(prog.other_trainer, ready, validated=True, reasons="Validé.",
                           agreed_levels=agreed(ready))
    jops.sign(prog.other_trainer, decision)
    jops.sign(pro.user, decision)
    jops.release(prog.coordinator, ready)
    # released: the authors read the panel's result, not a juror's score
    # (tests/test_released_result.py; COELAB_PUBLISH_JUROR_SCORES publishes them)
    assert not can(prog.p1, "assessment.read", pro_score)
    assert can(prog.other_trainer, "assessment.read", pro_score)


def test_validated_competencies_enter_each_authors_passeport(prog, ready, client):
    from coelab.assessments import operations as aops

    from cohort.framework import load_framework
    from cohort.models import PassportEntry

    from .test_assessments import CASE_LEVELS

    load_framework(prog.coordinator)
    panel, president, pro = _scheduled(prog, ready, past=True)
    # the jury judged "analyse", "preconisations" and "ancrage" at least achieved (level
    # 2, "Atteint"), "cooperation" and "ecrit" below
    aops.save_assessment(pro.user, ready, levels=CASE_LEVELS, comments={},
                         overall_comment=None, submit=True)
    jops.open_deliberation(prog.other_trainer, ready)
    # the panel agrees on the level the external juror gave
    decision = jops.decide(prog.other_trainer, ready, validated=True, reasons="Validé.",
                           agreed_levels=CASE_LEVELS)
    jops.sign(prog.other_trainer, decision)
    jops.sign(pro.user, decision)
    assert db.session.scalar(select(PassportEntry.id)) is None  # not before the release
    jops.release(prog.coordinator, ready)
    kind_rubric = {c["key"]: c["competencies"] for c in aops.rubric_criteria(
        prog.transversal, __import__("coelab.plugins", fromlist=["registry"]).registry().kind(
            "collective_case_study"))}
    expected = sorted({code for key, level in CASE_LEVELS.items() if level >= 2
                       for code in kind_rubric[key]})
    assert expected and not set(kind_rubric["ecrit"]) <= set(expected)
    # each author gets the diploma competencies of their own parcours only: parcours I
    # the CAFERUIS, III the DEIS (docs/domain.md, "Diploma blocks")
    for author, other_diploma in ((prog.p1, "DEIS-"), (prog.p3, "CAFERUIS-")):
        codes = sorted(db.session.scalars(select(PassportEntry.competency_code).where(
            PassportEntry.user_id == author.id)))
        assert codes == [c for c in expected if not c.startswith(other_diploma)], (
            author.first_name)
    # each sees it; another trainee does not; their trainer does
    login(client, prog.p1.email)
    text = page(client.get("/passeport"))
    assert expected[0] in text and "Fusion" in text
    assert client.get(f"/passeport/{prog.p3.id}").status_code == 404
    relog(client, prog.trainer)
    assert expected[0] in page(client.get(f"/passeport/{prog.p1.id}"))
    response = client.get(f"/passeport/{prog.p1.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_jurors_notes_stay_within_the_panel(prog, ready, client, app):
    """A juror's note is the panel's, like their score: after the release the authors
    read the jury's decision and reasons, not the note, unless the organisation
    publishes its jurors' individual assessments (COELAB_PUBLISH_JUROR_SCORES)."""
    from coelab.comments import operations as cops

    panel, president, pro = _scheduled(prog, ready, past=True)
    anchor = cops.Anchor("AAAA", "AAAA", None)
    with pytest.raises(OperationError):  # an author cannot write a panel note
        cops.create_thread(prog.p1, ready, anchor=anchor, quote="Contexte", body="x",
                           visibility="panel")
    note = cops.create_thread(pro.user, ready, anchor=anchor, quote="Contexte",
                              body="Vérifier les sources.", visibility="panel")
    assert can(prog.other_trainer, "comment.read", note)
    for outsider in (prog.p1, prog.trainer):
        assert not can(outsider, "comment.read", note)
    login(client, prog.p1.email)
    listed = client.get(f"/deliverables/{ready.id}/comments").get_json()["threads"]
    assert note.id not in [t["id"] for t in listed]
    jops.open_deliberation(prog.other_trainer, ready)
    decision = jops.decide(prog.other_trainer, ready, validated=True, reasons="Validé.",
                           agreed_levels=agreed(ready))
    jops.sign(prog.other_trainer, decision)
    jops.sign(pro.user, decision)
    jops.release(prog.coordinator, ready)
    listed = client.get(f"/deliverables/{ready.id}/comments").get_json()["threads"]
    assert note.id not in [t["id"] for t in listed]
    assert not can(prog.p1, "comment.read", note)
    app.config["PUBLISH_JUROR_SCORES"] = True
    listed = client.get(f"/deliverables/{ready.id}/comments").get_json()["threads"]
    assert note.id in [t["id"] for t in listed]
    assert not can(prog.p1, "comment.reply", note)  # read, not a discussion with the panel


def test_blind_scoring_then_side_by_side_and_individual_treatment(prog, ready, client):
    from io import BytesIO

    from coelab.assessments import operations as aops
    from pypdf import PdfReader

    from cohort.framework import load_framework
    from cohort.models import PassportEntry

    from .test_assessments import CASE_LEVELS

    load_framework(prog.coordinator)
    panel, president, pro = _scheduled(prog, ready, past=False)
    pro_score = aops.save_assessment(pro.user, ready, levels=CASE_LEVELS, comments={},
                                     overall_comment=None, submit=True)
    assert not can(prog.other_trainer, "assessment.read", pro_score)
    assert not jops.all_scored(ready)
    chair_score = aops.save_assessment(prog.other_trainer, ready, levels={
        k: 3 for k in CASE_LEVELS}, comments={}, overall_comment=None, submit=True)
    # every juror has scored: they see each other's scores, the authors still do not
    assert jops.all_scored(ready)
    assert can(prog.other_trainer, "assessment.read", pro_score)
    assert can(pro.user, "assessment.read", chair_score)
    assert not can(prog.p1, "assessment.read", pro_score)
    jurors, rows = jops.jury_scores(ready)
    ecrit = next(r for r in rows if r.key == "ecrit")
    assert ecrit.by_juror == {prog.other_trainer.id: 3, pro.user.id: 0} and ecrit.spread == 3
    login(client, prog.other_trainer.email)
    assert "à discuter" in page(client.get(f"/deliverables/{ready.id}"))
    # the decision, with a co-author treated differently
    from coelab.jury.models import Soutenance

    db.session.scalar(select(Soutenance)).starts_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    jops.open_deliberation(prog.other_trainer, ready)
    with pytest.raises(OperationError, match="Motivez le traitement"):
        jops.decide(prog.other_trainer, ready, validated=True, reasons="Validé.",
                    agreed_levels=agreed(ready), individual={str(prog.p3.id): {}})
    decision = jops.decide(
        prog.other_trainer, ready, validated=True, reasons="Validé pour l'équipe.",
        agreed_levels=agreed(ready, 2),
        individual={str(prog.p3.id): {"validated": False,
                                      "reason": "Absent de la soutenance, sans excuse."}})
    minutes = client.get(f"/deliverables/{ready.id}/jury/minutes.pdf")
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(
        BytesIO(minutes.data)).pages).split())
    assert "Niveaux retenus" in text and "Absent de la soutenance" in text
    assert "Module 1.0" in text or "1.0 —" in text
    jops.sign(prog.other_trainer, decision)
    jops.sign(pro.user, decision)
    jops.release(prog.coordinator, ready)
    holders = set(db.session.scalars(select(PassportEntry.user_id)))
    assert prog.p1.id in holders and prog.p3.id not in holders


def test_calendar_text_cannot_add_a_property_of_its_own(app):
    """A place or a title holding line breaks (a lone carriage return included) stays
    one escaped value: it cannot start a line of the calendar. A long line is folded, never
    inside a character, and reads back whole."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from coelab.jury.operations import ics
    from icalendar import Calendar

    when = datetime(2027, 2, 12, 13, 30, tzinfo=UTC)
    soutenance = SimpleNamespace(
        starts_at=when, duration_minutes=45, updated_at=when, video_link=None,
        place="Salle 1\rATTENDEE:mailto:x@example.org\nRRULE:FREQ=DAILY\r\nX-A:1",
        panel=SimpleNamespace(title="Jury\rMETHOD:CANCEL"))
    deliverable = SimpleNamespace(id=7, title="Étude\r\nSTATUS:CANCELLED " + "é" * 60)
    with app.test_request_context():
        body = ics(soutenance, deliverable)
    starts = [line.split(":")[0] for line in body.split("\r\n") if line and not line[0] == " "]
    assert starts == ["BEGIN", "VERSION", "PRODID", "CALSCALE", "METHOD", "BEGIN", "UID",
                      "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION",
                      "END", "END"]
    assert "\r" not in body.replace("\r\n", "") and "\n" not in body.replace("\r\n", "")
    lines = body.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # the summary is folded
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Soutenance : Étude\nSTATUS:CANCELLED " + "é" * 60
    assert str(event["LOCATION"]) == (
        "Salle 1\nATTENDEE:mailto:x@example.org\nRRULE:FREQ=DAILY\nX-A:1")


def test_the_coordination_finds_the_juries_and_the_work_waiting(prog, ready, client):
    """The coordination sits on no panel: "Mes jurys" leads to each cohort's juries,
    whose page lists the works ready for a jury that none judges yet."""
    login(client, prog.coordinator.email)
    mine = page(client.get("/juries"))
    assert "Jurys des cohortes" in mine and f"/cohorts/{prog.transversal.id}/juries" in mine
    assert "Vous ne faites partie d'aucun jury." not in mine
    body = page(client.get(f"/cohorts/{prog.transversal.id}/juries"))
    assert "Fusion" in body.partition("data-waiting")[2]
    panel = jops.create_panel(prog.coordinator, prog.transversal, "Jury")
    jops.assign(prog.coordinator, panel, ready)
    body = page(client.get(f"/cohorts/{prog.transversal.id}/juries"))
    assert "data-waiting" not in body and "Aucun travail n'attend de jury." in body
    # a trainee sits on no panel and composes none
    relog(client, prog.p1)
    assert "Jurys des cohortes" not in page(client.get("/juries"))
