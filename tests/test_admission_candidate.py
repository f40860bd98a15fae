"""The candidate's side of the admissions (cohort/admissions/public_views.py,
candidate_views.py, candidacy.py): the public campaign page, signing up, the dossier
saved as a draft and resumed, submitting, attachments, withdrawing, and what a forged
request gets."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from coelab.db import db, local_today
from coelab.models import AuditEvent, User
from coelab.notifications.models import Notification
from coelab.operations import OperationError
from sqlalchemy import func, select

from cohort import operations as cops
from cohort.admissions import candidacy
from cohort.admissions.campaigns import create_campaign
from cohort.admissions.candidacy import (
    add_attachment,
    current_application,
    missing,
    open_application,
    save_dossier,
    submit,
    withdraw,
)
from cohort.admissions.models import (
    Application,
    ApplicationAttachment,
    ApplicationState,
    AttachmentCategory,
    Commission,
)
from cohort.models import Module, ModuleScope, Site

from .conftest import PASSWORD, login, page, post
from .test_auth import link_in
from .test_deliverables import PDF_BYTES
from .test_failures import stored_files, sweep

A = ApplicationState
LETTER = ("Je dirige depuis six ans un service d'accompagnement et je souhaite "
          "consolider ma pratique du pilotage des organisations sociales. La "
          "coopération entre pairs, au cœur de cette formation, répond à ma manière de "
          "travailler avec les équipes et les partenaires du territoire.") * 2


class World:
    """The catalogue, a campaign open today for the catalogue's year (2020-2021), the
    coordination and two candidates with active accounts."""

    def __init__(self, make) -> None:
        cops.load_catalogue()
        self.today = today = local_today()
        self.coordinator = make.user("Coralie", "Coord", coordinator=True)
        self.campaign = create_campaign(
            self.coordinator, title="Recrutement 2020-2021", year_label="2020-2021",
            opens_on=today - timedelta(days=30), closes_on=today + timedelta(days=90),
            notes="Réunion d'information le premier mardi du mois.")
        self.candidate = make.user("Léa", "Candidate")
        self.other = make.user("Omar", "Autre")
        self.thematic = db.session.scalar(select(Module).where(Module.code == "2.3"))
        self.transversal = db.session.scalar(select(Module).where(Module.code == "1.0"))
        self.site = db.session.scalar(select(Site).where(Site.name == "Avignon"))


@pytest.fixture
def world(app, make) -> World:
    return World(make)


def complete_fields(w: World, **changes) -> dict:
    fields = dict(
        situation="Cheffe de service dans un IME", employer="Association Les Oliviers",
        job_title="Cheffe de service", career="Éducatrice (2008-2016), cheffe de service "
        "depuis 2016.", education="DEES (2008), CAFERUIS (2016).",
        highest_diploma="CAFERUIS", diploma_level=6, motivation=LETTER, parcours="III",
        thematic_module_id=w.thematic.id, site_id=w.site.id, session_number=2,
        funding="employed", in_sector=True, management_months=74, job_seeker=False,
        mobility=False, volunteering_months=0)
    fields.update(changes)
    return fields


def cv(w: World, application: Application, user: User | None = None):
    return add_attachment(user or w.candidate, application, AttachmentCategory.CV,
                          io.BytesIO(PDF_BYTES), "cv.pdf")


def complete_application(w: World, user: User | None = None) -> Application:
    user = user or w.candidate
    application = open_application(user, w.campaign)
    save_dossier(user, application, **complete_fields(w))
    cv(w, application, user)
    return application


def form_data(w: World, **changes) -> dict:
    """The dossier form as a browser posts it, complete."""
    data = {
        "situation": "Cheffe de service dans un IME", "employer": "Les Oliviers",
        "job_title": "Cheffe de service", "career": "Éducatrice puis cheffe de service.",
        "education": "DEES, CAFERUIS.", "highest_diploma": "CAFERUIS",
        "motivation": LETTER, "parcours": "II", "thematic_module": str(w.thematic.id),
        "site": str(w.site.id), "session_number": "1", "funding": "job_seeker",
        "in_sector": "yes", "management_years": "3", "management_extra_months": "0",
        "diploma_level": "6", "job_seeker": "yes", "mobility": "no",
        "volunteering_years": "0", "volunteering_extra_months": "0",
        "action": "save",
    }
    data.update(changes)
    return data


def dossier_url(application: Application) -> str:
    return f"/admissions/applications/{application.id}/dossier"


# --- the public page ----------------------------------------------------------------------


def test_public_page_during_a_campaign(client, world):
    html = page(client.get("/admissions/"))
    assert "Recrutement 2020-2021" in html
    assert re.search(r"Recrutement en continu du \d+ \w+ \d{4} au \d+ \w+ \d{4}", html)
    assert "Réunion d'information le premier mardi du mois." in html
    # the year's sessions, by kind of module
    assert "14 décembre 2020" in html and "juin 2021" in html
    assert "2 novembre 2020" in html
    # sites, parcours with days, hours and costs, free for job seekers
    assert "Martigues" in html and "Manosque – Sisteron" in html
    assert "98 heures" in html and "161 heures" in html
    assert "872,00" in html and "1 432,00" in html.replace("\u202f", " ")
    assert "gratuite pour les demandeurs d'emploi" in html
    # the five profiles' wordings and the derogations
    assert "depuis au moins cinq ans" in html and "Bénévole depuis au moins cinq ans" in html
    assert "Demandeur·se d'emploi titulaire" in html
    assert "dérogations sur le niveau de qualification" in html
    # the procedure
    for step in ("dossier de candidature", "entretien d'admission", "commission d'admission",
                 "liste des admis", "passeport compétences"):
        assert step in html
    assert 'href="/admissions/apply"' in html and "Déposer une candidature" in html


def test_public_page_for_someone_logged_in_goes_to_their_application(client, world):
    login(client, world.candidate.email)
    html = page(client.get("/admissions/"))
    assert 'href="/admissions/mine"' in html
    response = client.get("/admissions/apply")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/admissions/mine")


def test_public_page_outside_a_campaign_names_the_next(client, app, make):
    cops.load_catalogue()
    coordinator = make.user(coordinator=True)
    today = local_today()
    html = page(client.get("/admissions/"))
    assert "Aucune campagne de recrutement n'est encore annoncée" in html
    assert "Déposer une candidature" not in html
    create_campaign(coordinator, title="Recrutement prochain", year_label="2020-2021",
                    opens_on=today + timedelta(days=20), closes_on=today + timedelta(days=200))
    html = page(client.get("/admissions/"))
    assert "Recrutement prochain" in html and "ouvrira le" in html
    assert "Déposer une candidature" not in html
    assert "14 décembre 2020" in html  # its year's sessions already


def test_no_campaign_no_sign_up(client, app, outbox):
    html = page(client.get("/admissions/apply"))
    assert "Les candidatures ne sont pas ouvertes" in html
    response = post(client, "/admissions/apply", {
        "first_name": "Léa", "last_name": "Martin", "email": "lea@example.org"},
        token_from="/admissions/")
    assert response.status_code == 200
    assert "Les candidatures ne sont pas ouvertes" in page(response)
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert list(outbox) == []


# --- signing up ---------------------------------------------------------------------------


def sign_up(client, email, first="Léa", last="Martin"):
    return post(client, "/admissions/apply", {"first_name": first, "last_name": last,
                                              "email": email}, token_from="/admissions/apply")


def test_sign_up_mails_a_link_that_opens_the_account_and_the_dossier(client, world, outbox):
    response = sign_up(client, "  Lea.Martin@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admissions/apply/sent")
    sent = page(client.get("/admissions/apply/sent"))
    assert "Consultez votre messagerie" in sent and "Lea.Martin@Example.org" in sent
    [mail] = outbox
    assert mail.to == "lea.martin@example.org"
    assert "pour déposer votre candidature à la formation" in mail.body
    user = db.session.scalar(select(User).where(User.email == "lea.martin@example.org"))
    assert not user.active and user.first_name == "Léa"
    link = link_in(mail)
    response = post(client, link, {"password": PASSWORD, "confirm": PASSWORD},
                    token_from=link)
    assert response.status_code == 302
    # logged in: their entry point opens their draft
    response = client.get("/admissions/mine")
    application = db.session.scalar(select(Application).where(
        Application.candidate_id == user.id))
    assert application.state == A.DRAFT and application.campaign_id == world.campaign.id
    assert response.headers["Location"].endswith(dossier_url(application))
    html = page(client.get(dossier_url(application)))
    for heading in ("1. Votre situation", "2. Votre lettre de motivation",
                    "3. Votre projet de formation", "4. Conditions d'accès",
                    "5. Pièces jointes"):
        assert heading in html
    assert "Niveau 5 (BTS, DUT" in html and "Niveau 6 (licence" in html
    assert "Travaillez-vous dans le champ de l'intervention sociale" in html


def test_sign_up_for_an_existing_account_tells_nothing_and_creates_nothing(client, world,
                                                                           outbox):
    first = sign_up(client, "nouvelle@example.org")
    assert len(outbox) == 1  # waits for the job
    fresh = page(client.get("/admissions/apply/sent")).replace("nouvelle@example.org", "X")
    users = db.session.scalar(select(func.count(User.id)))
    second = sign_up(client, world.candidate.email, first="Autre", last="Nom")
    known = page(client.get("/admissions/apply/sent")).replace(world.candidate.email, "X")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert fresh == known
    assert db.session.scalar(select(func.count(User.id))) == users
    mail = [m for m in outbox if m.to == world.candidate.email]
    assert len(mail) == 1 and "vous avez déjà un compte" in mail[0].body.lower()
    db.session.refresh(world.candidate)
    assert world.candidate.first_name == "Léa"


def test_sign_up_accepts_the_demo_addresses_and_refuses_wrong_ones(client, world, outbox):
    assert sign_up(client, "camille@demo.coelab.invalid").status_code == 302
    assert [m.to for m in outbox] == ["camille@demo.coelab.invalid"]  # waits for the job
    assert db.session.scalar(select(User).where(User.email == "camille@demo.coelab.invalid"))
    for wrong in ("pas-une-adresse", "a@b", "x" * 250 + "@example.org", "a b@example.org",
                  "léa@@example.org"):
        response = sign_up(client, wrong)
        assert response.status_code == 200, wrong
        assert "adresse e-mail" in page(response)
    response = post(client, "/admissions/apply", {"first_name": "", "last_name": "\x00",
                                                  "email": "ok@example.org"},
                    token_from="/admissions/apply")
    assert "Indiquez votre prénom." in page(response)
    assert "Indiquez votre nom." in page(response)
    assert len(outbox) == 1
    # a NUL character (PostgreSQL refuses them) is dropped
    assert sign_up(client, "zo\x00e@example.org", first="Zo\x00é").status_code == 302
    assert [m.to for m in outbox][1:] == ["zoe@example.org"]
    assert db.session.scalar(select(User.first_name).where(User.email == "zoe@example.org")) \
        == "Zoé"


# --- the draft ----------------------------------------------------------------------------


def test_open_application_is_one_per_person_and_campaign(world, monkeypatch):
    first = open_application(world.candidate, world.campaign)
    assert open_application(world.candidate, world.campaign).id == first.id
    # two requests at once: the second insert meets the unique constraint
    real = candidacy._find
    calls = []

    def late(campaign, user):
        calls.append(1)
        return None if len(calls) == 1 else real(campaign, user)

    monkeypatch.setattr(candidacy, "_find", late)
    assert open_application(world.candidate, world.campaign).id == first.id
    assert db.session.scalar(select(func.count(Application.id))) == 1
    assert current_application(world.candidate).id == first.id
    assert current_application(world.other) is None


def test_no_application_outside_the_campaign(world):
    world.campaign.opens_on = world.today + timedelta(days=1)
    db.session.commit()
    with pytest.raises(OperationError, match="il n'est pas possible"):
        open_application(world.candidate, world.campaign)


def test_draft_saved_then_resumed(client, world):
    login(client, world.candidate.email)
    response = client.get("/admissions/mine")
    application = db.session.scalar(select(Application))
    url = dossier_url(application)
    assert response.headers["Location"].endswith(url)
    response = post(client, url, {"situation": "Directrice adjointe", "parcours": "I",
                                  "thematic_module": str(world.thematic.id),
                                  "management_years": "4", "management_extra_months": "11",
                                  "in_sector": "yes", "action": "save"}, token_from=url)
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.situation == "Directrice adjointe"
    assert application.parcours == "I"
    assert application.thematic_module_id is None  # not for parcours I
    assert application.management_months == 59
    assert application.in_sector is True and application.job_seeker is None
    # an audit event names the fields, not what was written
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "admission.dossier_saved"))
    assert "situation" in event.after["fields"]
    assert "Directrice" not in str(event.after)
    # the next visit shows it again
    html = page(client.get("/admissions/mine", follow_redirects=True))
    assert "Directrice adjointe" in html
    assert 'value="4"' in html and 'value="11"' in html
    assert "Il reste" in html and "votre lettre de motivation" in html


def test_saving_keeps_what_is_right_and_shows_what_is_wrong(client, world):
    application = open_application(world.candidate, world.campaign)
    login(client, world.candidate.email)
    url = dossier_url(application)
    response = post(client, url, form_data(world, situation="Gardée",
                                           parcours="IV", diploma_level="99",
                                           management_extra_months="14"), token_from=url)
    assert response.status_code == 200
    html = page(response)
    assert "Les autres réponses sont enregistrées" in html
    assert "Entre 0 et 11 mois." in html
    assert 'value="Gardée"' not in html  # a text area keeps its text inside
    assert "Gardée" in html
    db.session.refresh(application)
    assert application.situation == "Gardée"
    assert application.parcours is None and application.diploma_level is None
    assert application.management_months is None  # the duration was wrong
    assert application.job_seeker is True


def test_live_feedback_profiles_or_derogation(client, world):
    application = open_application(world.candidate, world.campaign)
    login(client, world.candidate.email)
    url = dossier_url(application)
    post(client, url, form_data(world), token_from=url)  # job seeker, 3 years, level 6
    db.session.refresh(application)
    assert application.profiles == ["job-seeker-3y-level6"]
    assert application.derogation == []
    html = page(client.get(url))
    assert "Vous remplissez la condition d'accès suivante" in html
    assert "Demandeur·se d'emploi titulaire" in html
    post(client, url, form_data(world, diploma_level="5", management_years="2"),
         token_from=url)
    db.session.refresh(application)
    assert application.profiles == [] and application.derogation == ["qualification",
                                                                     "experience"]
    html = page(client.get(url))
    assert ("Votre candidature demande une dérogation portant sur le niveau de "
            "qualification et le nombre d'années d'expérience") in html
    assert "Votre projet professionnel ou bénévole" in html


# --- submitting ---------------------------------------------------------------------------


def test_submit_refused_with_what_is_missing(world):
    application = open_application(world.candidate, world.campaign)
    save_dossier(world.candidate, application, **complete_fields(
        world, motivation="Trop court.", thematic_module_id=None, in_sector=None))
    with pytest.raises(OperationError) as refused:
        submit(world.candidate, application)
    message = str(refused.value)
    assert message.startswith("Votre dossier n'est pas encore complet. Il manque")
    assert "une lettre de motivation plus développée" in message
    assert "le module thématique" in message
    assert "si vous travaillez dans le champ" in message
    assert "votre CV" in message
    assert db.session.get(Application, application.id).state == A.DRAFT


def test_a_derogation_needs_its_project(world):
    application = open_application(world.candidate, world.campaign)
    save_dossier(world.candidate, application, **complete_fields(
        world, management_months=12, diploma_level=5))
    cv(world, application)
    assert application.derogation == ["experience"]
    assert missing(application) == ["votre projet professionnel ou bénévole (dérogation)"]
    save_dossier(world.candidate, application, derogation_project="Mon projet : ouvrir "
                 "un tiers-lieu associatif.")
    assert missing(application) == []


def test_submit_complete_dossier_tells_candidate_and_coordination(client, world, outbox):
    application = complete_application(world)
    login(client, world.candidate.email)
    url = dossier_url(application)
    response = post(client, url, form_data(world, action="submit"), token_from=url)
    confirm = f"/admissions/applications/{application.id}/submit"
    assert response.headers["Location"].endswith(confirm)
    html = page(client.get(confirm))
    assert "Et ensuite ?" in html and "Je confirme" in html
    response = post(client, confirm, {}, token_from=confirm)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admissions/applications/{application.id}")
    db.session.refresh(application)
    assert application.state == A.SUBMITTED and application.submitted_at is not None
    to_candidate = [m for m in outbox if m.to == world.candidate.email]
    assert [m.subject for m in to_candidate] == ["Candidature déposée"]
    assert "entretien d'admission" in to_candidate[0].body
    to_coordination = [m for m in outbox if m.to == world.coordinator.email]
    assert [m.subject for m in to_coordination] == ["Nouvelle candidature"]
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == world.coordinator.id)) == 1
    # after submission the dossier no longer changes
    response = post(client, url, form_data(world, situation="Changée"),
                    token_from="/dashboard")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.situation != "Changée"
    with pytest.raises(OperationError, match="Impossible"):
        save_dossier(world.candidate, application, situation="Changée")
    with pytest.raises(OperationError, match="Impossible"):
        submit(world.candidate, application)
    response = post(client, confirm, {}, token_from="/dashboard")
    assert db.session.scalar(select(func.count(Application.id)).where(
        Application.state == A.SUBMITTED)) == 1


def test_submit_is_all_or_nothing(world):
    application = complete_application(world)
    sweep(lambda: submit(world.candidate, db.session.get(Application, application.id)),
          {"admission_transitions": 1, "audit_events": 1})


def test_the_campaign_closed_refuses_a_first_submission(world):
    application = complete_application(world)
    world.campaign.closes_on = world.today - timedelta(days=1)
    db.session.commit()
    with pytest.raises(OperationError, match="est close"):
        submit(world.candidate, application)


# --- forged requests ----------------------------------------------------------------------


def test_someone_else_s_application_does_not_exist_for_them(client, world):
    application = complete_application(world)
    attachment = application.attachments[0]
    login(client, world.other.email)
    base = f"/admissions/applications/{application.id}"
    assert client.get(f"{base}/dossier").status_code == 404
    assert post(client, f"{base}/dossier", form_data(world),
                token_from="/dashboard").status_code == 404
    assert client.get(f"{base}/attachments/{attachment.id}").status_code == 404
    assert post(client, f"{base}/attachments/{attachment.id}/delete", {},
                token_from="/dashboard").status_code == 404
    assert post(client, f"{base}/submit", {}, token_from="/dashboard").status_code == 404
    assert post(client, f"{base}/withdraw", {}, token_from="/dashboard").status_code == 404
    assert post(client, f"{base}/delete", {}, token_from="/dashboard").status_code == 404
    assert client.get("/admissions/applications/99999/dossier").status_code == 404
    db.session.refresh(application)
    assert application.state == A.DRAFT and len(application.attachments) == 1
    with pytest.raises(OperationError):
        save_dossier(world.other, application, situation="Piraté")


def test_the_coordination_reads_but_does_not_write_the_dossier(client, world):
    application = complete_application(world)
    login(client, world.coordinator.email)
    base = f"/admissions/applications/{application.id}"
    assert client.get(f"{base}/dossier").status_code == 403
    response = client.get(f"{base}/attachments/{application.attachments[0].id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("changes, error", [
    ({"parcours": "IV"}, "parcours"),
    ({"diploma_level": "99"}, "diploma_level"),
    ({"diploma_level": "abc"}, "diploma_level"),
    ({"thematic_module": "TRANSVERSAL"}, "thematic_module"),
    ({"site": "99999"}, "site"),
    ({"session_number": "7"}, "session_number"),
    ({"funding": "rich"}, "funding"),
    ({"in_sector": "maybe"}, "in_sector"),
    ({"management_years": "51"}, "management_years"),
    ({"volunteering_years": "-1"}, "volunteering_years"),
    ({"motivation": "x" * 5001}, "motivation"),
    ({"employer": "x" * 201}, "employer"),
], ids=lambda v: v if isinstance(v, str) else next(iter(v)))
def test_forged_answers_are_form_errors(client, world, changes, error):
    application = open_application(world.candidate, world.campaign)
    save_dossier(world.candidate, application, **complete_fields(world))
    before = {c.name: getattr(application, c.name) for c in Application.__table__.columns
              if c.name not in ("updated_at",)}
    login(client, world.candidate.email)
    url = dossier_url(application)
    if changes.get("thematic_module") == "TRANSVERSAL":
        changes = {"thematic_module": str(world.transversal.id)}
    data = {**form_data(world, parcours="III", funding="employed"), **changes}
    response = post(client, url, data, token_from=url)
    assert response.status_code == 200
    html = page(response)
    assert f'id="{error}-errors"' in html
    db.session.refresh(application)
    column = {"thematic_module": "thematic_module_id", "site": "site_id",
              "management_years": "management_months",
              "volunteering_years": "volunteering_months"}.get(error, error)
    assert getattr(application, column) == before[column]


def test_the_operation_refuses_what_the_form_would(world):
    application = open_application(world.candidate, world.campaign)
    for fields in ({"parcours": "IV"}, {"diploma_level": 99}, {"diploma_level": 2},
                   {"thematic_module_id": world.transversal.id}, {"site_id": 99999},
                   {"session_number": 4}, {"funding": "rich"}, {"in_sector": "yes"},
                   {"management_months": 601}, {"volunteering_months": -1},
                   {"motivation": "x" * 5001}, {"highest_diploma": "x" * 301}):
        with pytest.raises(OperationError):
            save_dossier(world.candidate, application, **fields)
    with pytest.raises(TypeError):
        save_dossier(world.candidate, application, state="submitted")
    db.session.refresh(application)
    assert application.state == A.DRAFT and application.parcours is None


def test_huge_and_nul_texts(client, world):
    application = open_application(world.candidate, world.campaign)
    login(client, world.candidate.email)
    url = dossier_url(application)
    response = post(client, url, form_data(world, career="é" * 100_000), token_from=url)
    assert response.status_code == 200
    assert "5000 caractères au plus" in page(response)
    response = post(client, url, form_data(world, situation="Cheffe\x00 de service",
                                           employer="\x00"), token_from=url)
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.situation == "Cheffe de service"
    assert application.employer is None


def test_a_csrf_less_post_saves_nothing(client, world):
    application = open_application(world.candidate, world.campaign)
    login(client, world.candidate.email)
    response = client.post(dossier_url(application), data=form_data(world))
    assert response.status_code == 400
    db.session.refresh(application)
    assert application.situation is None


# --- attachments --------------------------------------------------------------------------


def upload(client, application, data: bytes, name: str, category: str = "cv"):
    url = f"/admissions/applications/{application.id}/attachments"
    return post(client, url, {"att-category": category,
                              "att-file": (io.BytesIO(data), name)},
                token_from=dossier_url(application), content_type="multipart/form-data")


def test_attachments_checked_stored_and_removed(client, world):
    application = open_application(world.candidate, world.campaign)
    login(client, world.candidate.email)
    response = upload(client, application, PDF_BYTES, "Mon CV.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#attachments")
    [item] = db.session.scalars(select(ApplicationAttachment)).all()
    assert item.category == AttachmentCategory.CV and item.filename == "Mon CV.pdf"
    assert len(stored_files()) == 1
    html = page(client.get(dossier_url(application)))
    assert "Mon CV.pdf" in html and "Votre CV manque encore" not in html
    # a page is not a PDF, whatever its name; an unknown category is refused
    before = stored_files()
    response = upload(client, application, b"<html><script>alert(1)</script>", "cv.pdf")
    assert "n'est pas accepté" in page(client.get(response.headers["Location"]))
    response = upload(client, application, PDF_BYTES, "d.pdf", category="passport")
    assert stored_files() == before
    assert db.session.scalar(select(func.count(ApplicationAttachment.id))) == 1
    # removed: the file goes too
    remove = f"/admissions/applications/{application.id}/attachments/{item.id}/delete"
    assert post(client, remove, {}, token_from=dossier_url(application)).status_code == 302
    assert db.session.scalar(select(func.count(ApplicationAttachment.id))) == 0
    assert stored_files() == set()


def test_at_most_ten_attachments(world):
    application = open_application(world.candidate, world.campaign)
    for n in range(candidacy.MAX_ATTACHMENTS):
        add_attachment(world.candidate, application, "diploma", io.BytesIO(PDF_BYTES),
                       f"d{n}.pdf")
    files = stored_files()
    with pytest.raises(OperationError, match="10 pièces jointes au plus"):
        cv(world, application)
    assert stored_files() == files


def test_adding_an_attachment_is_all_or_nothing(world):
    application = open_application(world.candidate, world.campaign)
    sweep(lambda: cv(world, db.session.get(Application, application.id)),
          {"admission_attachments": 1, "audit_events": 1})


def test_no_attachment_after_submission(world):
    application = complete_application(world)
    submit(world.candidate, application)
    files = stored_files()
    with pytest.raises(OperationError, match="Impossible"):
        cv(world, application)
    with pytest.raises(OperationError, match="Impossible"):
        candidacy.remove_attachment(world.candidate, application.attachments[0])
    assert stored_files() == files


# --- withdrawing --------------------------------------------------------------------------


def test_withdraw_after_confirmation_tells_the_coordination(client, world, outbox):
    application = complete_application(world)
    submit(world.candidate, application)
    outbox.clear()
    login(client, world.candidate.email)
    url = f"/admissions/applications/{application.id}/withdraw"
    html = page(client.get(url))
    assert "Je retire ma candidature" in html
    response = post(client, url, {"reason": "Je change de poste."}, token_from=url)
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == A.WITHDRAWN
    assert [m.subject for m in outbox if m.to == world.coordinator.email] == [
        "Candidature retirée"]
    assert not [m for m in outbox if m.to == world.candidate.email]
    # twice: told it is no longer possible
    response = post(client, url, {}, token_from=url)
    with pytest.raises(OperationError, match="Impossible"):
        withdraw(world.candidate, application)


def test_withdrawing_a_draft_tells_no_one(world, outbox):
    application = open_application(world.candidate, world.campaign)
    withdraw(world.candidate, application)
    assert application.state == A.WITHDRAWN
    assert list(outbox) == []


def test_after_a_withdrawal_a_new_campaign_opens_a_new_draft(client, world, make):
    application = open_application(world.candidate, world.campaign)
    withdraw(world.candidate, application)
    login(client, world.candidate.email)
    # the same campaign: they follow their withdrawn application
    response = client.get("/admissions/mine")
    assert response.headers["Location"].endswith(f"/admissions/applications/{application.id}")
    # the next year's campaign: a new draft
    world.campaign.opens_on = world.today - timedelta(days=400)
    world.campaign.closes_on = world.today - timedelta(days=300)
    db.session.commit()
    create_campaign(world.coordinator, title="Suivante", year_label="2021-2022",
                    opens_on=world.today - timedelta(days=1),
                    closes_on=world.today + timedelta(days=100))
    response = client.get("/admissions/mine")
    new = db.session.scalar(select(Application).where(Application.id != application.id))
    assert new is not None and new.state == A.DRAFT
    assert response.headers["Location"].endswith(dossier_url(new))


def test_without_campaign_or_application_the_entry_point_explains(client, world, make):
    world.campaign.opens_on = world.today + timedelta(days=10)
    db.session.commit()
    login(client, world.candidate.email)
    response = client.get("/admissions/mine")
    assert response.status_code == 200
    html = page(response)
    assert "les candidatures ne sont pas ouvertes" in html
    assert "ouvrira le" in html
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_the_coordination_is_sent_to_the_pipeline(client, world):
    login(client, world.coordinator.email)
    response = client.get("/admissions/mine")
    assert response.headers["Location"].endswith("/admissions/pipeline")
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_read_only_dossier_shows_the_words(app, world):
    application = complete_application(world)
    save_dossier(world.candidate, application, management_months=12, diploma_level=5,
                 derogation_project="Ouvrir un tiers-lieu.")
    with app.test_request_context():
        from flask import render_template_string

        html = render_template_string('{% include "cohort/admissions/_dossier.html" %}',
                                      application=application)
    import html as html_lib

    html = html_lib.unescape(html)
    assert "Parcours III" in html and "2.3" in html and "Avignon" in html
    assert "1 an" in html and "Niveau 5 (BTS" in html
    assert "Dérogation demandée sur le nombre d'années d'expérience" in html
    assert "Ouvrir un tiers-lieu." in html
    assert f"/admissions/applications/{application.id}/attachments/" in html
    assert "cv.pdf" in html
    assert ModuleScope.THEMATIC  # the module list is the catalogue's


def test_sign_up_is_rate_limited(client, world, outbox):
    for n in range(10):
        assert sign_up(client, f"personne{n}@example.org").status_code == 302
    response = sign_up(client, "une-de-trop@example.org")
    assert response.status_code == 429
    assert len(outbox) == 10


@pytest.mark.parametrize("decision", [A.ADMITTED, A.REFUSED, A.WAITING_LIST])
def test_pages_do_not_tell_a_decision_before_the_list_is_closed(client, world, decision):
    application = complete_application(world)
    commission = Commission(campaign_id=world.campaign.id, sits_at=world.campaign.created_at)
    db.session.add(commission)
    db.session.flush()
    application.commission_id, application.state = commission.id, decision
    db.session.commit()
    login(client, world.candidate.email)
    base = f"/admissions/applications/{application.id}"
    withdraw_page = page(client.get(f"{base}/withdraw"))
    delete_page = page(client.get(f"{base}/delete"))
    for html in (withdraw_page, delete_page):
        for word in ("admis·e", "refusée", "liste d'attente", "avec l'inscription"):
            assert word not in html.split("<main", 1)[1], (decision, word)
    assert "entre les mains de la commission" in withdraw_page
    post(client, f"{base}/withdraw", {}, token_from=f"{base}/withdraw")
    db.session.refresh(application)
    assert application.state == decision
