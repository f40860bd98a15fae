"""The admission interview (cohort/admissions/interviews.py and its pages in
cohort/admissions/pipeline_views.py): who may hold it, scheduling and moving it (the
e-mails, the calendar file's SEQUENCE), the calendar file and who may fetch it, the
record and what it must hold (the VAE proposal for a person admitted on experience,
work placements for a job seeker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from coelab.db import db, local_today, utcnow
from coelab.operations import OperationError
from icalendar import Calendar
from sqlalchemy import select

from cohort.admissions import interviews, workflow
from cohort.admissions.models import ApplicationState, Interview, Opinion

from .conftest import login, page, post
from .test_admission_pipeline import World, url

A = ApplicationState
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def world(app, make) -> World:
    return World(make)


def soon(days: int = 10, hour: int = 10) -> datetime:
    """A day to come at ``hour`` Paris time, as an aware datetime."""
    day = local_today() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=PARIS)


def scheduled(world, **kw):
    a = world.application(state=A.COMPLETE, **kw)
    interviews.schedule(world.coordinator, a, interviewer=world.trainer, starts_at=soon(),
                        duration_minutes=60, place="Martigues, salle Calanques")
    return a


RECORD = {"prerequisites": "Vérifiés ensemble : 6 ans d'encadrement.",
          "objectives": "Prendre la direction d'un établissement.",
          "personalisation": "Module thématique 2.3 ; stage chez un partenaire.",
          "opinion": Opinion.FAVOURABLE}


def test_who_may_interview(world, make):
    admin_only = make.user("Ada", "Admin", admin=True)
    invited = make.user("Ines", "Invitee", coordinator=True)
    invited.active = False
    db.session.commit()
    people = interviews.interviewers()
    assert world.coordinator in people and world.trainer in people
    assert world.trainee not in people and world.stranger not in people
    assert invited not in people and admin_only not in people
    a = world.application(state=A.COMPLETE)
    with pytest.raises(OperationError, match="parmi la coordination"):
        interviews.schedule(world.coordinator, a, interviewer=world.trainee, starts_at=soon(),
                            duration_minutes=60, place="Martigues")


def test_schedule_then_move(world, outbox):
    w = world
    a = w.application(first="Camille", last="Candidate", state=A.COMPLETE)
    outbox.clear()
    interview = interviews.schedule(w.coordinator, a, interviewer=w.trainer,
                                    starts_at=soon(hour=10), duration_minutes=60,
                                    place="Martigues, salle Calanques")
    assert a.state == A.INTERVIEW_SCHEDULED and interview.sequence == 0
    assert interview.starts_at.astimezone(PARIS).hour == 10
    to_candidate = [m for m in outbox if m.to == a.candidate.email]
    to_trainer = [m for m in outbox if m.to == w.trainer.email]
    assert len(to_candidate) == 1 and len(to_trainer) == 1 and len(outbox) == 2
    mail = to_candidate[0]
    assert mail.subject.startswith("Entretien d'admission proposé le ")
    assert "à 10 h 00" in mail.subject
    assert "Martigues, salle Calanques" in mail.body
    assert f"/admissions/applications/{a.id}/interview.ics" in mail.body
    assert "Camille Candidate" in to_trainer[0].subject
    assert f"/admissions/applications/{a.id}/interview.ics" in to_trainer[0].body
    uid = Calendar.from_ical(interviews.calendar(a)).walk("VEVENT")[0]["UID"]
    # moved: to a video call, with another interviewer
    outbox.clear()
    interviews.schedule(w.coordinator, a, interviewer=w.coordinator2, starts_at=soon(12, 14),
                        duration_minutes=45, video_url="https://visio.example.org/abc")
    db.session.refresh(interview)
    assert interview.sequence == 1 and interview.interviewer_id == w.coordinator2.id
    assert interview.place is None and interview.duration_minutes == 45
    assert a.state == A.INTERVIEW_SCHEDULED
    subjects = {m.to: m.subject for m in outbox}
    assert subjects[a.candidate.email].startswith("Entretien d'admission déplacé au ")
    assert "à 14 h 00" in subjects[a.candidate.email]
    assert w.coordinator2.email in subjects
    assert subjects[w.trainer.email] == "Entretien d'admission confié à une autre personne"
    event = Calendar.from_ical(interviews.calendar(a)).walk("VEVENT")[0]
    assert event["UID"] == uid and int(event["SEQUENCE"]) == 1
    assert str(event["LOCATION"]) == "https://visio.example.org/abc"
    steps = [(t.action, t.from_state, t.to_state) for t in workflow.history(a)]
    assert steps == [("schedule_interview", A.COMPLETE, A.INTERVIEW_SCHEDULED),
                     ("schedule_interview", A.INTERVIEW_SCHEDULED, A.INTERVIEW_SCHEDULED)]


def test_schedule_refusals(world):
    w = world
    a = w.application(state=A.COMPLETE)
    kw = {"interviewer": w.trainer, "duration_minutes": 60}
    with pytest.raises(OperationError, match="dans le futur"):
        interviews.schedule(w.coordinator, a, starts_at=utcnow() - timedelta(hours=1),
                            place="Martigues", **kw)
    with pytest.raises(OperationError, match="https://"):
        interviews.schedule(w.coordinator, a, starts_at=soon(),
                            video_url="http://visio.example.org/abc", **kw)
    with pytest.raises(OperationError, match="https://"):
        interviews.schedule(w.coordinator, a, starts_at=soon(),
                            video_url="javascript:alert(1)", **kw)
    with pytest.raises(OperationError, match="lieu de l'entretien ou le lien"):
        interviews.schedule(w.coordinator, a, starts_at=soon(), place=" \x00 ", **kw)
    with pytest.raises(OperationError, match="300 caractères"):
        interviews.schedule(w.coordinator, a, starts_at=soon(), place="x" * 301, **kw)
    with pytest.raises(OperationError, match="durée"):
        interviews.schedule(w.coordinator, a, starts_at=soon(), place="Martigues",
                            interviewer=w.trainer, duration_minutes=5000)
    with pytest.raises(OperationError, match="Seule la coordination"):
        interviews.schedule(w.trainer, a, starts_at=soon(), place="Martigues", **kw)
    db.session.refresh(a)
    assert a.state == A.COMPLETE and a.interview is None
    # not complete yet: the step does not apply
    b = w.application(state=A.SUBMITTED)
    with pytest.raises(OperationError, match="Impossible"):
        interviews.schedule(w.coordinator, b, starts_at=soon(), place="Martigues", **kw)
    assert db.session.scalar(select(Interview.id).where(Interview.application_id == b.id)) is None


def test_calendar_file(world, client, app, make):
    w = world
    a = scheduled(w, first="Camille", last="Candidate")
    text = interviews.calendar(a).decode()
    event = Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Entretien d'admission — Camille Candidate"
    assert str(event["LOCATION"]) == "Martigues, salle Calanques"
    start = event["DTSTART"].dt
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
    assert start == soon().astimezone(UTC)
    assert event["DTEND"].dt - start == timedelta(minutes=60)
    assert int(event["SEQUENCE"]) == 0
    assert "DTSTART:" in text and text.split("DTSTART:")[1].split("\r\n")[0].endswith("Z")
    assert a.candidate.email not in text and "Directrice adjointe" not in text
    ics_url = f"{url(a)}/interview.ics"
    for person in (a.candidate, w.trainer, w.coordinator):
        client = app.test_client()
        login(client, person.email)
        response = client.get(ics_url)
        assert response.status_code == 200, person.full_name
        assert response.mimetype == "text/calendar"
        assert "attachment" in response.headers["Content-Disposition"]
    other = w.application(first="Autre", last="Candidat")
    other_trainer = make.user("Formateur", "Autre")
    make.member(make.cohort("Autre cohorte"), other_trainer, "trainer")
    for person in (w.stranger, w.trainee, other.candidate, other_trainer):
        client = app.test_client()
        login(client, person.email)
        assert client.get(ics_url).status_code == 404, person.full_name
    # no interview yet: nothing to fetch
    client = app.test_client()
    login(client, w.coordinator.email)
    assert client.get(f"{url(other)}/interview.ics").status_code == 404


def test_record_requires_the_vae_proposal_on_experience(world):
    w = world
    a = scheduled(w, profiles=("employed-5y",))  # profile 1: on experience
    assert interviews.needs_vae(a)
    with pytest.raises(OperationError, match="systématiquement"):
        interviews.record(w.trainer, a, **RECORD)
    with pytest.raises(OperationError, match="dans la liste"):
        interviews.record(w.trainer, a, **RECORD, vae_proposal=["BAC"])
    assert a.state == A.INTERVIEW_SCHEDULED
    interview = interviews.record(w.trainer, a, **RECORD, vae_proposal=["CAFDES", "DEIS"])
    assert a.state == A.INTERVIEWED
    assert interview.vae_proposal == ["DEIS", "CAFDES"]  # the programme's order
    assert interview.recorded_by_id == w.trainer.id and interview.recorded_at is not None
    assert interview.opinion == Opinion.FAVOURABLE
    # a derogation on the qualification: on experience too
    b = scheduled(w, profiles=(), derogation=("qualification",))
    with pytest.raises(OperationError, match="systématiquement"):
        interviews.record(w.coordinator, b, **RECORD)
    # a level 6 profile: no VAE required
    c = scheduled(w, profiles=("employed-2y-level6",))
    assert not interviews.needs_vae(c)
    interviews.record(w.coordinator, c, **RECORD)
    assert c.state == A.INTERVIEWED


def test_record_requirements(world):
    w = world
    a = scheduled(w, profiles=("job-seeker-3y-level6",), job_seeker=True)
    with pytest.raises(OperationError, match="Stages d'immersion"):
        interviews.record(w.trainer, a, **RECORD)
    for missing in ("prerequisites", "objectives", "personalisation"):
        with pytest.raises(OperationError, match="Complétez la partie"):
            interviews.record(w.trainer, a, **{**RECORD, missing: "  "},
                              immersion="Deux semaines")
    with pytest.raises(OperationError, match="avis"):
        interviews.record(w.trainer, a, **{**RECORD, "opinion": None}, immersion="x")
    with pytest.raises(OperationError, match="avis"):
        interviews.record(w.trainer, a, **{**RECORD, "opinion": "excellent"}, immersion="x")
    with pytest.raises(OperationError, match="réservé ou défavorable"):
        interviews.record(w.trainer, a, **{**RECORD, "opinion": Opinion.RESERVED},
                          immersion="x")
    with pytest.raises(OperationError, match="5000"):
        interviews.record(w.trainer, a, **RECORD, immersion="x" * 5001)
    assert a.state == A.INTERVIEW_SCHEDULED
    interviews.record(w.trainer, a, **{**RECORD, "opinion": Opinion.RESERVED,
                                       "opinion_text": "Projet encore flou"},
                      immersion="Deux semaines\x00 en EHPAD")
    assert a.interview.immersion == "Deux semaines en EHPAD"
    # recorded once: a second record is refused clearly
    with pytest.raises(OperationError, match="Impossible : cette candidature est maintenant"):
        interviews.record(w.coordinator, a, **RECORD, immersion="x")
    # a person changing jobs is offered placements too
    b = scheduled(w, profiles=("mobility-5y-level6",), mobility=True)
    with pytest.raises(OperationError, match="Stages d'immersion"):
        interviews.record(w.coordinator, b, **RECORD)


def test_interviewer_records_only_their_interview(world, client, app, make):
    w = world
    mine = scheduled(w, first="Mine", last="Candidate", profiles=("employed-2y-level6",))
    other_trainer = make.user("Autre", "Formateur")
    make.member(make.cohort("Autre cohorte"), other_trainer, "trainer")
    theirs = w.application(first="Theirs", last="Candidat", state=A.COMPLETE,
                           profiles=("employed-2y-level6",))
    interviews.schedule(w.coordinator, theirs, interviewer=other_trainer, starts_at=soon(),
                        duration_minutes=60, place="Avignon")
    with pytest.raises(OperationError, match="Seules la personne qui mène l'entretien"):
        interviews.record(w.trainer, theirs, **RECORD)
    login(client, w.trainer.email)
    assert client.get(f"{url(theirs)}/interview/record").status_code == 404
    assert post(client, f"{url(theirs)}/interview/record",
                {k: str(v) for k, v in RECORD.items()},
                token_from=url(mine)).status_code == 404
    # their own: the page, then the record
    html = page(client.get(url(mine)))
    assert "Compte rendu d'entretien" in html and "Déplacer l'entretien" not in html
    record_url = f"{url(mine)}/interview/record"
    form = page(client.get(record_url))
    assert "le candidat ou la candidate ne le voit pas" in form
    assert 'name="vae_proposal"' in form and 'value="CAFDES"' in form
    response = post(client, record_url, {"prerequisites": "Ok", "objectives": "Diriger",
                                         "personalisation": "2.3", "opinion": "unfavourable"},
                    token_from=record_url)
    assert response.status_code == 200  # refused: the opinion needs its reasons
    assert "réservé ou défavorable" in page(response)
    assert 'Diriger</textarea>' in page(response)  # what was typed stays
    response = post(client, record_url, {"prerequisites": "Ok", "objectives": "Diriger",
                                         "personalisation": "2.3", "opinion": "favourable",
                                         "vae_proposal": "DEIS"}, token_from=record_url)
    assert response.status_code == 302
    db.session.refresh(mine)
    assert mine.state == A.INTERVIEWED and mine.interview.vae_proposal == ["DEIS"]
    # the trainer schedules nothing
    assert client.get(f"{url(mine)}/interview").status_code == 403
    # the candidate reads neither the record nor its page
    client = app.test_client()
    login(client, mine.candidate.email)
    assert client.get(record_url).status_code == 403
    html = page(client.get(url(mine)))
    assert "Diriger" not in html and "Favorable" not in html


def test_schedule_page(world, client, outbox):
    w = world
    a = w.application(first="Camille", last="Candidate", state=A.COMPLETE)
    login(client, w.coordinator.email)
    schedule_url = f"{url(a)}/interview"
    html = page(client.get(url(a)))
    assert "Programmer l'entretien" in html
    form = page(client.get(schedule_url))
    assert 'type="date"' in form and 'type="time"' in form
    assert w.trainer.full_name in form and w.trainee.full_name not in form
    day = local_today() + timedelta(days=20)
    data = {"interviewer": str(w.trainer.id), "day": day.isoformat(), "at": "10:00",
            "duration": "60", "place": "", "video_url": "http://insecure.example.org"}
    response = post(client, schedule_url, data, token_from=schedule_url)
    assert response.status_code == 200 and "https://" in page(response)
    past = local_today() - timedelta(days=1)
    response = post(client, schedule_url, {**data, "day": past.isoformat(),
                                           "video_url": "https://visio.example.org/x"},
                    token_from=schedule_url)
    assert response.status_code == 200 and "dans le futur" in page(response)
    response = post(client, schedule_url, {**data, "interviewer": str(w.trainee.id),
                                           "video_url": "https://visio.example.org/x"},
                    token_from=schedule_url)
    assert response.status_code == 200
    db.session.refresh(a)
    assert a.state == A.COMPLETE
    response = post(client, schedule_url, {**data, "video_url": "https://visio.example.org/x"},
                    token_from=schedule_url)
    assert response.status_code == 302
    db.session.refresh(a)
    assert a.state == A.INTERVIEW_SCHEDULED
    starts = a.interview.starts_at.astimezone(PARIS)
    assert (starts.date(), starts.hour, starts.minute) == (day, 10, 0)
    # moving: the form comes prefilled with the interview as it stands
    html = page(client.get(url(a)))
    assert "Déplacer l'entretien" in html and "le " + interviews.when_label(
        a.interview.starts_at) in html
    form = page(client.get(schedule_url))
    assert f'value="{day.isoformat()}"' in form and 'value="10:00"' in form
    assert 'value="https://visio.example.org/x"' in form
    assert f'<option selected value="{w.trainer.id}"' in form or (
        f'value="{w.trainer.id}" selected' in form)
    outbox.clear()
    response = post(client, schedule_url, {**data, "at": "15:30", "place": "Avignon",
                                           "video_url": ""}, token_from=schedule_url)
    assert response.status_code == 302
    db.session.refresh(a.interview)
    assert a.interview.sequence == 1 and a.interview.place == "Avignon"
    assert any(m.subject.startswith("Entretien d'admission déplacé") for m in outbox)
    history = page(client.get(url(a)))
    history = history[history.index('id="history-title"'):]
    assert "Entretien programmé" in history and "Entretien déplacé" in history
    # the candidate reads the date in words, the place, the calendar link
    client = app_client(client)
    login(client, a.candidate.email)
    html = page(client.get(url(a)))
    assert "Le " + interviews.when_label(a.interview.starts_at) in html
    assert "à 15 h 30" in html and "Avignon" in html
    assert f"{url(a)}/interview.ics" in html


def app_client(client):
    return client.application.test_client()

