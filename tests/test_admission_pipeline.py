"""The coordination's side of the admissions (cohort/admissions/campaigns.py,
cohort/admissions/pipeline.py, cohort/admissions/pipeline_views.py): campaigns, the
pipeline's counts and filters, the page of one application and who may read it, the
steps on a dossier just submitted (ask for more, complete).

Applications are inserted directly in the state a test needs (the candidate's own
steps are tested in tests/test_admission_candidate.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from coelab.db import db, local_today, transaction, utcnow
from coelab.models import AuditEvent
from coelab.notifications.models import Notification
from coelab.operations import OperationError
from flask import url_for
from sqlalchemy import event, select
from sqlalchemy.orm.attributes import set_committed_value

from cohort import operations as cops
from cohort.admissions import pipeline, workflow
from cohort.admissions.campaigns import (
    create_campaign,
    current_campaign,
    next_campaign,
    update_campaign,
)
from cohort.admissions.models import (
    Application,
    ApplicationState,
    ApplicationTransition,
    Campaign,
    Commission,
    CommissionDecision,
    CommissionMember,
    CommissionRole,
    Interview,
    Opinion,
)
from cohort.models import Site

from .conftest import login, page, post

A = ApplicationState


# --- set-up -----------------------------------------------------------------------------


def campaign_for(actor, today: date | None = None, **kw) -> Campaign:
    today = today or local_today()
    values = {"title": "Recrutement 2026-2027", "year_label": "2026-2027",
              "opens_on": today - timedelta(days=30), "closes_on": today + timedelta(days=200)}
    values.update(kw)
    return create_campaign(actor, **values)


def site(name: str) -> Site:
    return db.session.scalar(select(Site).where(Site.name == name))


def application(make, campaign: Campaign, *, first: str = "Camille", last: str | None = None,
                state: A = A.SUBMITTED, parcours: str | None = "I", site_name: str | None =
                "Martigues", profiles=("employed-5y",), derogation=(), **facts) -> Application:
    """An application inserted directly in ``state``, of a new candidate account."""
    candidate = make.user(first, last)
    row = Application(
        campaign_id=campaign.id, candidate_id=candidate.id, state=state,
        situation="Directrice adjointe d'un foyer", motivation="Coopérer.",
        parcours=parcours, site_id=site(site_name).id if site_name else None,
        profiles=list(profiles), derogation=list(derogation),
        submitted_at=None if state == A.DRAFT else utcnow(), **facts)
    db.session.add(row)
    db.session.commit()
    return row


class World:
    """The catalogue, the coordination (two people), a campaign open today, a trainer,
    a trainee of a cohort and a stranger."""

    def __init__(self, make) -> None:
        cops.load_catalogue()
        self.make = make
        self.coordinator = make.user("Coord", "Ination", coordinator=True)
        self.coordinator2 = make.user("Second", "Coord", coordinator=True)
        self.campaign = campaign_for(self.coordinator)
        cohort = make.cohort("Cohorte formateur")
        self.trainer = make.user("Fanny", "Formatrice")
        make.member(cohort, self.trainer, "trainer")
        self.trainee = make.user("Paula", "Stagiaire")
        make.member(cohort, self.trainee, parcours="I")
        self.stranger = make.user("Olga", "Dehors")

    def application(self, **kw) -> Application:
        return application(self.make, self.campaign, **kw)


@pytest.fixture
def world(app, make) -> World:
    return World(make)


def url(a: Application) -> str:
    return f"/admissions/applications/{a.id}"


# --- campaigns --------------------------------------------------------------------------


def test_campaign_validation(world):
    today = local_today()
    c = world.coordinator
    base = {"title": "Autre", "year_label": "2027-2028", "retention_months": 12}
    with pytest.raises(OperationError, match="suivre la date d'ouverture"):
        create_campaign(c, opens_on=today + timedelta(days=400),
                        closes_on=today + timedelta(days=400), **base)
    with pytest.raises(OperationError, match="2026-2027"):
        create_campaign(c, **{**base, "year_label": "2027"},
                        opens_on=today + timedelta(days=400), closes_on=today + timedelta(days=500))
    with pytest.raises(OperationError, match="2026-2027"):
        create_campaign(c, **{**base, "year_label": "2027-2029"},
                        opens_on=today + timedelta(days=400), closes_on=today + timedelta(days=500))
    for months in (0, 121):
        with pytest.raises(OperationError, match="de 1 à 120 mois"):
            create_campaign(c, **{**base, "retention_months": months},
                            opens_on=today + timedelta(days=400),
                            closes_on=today + timedelta(days=500))
    with pytest.raises(OperationError, match="200 caractères"):
        create_campaign(c, **{**base, "title": "x" * 201}, opens_on=today + timedelta(days=400),
                        closes_on=today + timedelta(days=500))
    # overlapping the open campaign, by one day
    with pytest.raises(OperationError, match="Recrutement 2026-2027.*une seule campagne"):
        create_campaign(c, opens_on=world.campaign.closes_on,
                        closes_on=world.campaign.closes_on + timedelta(days=100), **base)
    assert db.session.scalar(select(Campaign).where(Campaign.title == "Autre")) is None
    nxt = create_campaign(c, opens_on=world.campaign.closes_on + timedelta(days=1),
                          closes_on=world.campaign.closes_on + timedelta(days=200),
                          notes="Réunion\x00 d'information", **base)
    assert nxt.notes == "Réunion d'information"
    assert current_campaign() == world.campaign
    assert next_campaign() == nxt
    assert current_campaign(nxt.opens_on) == nxt
    assert current_campaign(world.campaign.opens_on - timedelta(days=1)) is None
    # a campaign may keep its own dates; it may not grow over the next one
    update_campaign(c, world.campaign, title="Recrutement 2026-2027 (prolongé)",
                    year_label="2026-2027", opens_on=world.campaign.opens_on,
                    closes_on=world.campaign.closes_on, retention_months=24)
    assert world.campaign.retention_months == 24
    with pytest.raises(OperationError, match="chevauchent"):
        update_campaign(c, world.campaign, title="x", year_label="2026-2027",
                        opens_on=world.campaign.opens_on, closes_on=nxt.opens_on)
    db.session.refresh(world.campaign)
    assert world.campaign.closes_on < nxt.opens_on
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "admission_campaigns")))
    assert actions == {"admission.campaign_created", "admission.campaign_updated"}


def test_campaign_pages(world, client, app):
    login(client, world.trainer.email)
    assert client.get("/admissions/campaigns").status_code == 403
    assert client.get("/admissions/campaigns/new").status_code == 403
    client = app.test_client()
    login(client, world.coordinator.email)
    html = page(client.get("/admissions/campaigns"))
    assert "Recrutement 2026-2027" in html and "ouverte" in html
    assert "Nouvelle campagne" in html
    form = page(client.get("/admissions/campaigns/new"))
    assert 'type="date"' in form and "Durée de conservation" in form
    assert "seul un décompte anonyme" in form  # the retention's help text
    start = world.campaign.closes_on + timedelta(days=10)
    data = {"title": "Recrutement 2027-2028", "year_label": "2027-2028",
            "opens_on": start.isoformat(), "closes_on": (start + timedelta(days=240)).isoformat(),
            "retention_months": "12", "notes": "Réunion d'information le 3 octobre."}
    # overlapping: refused on the form, what was typed kept
    bad = {**data, "opens_on": world.campaign.closes_on.isoformat()}
    response = post(client, "/admissions/campaigns/new", bad, token_from="/admissions/campaigns")
    assert response.status_code == 200
    assert "une seule campagne peut être ouverte" in page(response)
    assert 'value="Recrutement 2027-2028"' in page(response)
    response = post(client, "/admissions/campaigns/new", data,
                    token_from="/admissions/campaigns")
    assert response.status_code == 302
    created = db.session.scalar(select(Campaign).where(Campaign.year_label == "2027-2028"))
    assert created.notes == "Réunion d'information le 3 octobre."
    edit = f"/admissions/campaigns/{created.id}"
    assert 'value="Recrutement 2027-2028"' in page(client.get(edit))
    response = post(client, edit, {**data, "retention_months": "500"}, token_from=edit)
    assert response.status_code == 200
    response = post(client, edit, {**data, "retention_months": "18"}, token_from=edit)
    assert response.status_code == 302
    db.session.refresh(created)
    assert created.retention_months == 18
    assert client.get("/admissions/campaigns/99999").status_code == 404


# --- counts and filters -----------------------------------------------------------------


def test_state_counts_and_filters(world, make):
    w = world
    a1 = w.application(first="Anne", parcours="I", site_name="Martigues")
    a2 = w.application(first="Bruno", parcours="II", site_name="Avignon",
                       profiles=("employed-2y-level6",))
    a3 = w.application(first="Chloé", parcours="III", site_name="Martigues", profiles=(),
                       derogation=("qualification",))
    a4 = w.application(first="Denis", state=A.COMPLETE, profiles=("mobility-5y-level6",))
    a5 = w.application(first="Eve", state=A.DRAFT, profiles=())
    old = campaign_for(w.coordinator, title="Ancienne", year_label="2025-2026",
                       today=local_today() - timedelta(days=400))
    application(make, old, first="Ancien", state=A.REFUSED)
    counts = pipeline.state_counts(w.campaign.id)
    assert list(counts) == list(pipeline.ORDER)  # every state, in the procedure's order
    assert counts[A.SUBMITTED] == 3 and counts[A.COMPLETE] == 1 and counts[A.DRAFT] == 1
    assert counts[A.REFUSED] == 0 and counts[A.ADMITTED] == 0
    assert pipeline.state_counts()[A.REFUSED] == 1  # every campaign

    def ids(**kw):
        return [a.id for a in pipeline.applications(pipeline.Filters(
            campaign_id=w.campaign.id, **kw))]

    assert ids() == [a1.id, a2.id, a3.id, a4.id, a5.id]  # drafts (never submitted) last
    assert ids(state=A.SUBMITTED) == [a1.id, a2.id, a3.id]
    assert ids(parcours="II") == [a2.id]
    assert ids(site_id=site("Martigues").id, state=A.SUBMITTED) == [a1.id, a3.id]
    assert ids(profile="employed-5y") == [a1.id]
    assert ids(profile="mobility-5y-level6") == [a4.id]
    assert ids(profile="employed-2y-level6") == [a2.id]
    assert ids(profile="level6") == []  # a code, never a part of one
    assert ids(profile="%") == []
    assert ids(derogation=True) == [a3.id]
    assert ids(derogation=False) == [a1.id, a2.id, a4.id, a5.id]
    assert len(pipeline.applications(pipeline.Filters())) == 6


def test_pipeline_page(world, client, app):
    w = world
    a1 = w.application(first="Anne", last="Arnaud")
    w.application(first="Bruno", last="Blanc", parcours="II", site_name="Avignon")
    w.application(first="Chloé", last="Colin", profiles=(), derogation=("experience",))
    w.application(first="Denis", last="Durand", state=A.COMPLETE)
    login(client, w.trainer.email)
    assert client.get("/admissions/pipeline").status_code == 403
    client = app.test_client()
    login(client, w.coordinator.email)
    html = page(client.get("/admissions/pipeline"))
    nav = html[html.index('class="state-tabs"'):html.index("</nav>", html.index("state-tabs"))]
    tabs = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", nav))
    assert "Déposée 3" in tabs and "Dossier complet 1" in tabs and "Brouillon 0" in tabs
    order = [tabs.index(s) for s in ("Brouillon", "Déposée", "Dossier complet",
                                     "Entretien programmé", "Entretien réalisé",
                                     "Devant la commission", "Admis·e 0 ",
                                     "Admis·e par dérogation", "Liste d'attente", "Refusée",
                                     "Retirée")]
    assert order == sorted(order)
    assert f"campaign={w.campaign.id}&state=submitted" in nav
    for name in ("Anne Arnaud", "Bruno Blanc", "Chloé Colin", "Denis Durand"):
        assert name in html
    assert f'href="/admissions/applications/{a1.id}"' in html
    assert 'class="table-scroll"' in html
    assert "dérogation" in html and "Profil 1" in html
    assert "Vérifier que le dossier est complet" in html and "Programmer l'entretien" in html
    assert "/admissions/campaigns" in html
    # filters
    html = page(client.get("/admissions/pipeline?state=complete"))
    assert "Denis Durand" in html and "Anne Arnaud" not in html
    html = page(client.get(f"/admissions/pipeline?site={site('Avignon').id}"))
    assert "Bruno Blanc" in html and "Anne Arnaud" not in html
    html = page(client.get("/admissions/pipeline?derogation=yes"))
    assert "Chloé Colin" in html and "Anne Arnaud" not in html
    html = page(client.get("/admissions/pipeline?derogation=no&parcours=I"))
    assert "Anne Arnaud" in html and "Chloé Colin" not in html
    html = page(client.get("/admissions/pipeline?parcours=II&profile=employed-5y"))
    assert "Bruno Blanc" in html
    html = page(client.get("/admissions/pipeline?state=refused"))
    assert "Aucune candidature ne correspond à ces filtres" in html
    # nonsense in the query string is no filter, never an error
    for query in ("state=nope", "parcours=IV", "site=abc", "profile=%25", "derogation=maybe",
                  "campaign=99999", "campaign=-1", "site=99999999999999999999999"):
        response = client.get(f"/admissions/pipeline?{query}")
        assert response.status_code == 200, query
    # another campaign, empty
    other = campaign_for(w.coordinator, title="Prochaine", year_label="2027-2028",
                         today=w.campaign.closes_on + timedelta(days=40))
    html = page(client.get(f"/admissions/pipeline?campaign={other.id}"))
    assert "Aucune candidature pour cette campagne pour l'instant" in html
    html = page(client.get("/admissions/pipeline?campaign=all"))
    assert "Anne Arnaud" in html


def test_pipeline_page_without_campaign(app, make, client):
    coordinator = make.user("Coord", "Seule", coordinator=True)
    login(client, coordinator.email)
    html = page(client.get("/admissions/pipeline"))
    assert "Aucune campagne de recrutement n'existe encore" in html


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        self.seen.append(statement)


def test_pipeline_page_queries_do_not_grow(world, client):
    """3 or 30 applications: the same number of SQL statements."""
    w = world
    login(client, w.coordinator.email)

    def statements() -> int:
        listener = Statements()
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/admissions/pipeline").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(listener.seen)

    states = [A.SUBMITTED, A.COMPLETE, A.INTERVIEW_SCHEDULED]
    for n in range(3):
        a = w.application(first=f"P{n}", state=states[n % 3])
        if a.state == A.INTERVIEW_SCHEDULED:
            db.session.add(Interview(application_id=a.id, interviewer_id=w.trainer.id,
                                     starts_at=utcnow() + timedelta(days=3)))
            db.session.commit()
    few = statements()
    for n in range(3, 30):
        a = w.application(first=f"P{n}", state=states[n % 3],
                          site_name="Avignon" if n % 2 else "Martigues")
        if a.state == A.INTERVIEW_SCHEDULED:
            db.session.add(Interview(application_id=a.id, interviewer_id=w.trainer.id,
                                     starts_at=utcnow() + timedelta(days=3)))
            db.session.commit()
    many = statements()
    assert page(client.get("/admissions/pipeline")).count('data-application="') == 30
    assert many == few


# --- the application page: who reads it -------------------------------------------------


def test_application_page_access(world, client, make, app):
    w = world
    a = w.application(first="Camille", last="Candidate")
    other = w.application(first="Autre", last="Candidat")
    for person in (w.trainer, w.trainee, w.stranger, other.candidate):
        login(client, person.email)
        assert client.get(url(a)).status_code == 404, person.full_name
        assert client.get(f"{url(a)}/interview.ics").status_code == 404
        client = app.test_client()
    assert client.get(url(a)).status_code == 302  # anonymous: to the log-in page
    login(client, a.candidate.email)
    html = page(client.get(url(a)))
    assert "Ma candidature" in html and "Candidature de" not in html
    assert client.get(url(other)).status_code == 404
    assert client.get("/admissions/applications/999999").status_code == 404
    client = app.test_client()
    login(client, w.coordinator.email)
    html = page(client.get(url(a)))
    assert "Candidature de Camille Candidate" in html
    assert "Dossier complet" in html and "Demander des compléments" in html
    # a member of the sitting the application is before reads it; only them
    member = make.user("Membre", "Commission")
    commission = Commission(campaign_id=w.campaign.id, sits_at=utcnow() + timedelta(days=9),
                            chair_id=w.coordinator.id)
    db.session.add(commission)
    db.session.flush()
    db.session.add(CommissionMember(commission_id=commission.id, user_id=member.id,
                                    role=CommissionRole.PARTNER))
    db.session.commit()
    client = app.test_client()
    login(client, member.email)
    assert client.get(url(a)).status_code == 404
    a.commission_id = commission.id
    a.state = A.BEFORE_COMMISSION
    db.session.commit()
    html = page(client.get(url(a)))
    assert "Candidature de Camille Candidate" in html
    assert "Dossier complet" not in html  # no step of the coordination's
    assert client.get(f"{url(a)}/interview.ics").status_code == 404


def _decided(world, a: Application, outcome: A, reason: str | None, *, closed: bool):
    commission = Commission(campaign_id=world.campaign.id, sits_at=utcnow(),
                            chair_id=world.coordinator.id,
                            closed_at=utcnow() if closed else None)
    db.session.add(commission)
    db.session.flush()
    db.session.add(Interview(
        application_id=a.id, interviewer_id=world.trainer.id,
        starts_at=utcnow() - timedelta(days=10), place="Martigues, salle 2",
        prerequisites="Prérequis SECRETS vérifiés", objectives="Diriger un EHPAD",
        personalisation="Module 2.3", vae_proposal=["CAFDES"], opinion=Opinion.RESERVED,
        opinion_text="Avis RÉSERVÉ confidentiel", recorded_at=utcnow()))
    for action, src, dst, comment in (
            ("record_interview", A.INTERVIEW_SCHEDULED, A.INTERVIEWED, None),
            ("place_before_commission", A.INTERVIEWED, A.BEFORE_COMMISSION, None),
            ("decide", A.BEFORE_COMMISSION, outcome, reason)):
        db.session.add(ApplicationTransition(application_id=a.id, action=action,
                                             from_state=src, to_state=dst, comment=comment,
                                             actor_id=world.coordinator.id))
    db.session.add(CommissionDecision(application_id=a.id, commission_id=commission.id,
                                      outcome=outcome, reason=reason,
                                      decided_by_id=world.coordinator.id))
    a.state, a.commission_id = outcome, commission.id
    db.session.commit()
    return commission


def test_candidate_reads_no_record_and_no_decision_of_an_open_sitting(world, client, app):
    w = world
    a = w.application(first="Camille", last="Candidate")
    commission = _decided(w, a, A.REFUSED, "Motif du REFUS détaillé", closed=False)
    login(client, a.candidate.email)
    html = page(client.get(url(a)))
    assert "Devant la commission" in html
    assert 'data-state="before_commission"' in html
    for secret in ("SECRETS", "RÉSERVÉ", "Diriger un EHPAD", "CAFDES", "REFUS", "refusée",
                   "Décision de la commission"):
        assert secret not in html, secret
    # the staff read everything, with the warning that the candidate does not yet
    client = app.test_client()
    login(client, w.coordinator.email)
    html = page(client.get(url(a)))
    for seen in ("Prérequis SECRETS vérifiés", "Avis RÉSERVÉ confidentiel", "Réservé",
                 "CAFDES", "Motif du REFUS détaillé", "ne voit pas encore cette décision"):
        assert seen in html, seen
    # the list closed: the decision is the candidate's, with its reason
    commission.closed_at = utcnow()
    db.session.commit()
    client = app.test_client()
    login(client, a.candidate.email)
    html = page(client.get(url(a)))
    assert "Décision de la commission d'admission : refusée" in html
    assert "Motif du REFUS détaillé" in html
    for secret in ("SECRETS", "RÉSERVÉ", "Diriger un EHPAD"):
        assert secret not in html, secret
    assert 'data-state="refused"' in html


def test_staff_reads_decisions_with_revisions(world, client):
    w = world
    a = w.application()
    commission = _decided(w, a, A.WAITING_LIST, None, closed=True)
    db.session.add(CommissionDecision(application_id=a.id, commission_id=commission.id,
                                      outcome=A.ADMITTED, reason="Une place s'est libérée",
                                      revision=True, decided_by_id=w.coordinator2.id))
    a.state = A.ADMITTED
    db.session.commit()
    login(client, w.coordinator.email)
    html = page(client.get(url(a)))
    section = html[html.index('id="decisions-title"'):html.index('id="history-title"')]
    assert "liste d'attente" in section and "admis·e" in section
    assert "Une place s'est libérée" in section and "Second Coord" in section
    assert "nouvelle décision après l'arrêt de la liste" in section
    assert "<form" not in section  # read-only


# --- ask for more, complete -------------------------------------------------------------


def test_ask_more_then_resubmission_then_complete(world, client, outbox, app):
    w = world
    a = w.application(first="Camille", last="Candidate")
    login(client, w.coordinator.email)
    page_url = url(a)
    # the message is required
    response = post(client, f"{page_url}/ask-more", {"ask-message": "   "}, token_from=page_url,
                    follow_redirects=True)
    assert 'flash-error' in page(response)
    db.session.refresh(a)
    assert a.state == A.SUBMITTED
    message = "Merci d'ajouter votre CV\net le diplôme de niveau 6."
    outbox.clear()
    response = post(client, f"{page_url}/ask-more", {"ask-message": message},
                    token_from=page_url)
    assert response.status_code == 302
    db.session.refresh(a)
    assert a.state == A.DRAFT and a.coordinator_note == message
    transition = db.session.scalar(select(ApplicationTransition).where(
        ApplicationTransition.application_id == a.id))
    assert transition.action == "ask_more" and transition.comment == message
    mails = [m for m in outbox if m.to == a.candidate.email]
    assert len(mails) == 1 and "compléments" in mails[0].subject
    assert "Merci d'ajouter votre CV" in mails[0].body
    with app.test_request_context():
        dossier = url_for("admissions.dossier", application_id=a.id)
    assert dossier in mails[0].body
    assert [m.to for m in outbox] == [a.candidate.email]
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "admission.ask_more"))
    assert "CV" not in str(audit.after) and "CV" not in str(audit.before)
    html = page(client.get(page_url))
    assert "Compléments demandés au candidat" in html and "Merci d'ajouter votre CV" in html
    assert "Dossier complet</button>" not in html  # nothing to do on a draft
    # a second request on the draft: refused, clearly
    response = post(client, f"{page_url}/ask-more", {"ask-message": "Encore"},
                    token_from=page_url, follow_redirects=True)
    assert "Impossible : cette candidature est maintenant « brouillon »" in page(response)
    # the candidate reads the request and resubmits
    client = app.test_client()
    login(client, a.candidate.email)
    html = page(client.get(page_url))
    assert "La coordination vous demande" in html and "Merci d'ajouter votre CV" in html
    assert f'href="{dossier}"' in html  # their dossier's link
    with transaction():
        workflow.move(a.candidate, a, "submit", submitted_at=utcnow())
    assert a.state == A.SUBMITTED
    client = app.test_client()
    login(client, w.coordinator.email)
    response = post(client, f"{page_url}/complete", {}, token_from=page_url)
    assert response.status_code == 302
    db.session.refresh(a)
    assert a.state == A.COMPLETE
    assert db.session.scalar(select(Notification).where(
        Notification.user_id == a.candidate.id,
        Notification.subject.contains("complet"))) is not None
    html = page(client.get(page_url))
    history = html[html.index('id="history-title"'):]
    lines = re.findall(r"<li>.*?</li>", history, re.S)
    labels = [re.sub(r"<[^>]+>|\s+", " ", line) for line in lines]
    assert len(labels) == 3
    assert "Compléments demandés par la coordination" in labels[0]
    assert "Candidature déposée" in labels[1] and "Dossier déclaré complet" in labels[2]
    for raw in ("ask_more", "mark_complete", "submitted", "complete<"):
        assert raw not in history, raw
    assert "Programmer l'entretien" in html


def test_two_coordinators_mark_complete_at_once(world, client, app):
    w = world
    a = w.application()
    other_client = app.test_client()
    login(client, w.coordinator.email)
    login(other_client, w.coordinator2.email)
    page_url = url(a)
    token_one = client.get(page_url)
    token_two = other_client.get(page_url)  # both saw "submitted"
    assert token_one.status_code == token_two.status_code == 200
    assert post(client, f"{page_url}/complete", {}, token_from=page_url).status_code == 302
    response = post(other_client, f"{page_url}/complete", {}, token_from=page_url,
                    follow_redirects=True)
    assert "Impossible : cette candidature est maintenant « dossier complet »" in page(response)
    assert db.session.scalar(select(ApplicationTransition.id).where(
        ApplicationTransition.application_id == a.id)) is not None
    assert len(workflow.history(a)) == 1
    # the same race in the operation: the second holds a stale object
    b = w.application()
    stale = db.session.get(Application, b.id)
    pipeline.mark_complete(w.coordinator, b)
    set_committed_value(stale, "state", A.SUBMITTED)
    with pytest.raises(OperationError, match="maintenant « dossier complet »"):
        pipeline.mark_complete(w.coordinator2, stale)
    with pytest.raises(OperationError, match="maintenant « dossier complet »"):
        pipeline.ask_more(w.coordinator2, stale, "Trop tard")
    assert len(workflow.history(b)) == 1


def test_only_the_coordination_takes_the_dossier_steps(world, client, app):
    w = world
    a = w.application()
    with pytest.raises(OperationError):
        pipeline.mark_complete(w.trainer, a)
    with pytest.raises(OperationError):
        pipeline.ask_more(a.candidate, a, "Moi-même")
    with pytest.raises(OperationError, match="5000"):
        pipeline.ask_more(w.coordinator, a, "x" * 5001)
    # an interviewer reads the application, takes no step of the coordination's
    db.session.add(Interview(application_id=a.id, interviewer_id=w.trainer.id,
                             starts_at=utcnow() + timedelta(days=2)))
    db.session.commit()
    login(client, w.trainer.email)
    page_url = url(a)
    assert client.get(page_url).status_code == 200
    assert post(client, f"{page_url}/complete", {}, token_from=page_url).status_code == 403
    assert post(client, f"{page_url}/ask-more", {"ask-message": "x"},
                token_from=page_url).status_code == 403
    client = app.test_client()
    # strangers: the application does not exist for them
    login(client, w.stranger.email)
    assert post(client, f"{page_url}/complete", {},
                token_from="/notifications").status_code == 404
    client = app.test_client()
    # the candidate cannot declare their own dossier complete
    login(client, a.candidate.email)
    assert post(client, f"{page_url}/complete", {}, token_from=page_url).status_code == 403
    # a post without the CSRF token changes nothing
    client = app.test_client()
    login(client, w.coordinator.email)
    client.post(f"{page_url}/complete", data={})
    db.session.refresh(a)
    assert a.state == A.SUBMITTED
