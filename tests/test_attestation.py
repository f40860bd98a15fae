"""Attendance at the gatherings, the hours followed, and the attestation de fin de
formation (cohort/attendance.py, cohort/attestation.py; docs/domain.md, "The
attestation de fin de formation").

A validated parcours is set up here with released jury decisions written directly (the
jury's own flow is tested in tests/test_jury.py)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from coelab.config import from_environment
from coelab.db import db, local_today, utcnow
from coelab.deliverables.operations import start_deliverable
from coelab.jury.models import JuryDecision, JuryPanel, Outcome
from coelab.models import AuditEvent
from coelab.notifications.models import Notification
from pypdf import PdfReader
from sqlalchemy import func, select

from cohort import operations as cops
from cohort.attendance import hours_of, record_attendance
from cohort.attestation import issue_attestation
from cohort.models import (
    Attendance,
    Attestation,
    DiplomaEligibility,
    EligibilityStatus,
    Module,
    PassportEntry,
    Site,
)
from cohort.results import parcours_result

from .conftest import login, page, post
from .test_failures import sweep

LEAD = "Claire Martin, Responsable de la formation"


class World:
    """A transversal cohort of the catalogue (module 1.0) at Martigues, under way: a past
    gathering of three days at Avignon, another still to come; two trainees on parcours
    I in one team, a trainee of another cohort, the cohort's trainer, another trainer
    and the coordination."""

    def __init__(self, make) -> None:
        cops.load_catalogue()
        self.today = today = local_today()
        site = db.session.scalar(select(Site).where(Site.name == "Martigues"))
        avignon = db.session.scalar(select(Site).where(Site.name == "Avignon"))
        module = db.session.scalar(select(Module).where(Module.code == "1.0"))
        self.cohort = cops.create_cohort(
            None, name="Transversal Martigues", module=module, session=None, site=site,
            start_date=today - timedelta(days=60), end_date=today + timedelta(days=40))
        self.other_cohort = cops.create_cohort(
            None, name="Transversal Avignon", module=module, session=None, site=avignon,
            start_date=today - timedelta(days=60), end_date=today + timedelta(days=40))
        self.coordinator = make.user("Coord", "Ination", coordinator=True)
        self.trainer = make.user("Fanny", "Formatrice")
        self.other_trainer = make.user("Autre", "Formateur")
        self.trainee = make.user("Paula", "Stagiaire")
        self.peer = make.user("Pierre", "Collègue")
        self.outsider = make.user("Olga", "Dehors")
        make.member(self.cohort, self.trainer, "trainer")
        make.member(self.other_cohort, self.other_trainer, "trainer")
        make.member(self.cohort, self.trainee, parcours="I")
        make.member(self.cohort, self.peer, parcours="I")
        make.member(self.other_cohort, self.outsider, parcours="I")
        self.team = make.team(self.cohort, "Calanques", [self.trainee, self.peer])
        start = today - timedelta(days=40)
        self.past = cops.add_gathering(self.coordinator, self.cohort, start_date=start,
                                       end_date=start + timedelta(days=2), site=avignon,
                                       notes=None)
        self.days = [start + timedelta(days=n) for n in range(3)]
        self.coming = cops.add_gathering(
            self.coordinator, self.cohort, start_date=today + timedelta(days=10),
            end_date=today + timedelta(days=11), site=None, notes=None)
        self.elsewhere = cops.add_gathering(
            self.coordinator, self.other_cohort, start_date=start,
            end_date=start + timedelta(days=1), site=None, notes=None)
        self.case = None

    def sheet(self) -> str:
        return f"/cohorts/{self.cohort.id}/gatherings/{self.past.id}/attendance"

    def validate(self) -> None:
        """The team's collective case study validated by a released decision; the
        passeport holds a module competency and diploma ones; the CAFERUIS eligibility
        recorded."""
        self.case = case = start_deliverable(
            self.trainee, self.cohort, "collective_case_study", title="Fusion des IME",
            team=self.team, details={"partner_name": "Association fictive",
                                     "partner_sector": "social",
                                     "partner_contact_role": "directrice"})
        panel = JuryPanel(cohort_id=self.cohort.id, title="Jury de janvier")
        db.session.add(panel)
        db.session.flush()
        decided = utcnow() - timedelta(days=3)
        db.session.add(JuryDecision(deliverable_id=case.id, round=case.round,
                                    panel_id=panel.id, outcome=Outcome.VALIDATED,
                                    reasons="Travail solide.", decided_at=decided,
                                    released_at=decided + timedelta(days=1)))
        case.state = "released"
        for code, title, block in (
                ("1.0-3", "Formuler des préconisations réalistes, argumentées et priorisées",
                 "Module 1.0 — Comprendre l'organisation"),
                ("CAFERUIS-DC3-1", "Animer et mobiliser une équipe autour d'un projet de "
                 "service", "CAFERUIS — DC3"),
                # a diploma the parcours I does not count toward: left out
                ("DEIS-DC3-1", "Conduire une démarche d'analyse et de diagnostic partagé",
                 "DEIS — DC3")):
            db.session.add(PassportEntry(
                user_id=self.trainee.id, competency_code=code, competency_title=title,
                block_title=block, deliverable_id=case.id,
                source="Étude de cas collective — Fusion des IME",
                cohort_name=self.cohort.name))
        db.session.add(DiplomaEligibility(user_id=self.trainee.id, diploma="CAFERUIS",
                                          status=EligibilityStatus.ELIGIBLE))
        db.session.commit()
        assert parcours_result(self.trainee).status == "validated"

    def all_present(self, user) -> None:
        record_attendance(self.coordinator, self.past,
                          {(user.id, day): "present" for day in self.days})


@pytest.fixture
def world(app, make) -> World:
    return World(make)


def mark(user, day) -> str:
    return f"mark-{user.id}-{day.isoformat()}"


def attendance_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Attendance))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def pdf_text(data: bytes) -> str:
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


# --- attendance --------------------------------------------------------------------------


def test_the_sheet_records_every_mark_at_once_and_shows_it_again(client, world):
    login(client, world.coordinator.email)
    url = world.sheet()
    html = page(client.get(url))
    assert "Feuille de présence" in html
    assert "Paula Stagiaire" in html and "Pierre Collègue" in html
    assert "Olga Dehors" not in html  # a trainee of another cohort
    assert html.count('type="radio"') == 2 * 3 * 3
    d1, d2, d3 = world.days
    marks = {mark(world.trainee, d1): "present", mark(world.trainee, d2): "excused",
             mark(world.trainee, d3): "absent", mark(world.peer, d1): "present",
             mark(world.peer, d2): "present"}
    response = post(client, url, marks, token_from=url)
    assert response.status_code == 302
    assert "Feuille de présence enregistrée." in page(client.get(url))
    got = {(a.user_id, a.day): a.status.value for a in db.session.scalars(select(Attendance))}
    assert got == {(world.trainee.id, d1): "present", (world.trainee.id, d2): "excused",
                   (world.trainee.id, d3): "absent", (world.peer.id, d1): "present",
                   (world.peer.id, d2): "present"}
    assert all(a.recorded_by_id == world.coordinator.id
               for a in db.session.scalars(select(Attendance)))
    # prefilled with what was recorded; the peer's third day is still unmarked
    html = page(client.get(url))
    assert re.search(rf'name="{mark(world.trainee, d2)}" value="excused" checked', html)
    assert re.search(rf'name="{mark(world.trainee, d1)}" value="present" checked', html)
    assert not re.search(rf'name="{mark(world.peer, d3)}" value="\w+" checked', html)
    event, = events("attendance.recorded")
    assert event.cohort_id == world.cohort.id
    assert event.after[f"{world.trainee.email} {d2.isoformat()}"] == "excused"
    assert event.before[f"{world.trainee.email} {d2.isoformat()}"] is None
    # the same sheet again changes nothing and records nothing
    post(client, url, marks, token_from=url)
    assert "Rien n'a changé" in page(client.get(url))
    assert len(events("attendance.recorded")) == 1
    # one change: recorded, with what it was
    post(client, url, {**marks, mark(world.trainee, d3): "excused"}, token_from=url)
    last = events("attendance.recorded")[-1]
    assert last.before == {f"{world.trainee.email} {d3.isoformat()}": "absent"}
    assert last.after == {f"{world.trainee.email} {d3.isoformat()}": "excused"}
    assert db.session.scalar(select(Attendance.status).where(
        Attendance.user_id == world.trainee.id, Attendance.day == d3)) == "excused"


@pytest.mark.parametrize("bad, message", [
    ("status", "Choix de présence inconnu pour Paula Stagiaire"),
    ("day", "ne fait pas partie de ce regroupement"),
    ("outsider", "n'est pas stagiaire de cette cohorte"),
    ("trainer", "n'est pas stagiaire de cette cohorte"),
    ("nobody", "n'est pas stagiaire de cette cohorte"),
    ("name", "La feuille envoyée est illisible"),
    ("future", "cette journée n'a pas encore eu lieu"),
])
def test_a_bad_sheet_is_refused_whole(client, world, bad, message):
    login(client, world.coordinator.email)
    d1 = world.days[0]
    good = {mark(world.trainee, d1): "present", mark(world.peer, d1): "absent"}
    forged = {
        "status": {mark(world.trainee, world.days[1]): "late"},
        "day": {mark(world.trainee, world.days[2] + timedelta(days=1)): "present"},
        "outsider": {mark(world.outsider, d1): "present"},
        "trainer": {mark(world.trainer, d1): "present"},
        "nobody": {f"mark-999999-{d1.isoformat()}": "present"},
        "name": {f"mark-{world.trainee.id}-hier": "present"},
        "future": {mark(world.trainee, world.coming.start_date): "present"},
    }[bad]
    url = world.sheet()
    if bad == "future":
        url = f"/cohorts/{world.cohort.id}/gatherings/{world.coming.id}/attendance"
        good = {mark(world.peer, world.coming.start_date): "excused"}
    response = post(client, url, {**good, **forged}, token_from=url)
    assert response.status_code == 200
    assert message in page(response)
    # nothing written, not even the good marks; no audit event
    assert attendance_rows() == 0
    assert events("attendance.recorded") == []


def test_an_absence_may_be_announced_for_a_day_to_come(client, world):
    login(client, world.coordinator.email)
    url = f"/cohorts/{world.cohort.id}/gatherings/{world.coming.id}/attendance"
    html = page(client.get(url))
    # no "present" for a day to come
    assert re.search(rf'name="{mark(world.trainee, world.coming.start_date)}" '
                     r'value="present" disabled', html)
    response = post(client, url, {mark(world.trainee, world.coming.start_date): "excused"},
                    token_from=url)
    assert response.status_code == 302 and attendance_rows() == 1


def test_trainers_read_the_sheet_only_the_coordination_records_it(client, world):
    world.all_present(world.trainee)
    url = world.sheet()
    login(client, world.trainer.email)
    html = page(client.get(url))
    assert "Paula Stagiaire : Présent·e" in html and "Pierre Collègue : Non noté" in html
    assert 'type="radio"' not in html
    assert post(client, url, {mark(world.peer, world.days[0]): "present"},
                token_from=url).status_code == 403
    # the cohort's workspace links to it for them
    assert url in page(client.get(f"/cohorts/{world.cohort.id}"))
    for person, status in ((world.trainee, 403), (world.other_trainer, 404),
                           (world.outsider, 404)):
        other = client.application.test_client()
        login(other, person.email)
        assert other.get(url).status_code == status, person.first_name
    # a gathering of another cohort is not found through this one
    client = client.application.test_client()
    login(client, world.coordinator.email)
    assert client.get(f"/cohorts/{world.cohort.id}/gatherings/{world.elsewhere.id}"
                      "/attendance").status_code == 404
    assert url in page(client.get(f"/cohorts/{world.cohort.id}/gatherings"))
    assert attendance_rows() == 3


# --- hours followed ------------------------------------------------------------------------


def test_hours_count_days_present_at_the_parcours_rate(world):
    d1, d2, d3 = world.days
    record_attendance(world.coordinator, world.past, {
        (world.trainee.id, d1): "present", (world.trainee.id, d2): "excused",
        (world.trainee.id, d3): "absent", (world.peer.id, d1): "present"})
    hours = hours_of(world.trainee)
    # parcours I: 98 h over 14 days
    assert (hours.programme_days, hours.programme_hours, hours.hours_per_day) == (14, 98, 7)
    # three days past, two still to come
    assert (hours.scheduled_days, hours.scheduled_hours) == (5, 35)
    assert (hours.present_days, hours.followed_hours) == (1, 7)
    assert (hours.excused_days, hours.excused_hours) == (1, 7)
    assert (hours.absent_days, hours.absent_hours) == (1, 7)
    assert hours.unrecorded == [] and hours.upcoming_days == 2
    peer = hours_of(world.peer)
    assert peer.followed_hours == 7
    assert [d.day for d in peer.unrecorded] == [d2, d3]
    # a day to come with an announced absence is not missing, and counts as excused
    record_attendance(world.coordinator, world.coming,
                      {(world.trainee.id, world.coming.start_date): "excused"})
    hours = hours_of(world.trainee)
    assert (hours.excused_days, hours.upcoming_days, hours.followed_hours) == (2, 1, 7)


def test_hours_of_a_parcours_iii_trainee_cover_both_cohorts(world, make):
    module = db.session.scalar(select(Module).where(Module.code == "2.4"))
    thematic = cops.create_cohort(
        None, name="Thématique 2.4", module=module, session=None, site=world.past.site,
        start_date=world.cohort.start_date, end_date=world.cohort.end_date)
    gathering = cops.add_gathering(world.coordinator, thematic,
                                   start_date=world.days[0] + timedelta(days=7),
                                   end_date=world.days[0] + timedelta(days=10), site=None,
                                   notes=None)
    p3 = make.user("Pia", "Trois")
    make.member(world.cohort, p3, parcours="III")
    make.member(thematic, p3, parcours="III")
    world.all_present(p3)
    record_attendance(world.coordinator, gathering,
                      {(p3.id, gathering.start_date + timedelta(days=n)): "present"
                       for n in range(3)})
    hours = hours_of(p3)
    # parcours III: 161 h over 23 days, 7 h a day
    assert (hours.programme_days, hours.programme_hours, hours.hours_per_day) == (23, 161, 7)
    assert (hours.present_days, hours.followed_hours) == (6, 42)
    assert [d.day for d in hours.unrecorded] == [gathering.end_date]


# --- issuing the attestation -------------------------------------------------------------


def issue_url(world) -> str:
    return f"/passeport/{world.trainee.id}/attestation"


def flashed(client) -> str:
    return page(client.get("/dashboard"))


def test_issuing_is_refused_until_the_parcours_is_validated(client, world):
    world.all_present(world.trainee)
    login(client, world.coordinator.email)
    response = post(client, issue_url(world), token_from="/dashboard")
    assert response.status_code == 302
    assert "n'est pas encore validé" in flashed(client)
    assert db.session.scalar(select(func.count()).select_from(Attestation)) == 0


def test_issuing_is_refused_for_a_parcours_not_validated(client, world):
    world.validate()
    decision = db.session.scalar(select(JuryDecision))
    decision.outcome = Outcome.NOT_VALIDATED
    decision.resubmission_allowed = True
    db.session.commit()
    world.all_present(world.trainee)
    login(client, world.coordinator.email)
    post(client, issue_url(world), token_from="/dashboard")
    text = flashed(client)
    assert "n'est pas validé" in text and "Une nouvelle soumission reste possible." in text
    assert db.session.scalar(select(func.count()).select_from(Attestation)) == 0


def test_issuing_is_refused_while_a_past_day_has_no_attendance(client, world):
    world.validate()
    d1, d2, d3 = world.days
    record_attendance(world.coordinator, world.past, {(world.trainee.id, d1): "present"})
    login(client, world.coordinator.email)
    post(client, issue_url(world), token_from="/dashboard")
    text = flashed(client)
    assert "La présence de Paula Stagiaire n'est pas notée pour 2 journées" in text
    assert "Transversal Martigues" in text
    assert db.session.scalar(select(func.count()).select_from(Attestation)) == 0
    # the days to come are not awaited
    record_attendance(world.coordinator, world.past, {(world.trainee.id, d2): "excused",
                                                      (world.trainee.id, d3): "absent"})
    post(client, issue_url(world), token_from="/dashboard")
    assert "est délivrée" in flashed(client)
    assert db.session.scalar(select(func.count()).select_from(Attestation)) == 1


def test_only_the_coordination_issues_and_only_once(client, world):
    world.validate()
    world.all_present(world.trainee)
    for person, status in ((world.trainer, 403), (world.trainee, 403),
                           (world.peer, 404), (world.other_trainer, 404)):
        other = client.application.test_client()
        login(other, person.email)
        assert post(other, issue_url(world), token_from="/dashboard").status_code == status
    assert db.session.scalar(select(func.count()).select_from(Attestation)) == 0
    login(client, world.coordinator.email)
    post(client, issue_url(world), token_from="/dashboard")
    assert "L'attestation de fin de formation de Paula Stagiaire est délivrée." in flashed(
        client)
    post(client, issue_url(world), token_from="/dashboard")
    assert "a déjà été délivrée le" in flashed(client)
    assert db.session.scalar(select(func.count()).select_from(Attestation)) == 1
    assert len(events("attestation.issued")) == 1
    with pytest.raises(Exception, match="déjà été délivrée"):
        issue_attestation(world.coordinator, world.trainee)


def test_the_issued_attestation_states_the_parcours(app, world):
    app.config["PROGRAMME_LEAD"] = LEAD
    world.validate()
    d1, d2, d3 = world.days
    record_attendance(world.coordinator, world.past, {
        (world.trainee.id, d1): "present", (world.trainee.id, d2): "present",
        (world.trainee.id, d3): "excused"})
    attestation = issue_attestation(world.coordinator, world.trainee)
    db.session.expire_all()
    attestation = db.session.get(Attestation, attestation.id)
    c = attestation.content
    assert attestation.parcours == "I" and attestation.hours_followed == 14
    assert attestation.issued_by_id == world.coordinator.id
    assert attestation.signatory == LEAD
    assert c["trainee"]["name"] == "Paula Stagiaire"
    assert c["parcours"] == {"code": "I", "title": "Module transversal"}
    assert c["modules"] == [{"code": "1.0", "title": db.session.scalar(
        select(Module.title).where(Module.code == "1.0"))}]
    assert (c["start"], c["end"]) == (world.cohort.start_date.isoformat(),
                                      world.cohort.end_date.isoformat())
    assert c["sites"] == ["Martigues", "Avignon"]
    assert c["days"] == {"programme": 14, "scheduled": 5, "present": 2, "absent": 0,
                         "excused": 1}
    assert c["hours"] == {"per_day": 7, "programme": 98, "scheduled": 35, "followed": 14,
                          "absent": 0, "excused": 7}
    deliverable, = c["deliverables"]
    assert deliverable["kind"] == "collective_case_study"
    assert deliverable["title"] == "Fusion des IME"
    assert deliverable["outcome"] == "validated" and deliverable["decided_at"]
    assert [x["code"] for x in c["competencies"]] == ["1.0-3"]
    caferuis, = c["diplomas"]  # DEIS is parcours III's
    assert caferuis["code"] == "CAFERUIS" and caferuis["eligibility"] == "eligible"
    assert caferuis["blocks"][0]["code"] == "CAFERUIS-DC3"
    assert [x["code"] for x in caferuis["blocks"][0]["competencies"]] == ["CAFERUIS-DC3-1"]
    assert c["signatory"] == {"name": "Claire Martin",
                              "function": "Responsable de la formation"}
    event, = events("attestation.issued")
    assert event.object_id == attestation.id and event.actor_id == world.coordinator.id
    assert event.after["hours_followed"] == 14
    note = db.session.scalar(select(Notification).where(
        Notification.user_id == world.trainee.id))
    assert "attestation de fin de formation" in note.subject and note.url == "/passeport"


def test_without_a_programme_lead_the_coordinator_signs(app, world):
    app.config["PROGRAMME_LEAD"] = ""
    world.validate()
    world.all_present(world.trainee)
    attestation = issue_attestation(world.coordinator, world.trainee)
    assert attestation.content["signatory"] == {"name": "Coord Ination",
                                                "function": "Coordination pédagogique"}


def test_the_setting_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COELAB_PROGRAMME_LEAD", f"  {LEAD} ")
    assert from_environment(tmp_path, {"SECRET_KEY": "x"})["PROGRAMME_LEAD"] == LEAD
    monkeypatch.delenv("COELAB_PROGRAMME_LEAD")
    assert from_environment(tmp_path, {"SECRET_KEY": "x"})["PROGRAMME_LEAD"] == ""


def test_the_pdf_says_what_was_issued(app, client, world):
    app.config["PROGRAMME_LEAD"] = LEAD
    world.validate()
    d1, d2, d3 = world.days
    record_attendance(world.coordinator, world.past, {
        (world.trainee.id, d1): "present", (world.trainee.id, d2): "present",
        (world.trainee.id, d3): "excused"})
    issue_attestation(world.coordinator, world.trainee)
    # what changes afterwards does not change the attestation
    db.session.execute(PassportEntry.__table__.delete())
    db.session.commit()
    login(client, world.trainee.email)
    response = client.get(f"/passeport/{world.trainee.id}/attestation.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "attestation-paula-stagiaire.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in (
            "Attestation de fin de formation", "Paula Stagiaire",
            "parcours I — Module transversal",
            "1.0 — Comprendre l'organisation et son environnement",
            "Durée du parcours 14 jours (98 h)", "Journées suivies 2 jours (14 h)",
            "Absences excusées 1 jour (7 h)", "Absences non excusées 0",
            "Martigues, Avignon",
            "Fusion des IME", "Validé — décision du",
            "1.0-3 Formuler des préconisations réalistes",
            "CAFERUIS — DC3 : capitalisable vers le CAFERUIS sous réserve des conditions "
            "d'éligibilité",
            "CAFERUIS-DC3-1 Animer et mobiliser une équipe",
            "Conditions d'éligibilité au CAFERUIS : remplies",
            "Claire Martin", "Responsable de la formation"):
        assert expected in text, expected
    assert "DEIS" not in text


def test_who_may_download_the_attestation(client, world):
    url = f"/passeport/{world.trainee.id}/attestation.pdf"
    login(client, world.coordinator.email)
    assert client.get(url).status_code == 404  # not issued yet
    world.validate()
    world.all_present(world.trainee)
    issue_attestation(world.coordinator, world.trainee)
    for person, status in ((world.trainee, 200), (world.coordinator, 200),
                           (world.trainer, 200), (world.peer, 404),
                           (world.other_trainer, 404), (world.outsider, 404)):
        other = client.application.test_client()
        login(other, person.email)
        assert other.get(url).status_code == status, person.first_name
    anonymous = client.application.test_client()
    assert anonymous.get(url).status_code == 302


def test_the_passeport_offers_and_then_shows_the_attestation(client, world):
    login(client, world.coordinator.email)
    url = f"/passeport/{world.trainee.id}"
    world.validate()
    text = page(client.get(url))
    assert "Attestation de fin de formation" in text
    assert "n'est pas notée pour 3 journées" in text
    assert issue_url(world) not in text
    world.all_present(world.trainee)
    text = page(client.get(url))
    assert "Présence aux regroupements : 3 journée(s) sur 5, soit 21 h suivies" in text
    assert issue_url(world) in text
    post(client, issue_url(world), token_from=url)
    text = page(client.get(url))
    assert "Délivrée le" in text and "Coord Ination, Coordination pédagogique" in text
    assert f"/passeport/{world.trainee.id}/attestation.pdf" in text
    # the trainee sees it too, without the button
    other = client.application.test_client()
    login(other, world.trainee.email)
    text = page(other.get("/passeport"))
    assert f"/passeport/{world.trainee.id}/attestation.pdf" in text


# --- all or nothing ------------------------------------------------------------------


def test_recording_and_issuing_are_all_or_nothing(world):
    world.validate()
    coordinator, trainee, past, days = world.coordinator, world.trainee, world.past, world.days

    def record_the_sheet():
        record_attendance(coordinator, past, {(trainee.id, day): "present" for day in days})

    def issue():
        issue_attestation(coordinator, trainee)

    sweep(record_the_sheet, {"cohort_attendance": 3, "audit_events": 1})
    sweep(issue, {"training_attestations": 1, "audit_events": 1})
