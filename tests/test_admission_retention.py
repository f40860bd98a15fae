"""Deleting applications (cohort/admissions/retention.py): at the candidate's request,
and after the campaign's retention period (``coelab admissions purge``), leaving an
anonymous count; the candidate's account goes too when it served for nothing else."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from coelab.db import db, utcnow
from coelab.deliverables import files
from coelab.models import AuditEvent, User
from coelab.operations import OperationError
from sqlalchemy import func, select

from cohort.admissions.campaigns import create_campaign
from cohort.admissions.candidacy import open_application, submit, withdraw
from cohort.admissions.models import (
    Application,
    ApplicationAttachment,
    ApplicationState,
    ApplicationTransition,
    Campaign,
    Commission,
    Interview,
    PurgedApplications,
)
from cohort.admissions.retention import (
    account_has_other_use,
    add_months,
    delete_application,
    erase,
    expires_on,
    purge,
    register_cli,
)

from .conftest import login, page, post
from .test_admission_candidate import World, complete_application, cv
from .test_deliverables import PDF_BYTES
from .test_failures import stored_files, sweep

A = ApplicationState


@pytest.fixture
def world(app, make) -> World:
    return World(make)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def purged_rows() -> list[tuple]:
    return sorted((r.campaign_id, r.state.value, r.parcours, r.reason, r.count)
                  for r in db.session.scalars(select(PurgedApplications)))


# --- at the candidate's request -------------------------------------------------------


def test_deleting_a_draft_deletes_its_files_and_the_candidate_only_account(client, world):
    application = open_application(world.candidate, world.campaign)
    cv(world, application)
    assert len(stored_files()) == 1
    candidate_id, application_id = world.candidate.id, application.id
    email = world.candidate.email
    login(client, email)
    url = f"/admissions/applications/{application_id}/delete"
    html = page(client.get(url))
    assert "La suppression est définitive." in html
    assert "Votre compte Coélab, qui ne sert qu'à cette candidature, est supprimé aussi" in html
    response = post(client, url, {}, token_from=url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admissions/")
    assert "Votre candidature et votre compte sont supprimés" in page(
        client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Application, application_id) is None
    assert count(ApplicationAttachment) == 0 and stored_files() == set()
    assert db.session.get(User, candidate_id) is None
    assert purged_rows() == [(world.campaign.id, "draft", None, "request", 1)]
    # logged out: the session went with the account
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # the audit keeps ids and states only
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "admission.erased"))
    assert event.object_id == application_id and event.before == {"state": "draft"}
    assert event.after == {"reason": "request"}
    admission_events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("admission.%")))
    assert email not in str([(e.before, e.after, e.summary) for e in admission_events])
    # nor any other event: the account's creation kept its address, now forgotten
    every_event = list(db.session.scalars(select(AuditEvent)))
    assert any(e.action == "user.created" for e in every_event)
    assert email not in str([(e.before, e.after, e.summary) for e in every_event])


def test_an_account_with_other_uses_is_kept(client, world, make):
    cohort = make.cohort()
    make.member(cohort, world.candidate)
    application = open_application(world.candidate, world.campaign)
    assert account_has_other_use(world.candidate)
    login(client, world.candidate.email)
    url = f"/admissions/applications/{application.id}/delete"
    assert "Votre compte Coélab est conservé" in page(client.get(url))
    response = post(client, url, {}, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.candidate.id) is not None
    assert count(Application) == 0
    assert page(client.get("/dashboard"))  # still logged in
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("use", ["coordinator", "interviewer", "chair", "other_campaign"])
def test_other_uses_of_an_account(world, use):
    application = open_application(world.candidate, world.campaign)
    someone = world.other
    if use == "coordinator":
        someone.is_coordinator = True
    elif use == "interviewer":
        db.session.add(Interview(application_id=application.id, interviewer_id=someone.id,
                                 starts_at=utcnow()))
    elif use == "chair":
        db.session.add(Commission(campaign_id=world.campaign.id, sits_at=utcnow(),
                                  chair_id=someone.id))
    else:
        old = Campaign(title="Ancienne", year_label="2019-2020", opens_on=date(2019, 9, 1),
                       closes_on=date(2020, 5, 31), retention_months=12)
        db.session.add(old)
        db.session.flush()
        db.session.add(Application(campaign_id=old.id, candidate_id=someone.id))
    db.session.commit()
    assert account_has_other_use(someone)
    # the candidate: nothing but the application (and what goes with it)
    assert account_has_other_use(world.candidate)
    assert not account_has_other_use(world.candidate, besides=application)


def test_an_application_under_review_is_not_deleted(client, world):
    application = complete_application(world)
    submit(world.candidate, application)
    login(client, world.candidate.email)
    url = f"/admissions/applications/{application.id}/delete"
    html = page(client.get(url))
    assert "Retirez-la d'abord" in html and "Supprimer définitivement" not in html
    response = post(client, url, {}, token_from=url)
    assert response.status_code == 302
    assert db.session.get(Application, application.id) is not None
    with pytest.raises(OperationError, match="retirez-la"):
        delete_application(world.candidate, application)
    # withdrawn, it may go
    withdraw(world.candidate, application)
    assert delete_application(world.candidate, application) is True
    assert purged_rows() == [(world.campaign.id, "withdrawn", "III", "request", 1)]


def test_a_refusal_not_yet_published_cannot_be_deleted_by_the_candidate(world):
    application = complete_application(world)
    commission = Commission(campaign_id=world.campaign.id, sits_at=utcnow())
    db.session.add(commission)
    db.session.flush()
    application.commission_id = commission.id
    application.state = A.REFUSED
    db.session.commit()
    with pytest.raises(OperationError, match="en cours d'examen"):
        delete_application(world.candidate, application)
    commission.closed_at = utcnow()
    db.session.commit()
    assert delete_application(world.candidate, application) is True


def test_someone_else_cannot_delete(client, world):
    application = open_application(world.candidate, world.campaign)
    login(client, world.other.email)
    url = f"/admissions/applications/{application.id}/delete"
    assert client.get(url).status_code == 404
    assert post(client, url, {}, token_from="/dashboard").status_code == 404
    with pytest.raises(OperationError):
        delete_application(world.other, application)
    assert db.session.get(Application, application.id) is not None


def test_the_coordination_deletes_on_request(client, world):
    application = open_application(world.candidate, world.campaign)
    withdraw(world.candidate, application)
    candidate_id = world.candidate.id
    login(client, world.coordinator.email)
    url = f"/admissions/applications/{application.id}/delete"
    assert "Le compte de la personne" in page(client.get(url))
    response = post(client, url, {}, token_from=url)
    assert response.headers["Location"].endswith("/admissions/pipeline")
    db.session.expire_all()
    assert db.session.get(User, candidate_id) is None
    assert db.session.get(User, world.coordinator.id) is not None
    assert client.get("/dashboard").status_code == 200  # the coordinator stays logged in


def test_erasing_is_all_or_nothing(world):
    application = open_application(world.candidate, world.campaign)
    cv(world, application)
    db.session.add(Interview(application_id=application.id, interviewer_id=world.other.id,
                             starts_at=utcnow()))
    db.session.commit()
    application_id = application.id
    expected = {"admission_applications": -1, "admission_attachments": -1,
                "admission_interviews": -1, "admission_purged_counts": 1,
                "audit_events": 2, "users": -1, "admission_transitions": 0}
    expected = {k: v for k, v in expected.items() if v}
    sweep(lambda: erase(world.coordinator, db.session.get(Application, application_id),
                        "request"), expected)
    assert stored_files() == set()
    assert db.session.get(User, world.other.id) is not None  # the interviewer


def test_erasing_an_erased_application_is_refused(world):
    application = open_application(world.candidate, world.campaign)
    erase(None, application, "request")
    # the same page posted twice: the row is gone
    with pytest.raises(OperationError, match="déjà été supprimée"):
        erase(None, application, "request")
    with pytest.raises(ValueError):
        erase(None, application, "whatever")
    assert count(PurgedApplications) == 1


# --- the retention period --------------------------------------------------------------


def test_add_months_keeps_the_day_or_the_month_end():
    assert add_months(date(2021, 5, 31), 12) == date(2022, 5, 31)
    assert add_months(date(2021, 5, 31), 1) == date(2021, 6, 30)
    assert add_months(date(2020, 2, 29), 12) == date(2021, 2, 28)
    assert add_months(date(2021, 11, 15), 3) == date(2022, 2, 15)


def old_campaign(world, *, title, year, closes_on, retention=12) -> Campaign:
    return create_campaign(world.coordinator, title=title, year_label=year,
                           opens_on=closes_on - timedelta(days=200), closes_on=closes_on,
                           retention_months=retention)


def application_in(campaign, user, state, parcours=None) -> Application:
    application = Application(campaign_id=campaign.id, candidate_id=user.id, state=state,
                              parcours=parcours, submitted_at=utcnow())
    db.session.add(application)
    db.session.flush()
    db.session.add(ApplicationTransition(application_id=application.id, action="submit",
                                         from_state=A.DRAFT, to_state=A.SUBMITTED))
    db.session.commit()
    return application


def test_purge_after_the_retention_period(app, world, make):
    today = world.today
    expired = old_campaign(world, title="2018", year="2018-2019",
                           closes_on=add_months(today, -13))
    kept = old_campaign(world, title="2019", year="2019-2020",
                        closes_on=add_months(today, -6))
    people = [make.user(f"P{n}") for n in range(6)]
    admitted = application_in(expired, people[0], A.ADMITTED, "I")
    by_derogation = application_in(expired, people[1], A.ADMITTED_DEROGATION, "II")
    refused = [application_in(expired, people[2], A.REFUSED, "I"),
               application_in(expired, people[3], A.REFUSED, "I")]
    waiting = application_in(expired, people[4], A.WAITING_LIST, "III")
    draft = application_in(expired, world.other, A.DRAFT)
    recent = application_in(kept, people[5], A.REFUSED, "I")
    # a purged candidate who is also a trainee keeps their account
    cohort = make.cohort()
    make.member(cohort, people[3])

    assert expires_on(expired) < today <= expires_on(kept)
    assert purge(today) == 4
    db.session.expire_all()
    remaining = set(db.session.scalars(select(Application.id)))
    assert remaining == {admitted.id, by_derogation.id, recent.id}
    assert purged_rows() == sorted([
        (expired.id, "draft", None, "retention", 1),
        (expired.id, "refused", "I", "retention", 2),
        (expired.id, "waiting_list", "III", "retention", 1),
    ])
    for gone in (refused[0], waiting, draft):
        assert db.session.get(User, gone.candidate_id) is None
    assert db.session.get(User, people[3].id) is not None  # a trainee
    assert db.session.get(User, people[0].id) is not None  # admitted
    assert db.session.get(User, people[5].id) is not None  # not expired yet
    # the transitions went with their applications
    assert db.session.scalar(select(func.count(ApplicationTransition.id))) == 3
    # nothing more to do
    assert purge(today) == 0
    # on its last day the period still runs; the day after, it has run out
    assert purge(expires_on(kept)) == 0
    assert purge(expires_on(kept) + timedelta(days=1)) == 1


def test_purge_deletes_the_files(world, make):
    expired = old_campaign(world, title="2018", year="2018-2019",
                           closes_on=add_months(world.today, -25), retention=24)
    application = application_in(expired, world.candidate, A.DRAFT)
    # a file added while the application was a draft of an open campaign
    kind, stored = files.accept_upload(io.BytesIO(PDF_BYTES), "cv.pdf")
    db.session.add(ApplicationAttachment(application_id=application.id, category="cv",
                              filename="cv.pdf", stored_name=stored.stored_name,
                              content_type=kind.content_type, size=stored.size))
    db.session.commit()
    assert len(stored_files()) == 1
    assert purge(add_months(world.today, -1)) == 0  # 24 months: not yet
    assert purge() == 1
    assert stored_files() == set()


def test_purge_command(app, world, make):
    expired = old_campaign(world, title="2018", year="2018-2019",
                           closes_on=add_months(world.today, -13))
    application_in(expired, world.other, A.WITHDRAWN, "II")
    if "admissions" not in app.cli.commands:
        register_cli(app)
    result = app.test_cli_runner().invoke(args=["admissions", "purge"])
    assert result.exit_code == 0, result.output
    assert "Applications deleted after their retention period: 1." in result.output
    assert purged_rows() == [(expired.id, "withdrawn", "II", "retention", 1)]
