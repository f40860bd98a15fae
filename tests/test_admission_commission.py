"""The admission commission (cohort/admissions/commission.py, partners.py and
commission_views.py; docs/domain.md, "Admission"): partner organisations, the sittings and
their composition, the applications put before them, the chair's decisions, the closing of
the list, the decisions final afterwards, the minutes and the lists of admitted people.

Applications are written directly in the state the commission receives them (interviewed,
with their interview's record): the candidate's and the coordination's earlier steps are
tested in their own files."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from coelab.db import db, utcnow
from coelab.models import AuditEvent, Parcours, User
from coelab.notifications.models import Notification
from coelab.operations import OperationError
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from cohort import operations as cops
from cohort.admissions import commission as cm
from cohort.admissions import partners as pt
from cohort.admissions.models import (
    Application,
    ApplicationState,
    Campaign,
    Commission,
    CommissionDecision,
    CommissionMember,
    CommissionRole,
    Interview,
    Opinion,
    PartnerOrganisation,
)
from cohort.models import Funding, Module, Site

from .conftest import login, page
from .conftest import post as _post

A = ApplicationState
PDF_MAGIC = b"%PDF"


@pytest.fixture(autouse=True)
def application_page(app):
    """The application's page is another part's (cohort/admissions/pipeline_views.py):
    links and notifications point to it; a stand-in serves while it is not there."""
    if "admissions.application" not in app.view_functions:
        app.add_url_rule("/admissions/candidatures/<int:application_id>",
                         endpoint="admissions.application", view_func=lambda application_id: "")


class Sitting:
    """A campaign and a sitting of its commission, composed as the programme asks: the
    programme lead presides, the director and the representative of the one partner
    organisation sit; a member of another sitting, a trainee and a stranger."""

    def __init__(self, make) -> None:
        cops.load_catalogue()
        self.make = make
        self.coordinator = make.user("Corinne", "Coordination", coordinator=True)
        self.lead = make.user("Luc", "Responsable")
        self.director = make.user("Diane", "Directrice")
        self.rep = make.user("Pablo", "Partenaire")
        self.other_member = make.user("Odile", "Ailleurs")
        self.stranger = make.user("Sam", "Inconnu")
        self.trainee = make.user("Tina", "Stagiaire")
        cohort = make.cohort("Cohorte existante")
        make.member(cohort, self.trainee, parcours="I")
        self.campaign = Campaign(title="Recrutement 2020-2021", year_label="2020-2021",
                                 opens_on=date(2020, 9, 1), closes_on=date(2021, 5, 31))
        db.session.add(self.campaign)
        db.session.commit()
        self.partner = pt.create_partner(self.coordinator, name="Association Les Calanques",
                                         contact="Mme Leroy, 04 00 00 00 00")
        self.sits_at = datetime(2021, 3, 10, 13, 0, tzinfo=UTC)
        self.commission = cm.create_commission(
            self.coordinator, campaign=self.campaign, sits_at=self.sits_at,
            place="Martigues, salle 2", chair=self.lead,
            chair_role=CommissionRole.PROGRAMME_LEAD)
        cm.add_member(self.coordinator, self.commission, user=self.director,
                      role=CommissionRole.DIRECTOR)
        cm.add_member(self.coordinator, self.commission, user=self.rep,
                      role=CommissionRole.PARTNER, partner=self.partner)
        self.other = cm.create_commission(
            self.coordinator, campaign=self.campaign, sits_at=self.sits_at + timedelta(days=30),
            place=None, chair=self.other_member)
        self.martigues = db.session.scalar(select(Site).where(Site.name == "Martigues"))
        self._n = 0

    def application(self, first: str = "Chloé", last: str | None = None, *,
                    parcours: str = "I", state: ApplicationState = A.INTERVIEWED,
                    derogation: tuple[str, ...] = (), thematic: str | None = None,
                    funding: Funding = Funding.EMPLOYED, site: Site | None = None,
                    session_number: int | None = 1, campaign: Campaign | None = None,
                    email: str | None = None, opinion: Opinion = Opinion.FAVOURABLE
                    ) -> Application:
        """An application as the interview leaves it, with the interview's record."""
        self._n += 1
        person = self.make.user(first, last or f"Candidate{self._n}", email=email)
        module = (db.session.scalar(select(Module).where(Module.code == thematic))
                  if thematic else None)
        application = Application(
            campaign_id=(campaign or self.campaign).id, candidate_id=person.id, state=state,
            parcours=Parcours(parcours), thematic_module=module, site=site or self.martigues,
            session_number=session_number, funding=funding,
            job_seeker=funding == Funding.JOB_SEEKER, diploma_level=6, in_sector=True,
            management_months=72, profiles=[] if derogation else ["employed-5y"],
            derogation=list(derogation),
            derogation_project="Reprendre la direction d'un foyer." if derogation else None,
            submitted_at=utcnow())
        db.session.add(application)
        db.session.flush()
        db.session.add(Interview(
            application_id=application.id, interviewer_id=self.coordinator.id,
            starts_at=utcnow() - timedelta(days=3),
            prerequisites="Vérifiés ensemble.",
            objectives="Conduire le projet de fusion de deux établissements.",
            personalisation="Approfondir la gouvernance associative.",
            immersion="Deux semaines dans un EHPAD partenaire.",
            complementary_training="Module de gestion budgétaire.",
            vae_proposal=["CAFERUIS"], vae_note="Rendez-vous pris avec le service VAE.",
            funding_note="Plan de développement des compétences de l'employeur.",
            opinion=opinion, opinion_text="Projet solide.", recorded_at=utcnow(),
            recorded_by_id=self.coordinator.id))
        db.session.commit()
        return application

    def before(self, *args, **kwargs) -> Application:
        """An application put before the sitting."""
        application = self.application(*args, **kwargs)
        cm.place(self.coordinator, application, self.commission)
        return application

    def url(self, suffix: str = "") -> str:
        return f"/admissions/commissions/{self.commission.id}{suffix}"


@pytest.fixture
def s(app, make) -> Sitting:
    return Sitting(make)


def post(client, path: str, data: dict | None = None,
         token_from: str = "/dashboard"):  # noqa: S107 - a page, not a password
    """A form posted by a logged-in browser (its CSRF token read from a page it sees)."""
    return _post(client, path, data, token_from=token_from)


def client_of(app, person):
    """A browser of its own, logged in as ``person``."""
    c = app.test_client()
    login(c, person.email)
    return c


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(action: str) -> int:
    return count(AuditEvent, AuditEvent.action == action)


def decided(s: Sitting, outcome: ApplicationState = A.ADMITTED, reason: str | None = None,
            **kwargs) -> Application:
    application = s.before(**kwargs)
    cm.decide(s.lead, application, outcome, reason)
    return application


# --- partner organisations -------------------------------------------------------------


def test_partners_are_managed_by_the_coordination_with_unique_names(app, client, s):
    login(client, s.coordinator.email)
    response = post(client, "/admissions/partenaires",
                    {"name": "  Fondation   du Littoral ", "contact": "contact@littoral.fr"},
                    token_from="/admissions/partenaires")
    assert response.status_code == 302
    partner = db.session.scalar(select(PartnerOrganisation).where(
        PartnerOrganisation.name == "Fondation du Littoral"))
    assert partner is not None and partner.active
    # the same name, whatever its case: refused on the form, nothing written
    response = post(client, "/admissions/partenaires", {"name": "FONDATION DU LITTORAL"},
                    token_from="/admissions/partenaires")
    assert response.status_code == 200
    assert "Une organisation partenaire s'appelle déjà" in page(response)
    assert count(PartnerOrganisation) == 2
    # renamed, then deactivated (no longer required on the commission) and reactivated
    response = post(client, f"/admissions/partenaires/{partner.id}",
                    {"name": "Fondation du Littoral Sud", "contact": ""},
                    token_from=f"/admissions/partenaires/{partner.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert partner.name == "Fondation du Littoral Sud" and partner.contact is None
    assert cm.composition(s.commission).missing_partners == ("Fondation du Littoral Sud",)
    post(client, f"/admissions/partenaires/{partner.id}/desactiver",
         token_from="/admissions/partenaires")
    db.session.expire_all()
    assert not partner.active
    assert cm.composition(s.commission).complete
    assert "n'est plus partenaire" in page(client.get("/admissions/partenaires"))
    post(client, f"/admissions/partenaires/{partner.id}/reactiver",
         token_from="/admissions/partenaires")
    db.session.expire_all()
    assert partner.active
    assert audits("admission.partner_created") == 2
    assert audits("admission.partner_updated") == 1
    assert audits("admission.partner_deactivated") == 1
    assert audits("admission.partner_activated") == 1
    # a name another has (renaming onto it), an empty or huge name: refused
    with pytest.raises(OperationError, match="s'appelle déjà"):
        pt.update_partner(s.coordinator, partner, name="association les calanques",
                          contact=None)
    with pytest.raises(OperationError):
        pt.create_partner(s.coordinator, name=" \x00 ")
    with pytest.raises(OperationError):
        pt.create_partner(s.coordinator, name="x" * 201)


def test_a_duplicate_name_added_at_the_same_moment_is_a_clear_refusal(app, s, monkeypatch):
    # the check before the insert saw nothing: the unique index refuses, cleanly
    monkeypatch.setattr(pt, "_check_unique", lambda name, partner: None)
    with pytest.raises(OperationError, match="s'appelle déjà"):
        pt.create_partner(s.coordinator, name="Association Les Calanques")
    assert count(PartnerOrganisation) == 1


def test_only_the_coordination_manages_partners(app, client, s):
    login(client, s.lead.email)
    assert client.get("/admissions/partenaires").status_code == 403
    response = post(client, "/admissions/partenaires", {"name": "Intrus"})
    assert response.status_code == 403
    response = post(client, f"/admissions/partenaires/{s.partner.id}/desactiver")
    assert response.status_code == 403
    assert count(PartnerOrganisation) == 1 and s.partner.active


# --- sittings and members ----------------------------------------------------------------


def test_a_sitting_is_planned_in_paris_time_with_its_chair_as_member(app, client, s):
    login(client, s.coordinator.email)
    response = post(client, "/admissions/commissions", {
        "campaign": s.campaign.id, "sits_at": "2021-06-15T14:30", "place": "Avignon",
        "chair": s.director.id, "chair_role": "director"}, token_from="/admissions/commissions")
    assert response.status_code == 302, page(response)[:3000]
    commission = db.session.scalar(select(Commission).where(Commission.place == "Avignon"))
    # 14:30 in Paris in June is 12:30 UTC
    assert commission.sits_at == datetime(2021, 6, 15, 12, 30, tzinfo=UTC)
    assert commission.chair_id == s.director.id
    (member,) = commission.members
    assert (member.user_id, member.role) == (s.director.id, CommissionRole.DIRECTOR)
    assert audits("admission.commission_created") == 3
    html = page(client.get(f"/admissions/commissions/{commission.id}"))
    assert "Commission d'admission du 15 juin 2021 à 14 h 30" in html
    # a chair who is a candidate of the campaign, a partner as chair: refused
    candidate = s.application("Carla", "Candidate").candidate
    with pytest.raises(OperationError, match="candidat·e à cette campagne"):
        cm.create_commission(s.coordinator, campaign=s.campaign, sits_at=s.sits_at,
                             place=None, chair=candidate)
    with pytest.raises(OperationError):
        cm.create_commission(s.coordinator, campaign=s.campaign, sits_at=s.sits_at,
                             place=None, chair=s.lead, chair_role="partner")
    with pytest.raises(OperationError):
        cm.create_commission(s.coordinator, campaign=s.campaign,
                             sits_at=datetime(2021, 3, 1, 9, 0),  # noqa: DTZ001 - refused
                             place=None, chair=s.lead)
    # a date no one means, even at the edge of the calendar: a clear refusal
    for typed in ("0001-01-01T00:30", "0202-03-10T14:00"):
        response = post(client, "/admissions/commissions", {
            "campaign": s.campaign.id, "sits_at": typed, "place": "", "chair": s.lead.id,
            "chair_role": "programme_lead"}, token_from="/admissions/commissions")
        assert response.status_code == 200
        assert "Indiquez une date" in page(response)
    assert count(Commission) == 3


def test_members_rules(app, s):
    second = s.make.user("Second", "Représentant")
    with pytest.raises(OperationError, match="Choisissez l'organisation partenaire"):
        cm.add_member(s.coordinator, s.commission, user=second, role="partner")
    with pytest.raises(OperationError, match="a déjà sa ou son représentant·e : Pablo"):
        cm.add_member(s.coordinator, s.commission, user=second, role="partner",
                      partner=s.partner)
    with pytest.raises(OperationError, match="siège déjà : Diane"):
        cm.add_member(s.coordinator, s.commission, user=second, role="director")
    with pytest.raises(OperationError, match="siège déjà à cette commission"):
        cm.add_member(s.coordinator, s.commission, user=s.rep, role="director")
    with pytest.raises(OperationError, match="rôles proposés"):
        cm.add_member(s.coordinator, s.commission, user=second, role="king")
    candidate = s.application().candidate
    other = pt.create_partner(s.coordinator, name="Autre partenaire")
    with pytest.raises(OperationError, match="ne peut pas siéger"):
        cm.add_member(s.coordinator, s.commission, user=candidate, role="partner",
                      partner=other)
    chair = next(m for m in s.commission.members if m.user_id == s.lead.id)
    with pytest.raises(OperationError, match="présidence"):
        cm.remove_member(s.coordinator, chair)
    rep = next(m for m in s.commission.members if m.user_id == s.rep.id)
    cm.remove_member(s.coordinator, rep)
    assert count(CommissionMember, CommissionMember.commission_id == s.commission.id) == 2
    assert audits("admission.commission_member_removed") == 1


def test_members_are_chosen_or_invited_with_a_demo_address(app, client, s, outbox):
    other = pt.create_partner(s.coordinator, name="Foyer des Alpilles")
    login(client, s.coordinator.email)
    html = page(client.get(s.url()))
    assert "Il manque : un·e représentant·e de « Foyer des Alpilles »" in html
    response = post(client, s.url("/membres/inviter"), {
        "invite-email": "rachid.amrani@demo.coelab.invalid", "invite-first_name": "Rachid",
        "invite-last_name": "Amrani", "invite-partner": other.id}, token_from=s.url())
    assert response.status_code == 302
    invited = db.session.scalar(select(User).where(
        User.email == "rachid.amrani@demo.coelab.invalid"))
    assert invited is not None and not invited.active and invited.organisation == other.name
    assert any(m.to == invited.email for m in outbox)
    member = db.session.scalar(select(CommissionMember).where(
        CommissionMember.user_id == invited.id))
    assert (member.role, member.partner_id) == (CommissionRole.PARTNER, other.id)
    assert cm.composition(s.commission).complete
    # not an address: refused, nobody invited
    response = post(client, s.url("/membres/inviter"), {
        "invite-email": "pas une adresse", "invite-first_name": "X", "invite-last_name": "Y",
        "invite-partner": other.id}, token_from=s.url())
    assert "adresse e-mail n'est pas valide" in page(client.get(s.url()))
    assert count(User, User.first_name == "X") == 0
    # an existing account from the list
    response = post(client, s.url("/membres"), {
        "member-user": s.stranger.id, "member-role": "partner",
        "member-partner": other.id}, token_from=s.url())
    assert "a déjà sa ou son représentant·e" in page(client.get(s.url()))
    # a member who is not the coordination may not compose the sitting
    response = post(client_of(app, s.director), s.url("/membres"), {
        "member-user": s.stranger.id, "member-role": "partner", "member-partner": other.id},
        token_from=s.url())
    assert response.status_code == 403


# --- composition, placing, deciding -------------------------------------------------------


def test_no_decision_until_the_commission_is_complete_naming_who_is_missing(app, client, s):
    pt.create_partner(s.coordinator, name="Maison des Familles")
    director = next(m for m in s.commission.members if m.user_id == s.director.id)
    cm.remove_member(s.coordinator, director)
    application = s.before()
    with pytest.raises(OperationError) as refused:
        cm.decide(s.lead, application, A.ADMITTED)
    message = str(refused.value)
    assert "la direction de l'organisme de formation" in message
    assert "« Maison des Familles »" in message
    assert "Calanques" not in message
    db.session.refresh(application)
    assert application.state == A.BEFORE_COMMISSION
    assert count(CommissionDecision) == 0
    login(client, s.lead.email)
    html = page(client.get(s.url()))
    assert 'data-composition="incomplete"' in html
    response = post(client, s.url(f"/candidatures/{application.id}/decision"),
                    {f"decide-{application.id}-outcome": "admitted"}, token_from=s.url())
    assert response.status_code == 302
    assert "n'est pas au complet" in page(client.get(s.url()))
    with pytest.raises(OperationError, match="n'est pas au complet"):
        cm.close(s.lead, s.commission)


def test_the_coordination_places_an_interviewed_application(app, client, s):
    application = s.application("Inès", "Interviewée")
    waiting = s.application("Wanda", "Attente", state=A.WAITING_LIST)
    early = s.application("Eloi", "Tôt", state=A.COMPLETE)
    elsewhere_campaign = Campaign(title="Autre", year_label="2021-2022",
                                  opens_on=date(2021, 9, 1), closes_on=date(2022, 5, 31))
    db.session.add(elsewhere_campaign)
    db.session.commit()
    foreign = s.application("Fabien", "Ailleurs", campaign=elsewhere_campaign)
    login(client, s.coordinator.email)
    html = page(client.get(s.url()))
    assert "Inès Interviewée — entretien réalisé" in html
    assert "Wanda Attente — liste d'attente" in html
    assert "Eloi Tôt" not in html  # nor among the people who may sit: a candidate
    for a in (application, waiting):
        response = post(client, s.url("/presenter"), {"place-application": a.id},
                        token_from=s.url())
        assert response.status_code == 302
        db.session.refresh(a)
        assert (a.state, a.commission_id) == (A.BEFORE_COMMISSION, s.commission.id)
    assert audits("admission.place_before_commission") == 2
    with pytest.raises(OperationError, match="maintenant « dossier complet »"):
        cm.place(s.coordinator, early, s.commission)
    with pytest.raises(OperationError, match="autre campagne"):
        cm.place(s.coordinator, foreign, s.commission)
    with pytest.raises(OperationError, match="coordination"):
        cm.place(s.lead, s.application(), s.commission)
    # a candidate who sits on the sitting is not put before it
    sitter = s.application("Sophie", "Siège")
    other_partner = pt.create_partner(s.coordinator, name="Foyer")
    db.session.add(CommissionMember(commission_id=s.commission.id,
                                    user_id=sitter.candidate_id, role=CommissionRole.PARTNER,
                                    partner_id=other_partner.id))
    db.session.commit()
    with pytest.raises(OperationError, match="siège à cette commission"):
        cm.place(s.coordinator, sitter, s.commission)
    # the members see the applications before the sitting, not the ones to place
    client = client_of(app, s.rep)
    html = page(client.get(s.url()))
    assert "Inès Interviewée" in html
    assert "Présenter à la commission" not in html
    response = post(client, s.url("/presenter"), {"place-application": early.id},
                    token_from=s.url())
    assert response.status_code == 403


def test_the_chair_decides_with_a_form(app, client, s):
    application = s.before("Nadia", "Normale")
    login(client, s.lead.email)
    html = page(client.get(s.url()))
    assert "Admis·e par dérogation (motif obligatoire)" in html
    assert "Projet solide." in html and "favorable" in html
    response = post(client, s.url(f"/candidatures/{application.id}/decision"),
                    {f"decide-{application.id}-outcome": "admitted",
                     f"decide-{application.id}-reason": ""}, token_from=s.url())
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == A.ADMITTED
    (decision,) = db.session.scalars(select(CommissionDecision))
    assert (decision.outcome, decision.decided_by_id, decision.revision) == (
        A.ADMITTED, s.lead.id, False)
    assert audits("admission.decide") == 1
    # the decision stays among the commission's until the list is closed
    assert count(Notification, Notification.user_id == application.candidate_id) == 0


def test_only_the_chair_decides(app, client, s):
    application = s.before()
    path = s.url(f"/candidatures/{application.id}/decision")
    data = {f"decide-{application.id}-outcome": "admitted"}
    for person, status in ((s.director, 403), (s.rep, 403), (s.coordinator, 403),
                           (s.other_member, 404), (s.stranger, 404), (s.trainee, 404),
                           (application.candidate, 404)):
        assert post(client_of(app, person), path, data).status_code == status, person.full_name
    with pytest.raises(OperationError, match="présidence"):
        cm.decide(s.director, application, A.ADMITTED)
    db.session.refresh(application)
    assert application.state == A.BEFORE_COMMISSION
    assert count(CommissionDecision) == 0


def test_a_derogation_and_a_refusal_give_their_reason(app, s):
    application = s.before()
    for outcome in (A.REFUSED, A.ADMITTED_DEROGATION):
        with pytest.raises(OperationError, match="motif"):
            cm.decide(s.lead, application, outcome, "  \x00 ")
    with pytest.raises(OperationError, match="5000"):
        cm.decide(s.lead, application, A.REFUSED, "x" * 5001)
    with pytest.raises(OperationError, match="décisions proposées"):
        cm.decide(s.lead, application, A.WITHDRAWN, "forgé")
    with pytest.raises(OperationError, match="décisions proposées"):
        cm.decide(s.lead, application, "n'importe quoi")
    db.session.refresh(application)
    assert application.state == A.BEFORE_COMMISSION
    assert count(CommissionDecision) == 0
    cm.decide(s.lead, application, A.REFUSED, "Projet\x00 sans lien avec la direction.")
    decision = db.session.scalar(select(CommissionDecision))
    assert decision.reason == "Projet sans lien avec la direction."


def test_admitting_a_derogation_application_takes_the_derogation(app, s):
    application = s.before("Denis", "Dérogation", derogation=("qualification",))
    with pytest.raises(OperationError, match="admis·e par dérogation"):
        cm.decide(s.lead, application, A.ADMITTED)
    cm.decide(s.lead, application, A.ADMITTED_DEROGATION,
              "Quinze ans de direction bénévole d'un centre social.")
    db.session.refresh(application)
    assert application.state == A.ADMITTED_DEROGATION
    decision = db.session.scalar(select(CommissionDecision))
    assert decision.reason.startswith("Quinze ans")


def test_two_decisions_at_once_make_one(app, s):
    """The chair's two tabs: the second acts on the page it saw, which is stale."""
    application = s.before()
    cm.decide(s.lead, application, A.ADMITTED)
    set_committed_value(application, "state", A.BEFORE_COMMISSION)  # what the tab saw
    with pytest.raises(OperationError,
                       match="Impossible : cette candidature est maintenant « admis·e »"):
        cm.decide(s.lead, application, A.REFUSED, "Autre avis.")
    assert count(CommissionDecision) == 1
    db.session.refresh(application)
    assert application.state == A.ADMITTED
    assert audits("admission.decide") == 1


def race(app, actions) -> list[str]:
    """Run each action (a callable given nothing, loading what it needs by id) in a
    thread of its own, released together; return the sorted outcomes ("ok", "refused" or
    the unexpected error). PostgreSQL only: SQLite serialises writers."""
    db.session.commit()
    barrier, results = threading.Barrier(len(actions)), []

    def run(action) -> None:
        with app.app_context():
            try:
                ready = action()  # loads its objects, returns the step to take
                barrier.wait(10)
                ready()
                results.append("ok")
            except OperationError:
                results.append("refused")
            except Exception as exc:  # noqa: BLE001 - reported, and fails the test
                results.append(f"error: {exc!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.expire_all()
    return sorted(results)


def server_only(backend) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs a server database")


def deciding(user_id: int, application_id: int, outcome, reason=None):
    def load():
        user = db.session.get(User, user_id)
        application = db.session.get(Application, application_id)
        application.commission  # noqa: B018 - loaded before the race
        return lambda: cm.decide(user, application, outcome, reason)
    return load


def test_two_deciders_racing_make_one_decision(app, s, backend):
    server_only(backend)
    for _ in range(3):
        application = s.before()
        lead_id, application_id = s.lead.id, application.id
        outcome = race(app, [deciding(lead_id, application_id, A.ADMITTED),
                             deciding(lead_id, application_id, A.REFUSED, "Non.")])
        assert outcome == ["ok", "refused"]
        assert count(CommissionDecision,
                     CommissionDecision.application_id == application_id) == 1
        assert count(AuditEvent, AuditEvent.action == "admission.decide",
                     AuditEvent.object_id == application_id) == 1


def test_closing_and_deciding_at_once_never_close_an_undecided_list(app, s, backend):
    server_only(backend)
    decided(s)
    application = s.before()
    lead_id, commission_id = s.lead.id, s.commission.id  # read here, not in the threads

    def closing():
        user = db.session.get(User, lead_id)
        commission = db.session.get(Commission, commission_id)
        return lambda: cm.close(user, commission)

    race(app, [closing, deciding(lead_id, application.id, A.ADMITTED)])
    db.session.refresh(s.commission)
    db.session.refresh(application)
    # whichever came first, a closed list has every application decided
    if s.commission.closed_at is not None:
        assert application.state == A.ADMITTED
    # and two closes at once close it once
    if s.commission.closed_at is None:
        outcome = race(app, [closing, closing])
        assert outcome == ["ok", "refused"]
    assert audits("admission.commission_closed") == 1


# --- closing the list --------------------------------------------------------------------


def test_the_list_is_not_closed_with_applications_undecided(app, client, s):
    decided(s)
    s.before("Ulysse", "Indécis")
    with pytest.raises(OperationError, match="Reste à statuer : Ulysse Indécis"):
        cm.close(s.lead, s.commission)
    db.session.refresh(s.commission)
    assert s.commission.closed_at is None
    login(client, s.lead.email)
    response = post(client, s.url("/arreter"), {"close-confirm": "y"}, token_from=s.url())
    assert response.status_code == 302
    db.session.refresh(s.commission)
    assert s.commission.closed_at is None
    # an empty sitting, however complete, has no list
    cm.add_member(s.coordinator, s.other, user=s.director, role="director")
    cm.add_member(s.coordinator, s.other, user=s.rep, role="partner", partner=s.partner)
    with pytest.raises(OperationError, match="Aucune candidature"):
        cm.close(s.coordinator, s.other)


def test_closing_the_list_tells_each_candidate_their_decision(app, client, s, outbox):
    admitted = decided(s, A.ADMITTED, first="Adèle")
    derogation = decided(s, A.ADMITTED_DEROGATION, "Expérience bénévole reconnue.",
                         first="Damien", derogation=("experience",))
    waiting = decided(s, A.WAITING_LIST, first="Wassim")
    refused = decided(s, A.REFUSED, "Le projet relève d'une autre formation.", first="Rémi")
    login(client, s.director.email)
    # a member who does not preside may not close the list
    response = post(client, s.url("/arreter"), {"close-confirm": "y"}, token_from=s.url())
    assert response.status_code == 403
    client = client_of(app, s.lead)
    # without the confirmation, nothing
    response = post(client, s.url("/arreter"), {}, token_from=s.url())
    db.session.refresh(s.commission)
    assert s.commission.closed_at is None
    outbox.clear()
    response = post(client, s.url("/arreter"), {"close-confirm": "y"}, token_from=s.url())
    assert response.status_code == 302
    db.session.refresh(s.commission)
    assert s.commission.closed_at is not None and s.commission.closed_by_id == s.lead.id
    assert audits("admission.commission_closed") == 1
    mails = {m.to: m for m in outbox}
    body = mails[admitted.candidate.email].body
    assert "Vous êtes admis·e en formation, en parcours I" in body
    assert "vous recevrez votre inscription" in body
    body = mails[derogation.candidate.email].body
    assert "par dérogation" in body and "Expérience bénévole reconnue." in body
    assert "liste d'attente" in mails[waiting.candidate.email].body
    body = mails[refused.candidate.email].body
    assert "n'a pas retenu votre candidature" in body
    assert "Le projet relève d'une autre formation." in body
    assert "décision de la commission d'admission" in mails[refused.candidate.email].subject
    # the members are told; the chair who closed it need not be
    assert "liste arrêtée" in mails[s.director.email].subject
    assert s.rep.email in mails and s.lead.email not in mails
    # a second close (another tab) changes nothing
    with pytest.raises(OperationError, match="déjà arrêtée"):
        cm.close(s.coordinator, s.commission)
    assert audits("admission.commission_closed") == 1


def test_decisions_are_final_once_the_list_is_closed(app, client, s, outbox):
    application = decided(s, A.WAITING_LIST, first="Valentin", last="Attente")
    cm.close(s.lead, s.commission)
    # the chair cannot decide anymore, nor can members change the composition
    with pytest.raises(OperationError):
        cm.decide(s.lead, application, A.ADMITTED)
    with pytest.raises(OperationError, match="arrêtée"):
        cm.add_member(s.coordinator, s.commission, user=s.stranger, role="partner",
                      partner=pt.create_partner(s.coordinator, name="Nouveau"))
    # a change is a new decision, with its reason, audited, told to the candidate
    with pytest.raises(OperationError, match="motif"):
        cm.revise(s.lead, application, A.ADMITTED, "")
    with pytest.raises(OperationError, match="déjà la décision"):
        cm.revise(s.lead, application, A.WAITING_LIST, "Même chose.")
    outbox.clear()
    login(client, s.coordinator.email)
    html = page(client.get(s.url()))
    assert "Modifier la décision" in html and "Liste des admis (PDF)" in html
    path = s.url(f"/candidatures/{application.id}/modifier")
    prefix = f"revise-{application.id}"
    # without the confirmation: nothing
    post(client, path, {f"{prefix}-outcome": "admitted", f"{prefix}-reason": "Place libérée.",
                        f"{prefix}-seen": "waiting_list"}, token_from=s.url())
    assert count(CommissionDecision) == 1
    response = post(client, path, {
        f"{prefix}-outcome": "admitted", f"{prefix}-reason": "Une place s'est libérée.",
        f"{prefix}-seen": "waiting_list", f"{prefix}-confirm": "y"}, token_from=s.url())
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == A.ADMITTED
    first, second = db.session.scalars(select(CommissionDecision).order_by(
        CommissionDecision.id))
    assert (first.outcome, first.revision) == (A.WAITING_LIST, False)
    assert (second.outcome, second.revision, second.reason, second.decided_by_id) == (
        A.ADMITTED, True, "Une place s'est libérée.", s.coordinator.id)
    assert audits("admission.revise_decision") == 1
    (mail,) = [m for m in outbox if m.to == application.candidate.email]
    assert "nouvelle décision" in mail.subject and "a été modifiée" in mail.body
    assert "Vous êtes admis·e" in mail.body
    # the page the coordinator saw before is stale: refused, clearly
    response = post(client, path, {
        f"{prefix}-outcome": "refused", f"{prefix}-reason": "Erreur.",
        f"{prefix}-seen": "waiting_list", f"{prefix}-confirm": "y"}, token_from=s.url())
    assert "maintenant « admis·e »" in page(client.get(s.url()))
    assert count(CommissionDecision) == 2
    # a partner's representative does not change decisions
    client = client_of(app, s.rep)
    response = post(client, path, {
        f"{prefix}-outcome": "refused", f"{prefix}-reason": "Non.",
        f"{prefix}-seen": "admitted", f"{prefix}-confirm": "y"}, token_from=s.url())
    assert response.status_code == 403


def test_before_the_list_is_closed_only_the_chair_corrects(app, s, outbox):
    application = decided(s, A.ADMITTED)
    with pytest.raises(OperationError, match="présidence"):
        cm.revise(s.coordinator, application, A.REFUSED, "Erreur de saisie.")
    outbox.clear()
    cm.revise(s.lead, application, A.WAITING_LIST, "Erreur de saisie.")
    decision = db.session.scalar(select(CommissionDecision).order_by(
        CommissionDecision.id.desc()).limit(1))
    assert decision.revision is False and decision.outcome == A.WAITING_LIST
    # nobody is told before the list is closed
    assert not [m for m in outbox if m.to == application.candidate.email]


# --- minutes and lists -------------------------------------------------------------------


def closed_sitting(s: Sitting) -> dict[str, Application]:
    apps = {
        "admitted": decided(s, A.ADMITTED, first="Adèle", last="Admise", parcours="III",
                            thematic="2.3", funding=Funding.JOB_SEEKER),
        "derogation": decided(s, A.ADMITTED_DEROGATION, "Vingt ans de bénévolat.",
                              first="Damien", last="Dérogé", derogation=("experience",)),
        "refused": decided(s, A.REFUSED, "Hors du champ.", first="Rémi", last="Refusé"),
        "formula": decided(s, A.ADMITTED, first="@SUM(A1)", last="=HYPERLINK(\"http://x\")",
                           email="formule@example.org"),
    }
    cm.close(s.lead, s.commission)
    return apps


def test_minutes_and_list_as_pdf(app, client, s):
    closed_sitting(s)
    login(client, s.rep.email)
    response = client.get(s.url("/proces-verbal.pdf"))
    assert response.status_code == 200 and response.data.startswith(PDF_MAGIC)
    assert response.headers["Cache-Control"] == "private, no-store"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    for expected in ("Procès-verbal de la commission d'admission", "Martigues, salle 2",
                     "Luc Responsable", "Association Les Calanques", "Adèle Admise",
                     "Hors du champ.", "Vingt ans de bénévolat.", "Liste arrêtée le"):
        assert expected in " ".join(text.split()), expected
    response = client.get(s.url("/liste-admis.pdf"))
    assert response.status_code == 200 and response.data.startswith(PDF_MAGIC)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Admise" in text and "Dérogé" in text and "Refusé" not in text


def test_the_admitted_list_as_csv_for_french_excel(app, client, s):
    apps = closed_sitting(s)
    login(client, s.coordinator.email)
    response = client.get(s.url("/liste-admis.csv"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="liste-admis-2021-03-10.csv"')
    raw = response.data.decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Nom", "Prénom", "E-mail", "Parcours"]
    by_mail = {r[2]: r for r in rows[1:]}
    assert set(by_mail) == {apps[k].candidate.email for k in ("admitted", "derogation",
                                                              "formula")}
    admitted = by_mail[apps["admitted"].candidate.email]
    assert admitted[3] == "III" and admitted[4].startswith("2.3")
    assert admitted[5] == "Martigues" and admitted[7] == "En recherche d'emploi"
    derogation = by_mail[apps["derogation"].candidate.email]
    assert derogation[8] == "admis·e par dérogation"
    assert derogation[9] == "Vingt ans de bénévolat."
    # what a spreadsheet would run is neutralised
    formula = by_mail["formule@example.org"]
    assert formula[0] == "'=HYPERLINK(\"http://x\")" and formula[1] == "'@SUM(A1)"
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_the_list_exists_once_closed(app, client, s):
    decided(s)
    login(client, s.coordinator.email)
    assert client.get(s.url("/liste-admis.pdf")).status_code == 404
    assert client.get(s.url("/liste-admis.csv")).status_code == 404
    response = client.get(s.url("/proces-verbal.pdf"))
    assert response.status_code == 200 and response.data.startswith(PDF_MAGIC)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "provisoire" in text


def test_only_the_coordination_and_the_members_see_the_sitting(app, client, s):
    application = s.before()
    cm.decide(s.lead, application, A.ADMITTED)
    cm.close(s.lead, s.commission)
    paths = [s.url(), s.url("/proces-verbal.pdf"), s.url("/liste-admis.pdf"),
             s.url("/liste-admis.csv")]
    for person in (s.stranger, s.trainee, s.other_member, application.candidate):
        c = client_of(app, person)
        for path in paths:
            assert c.get(path).status_code == 404, (person.full_name, path)
    for person in (s.coordinator, s.lead, s.director, s.rep):
        c = client_of(app, person)
        for path in paths:
            assert c.get(path).status_code == 200, (person.full_name, path)
    # the list of sittings: the members see theirs, the others none
    html = page(client_of(app, s.other_member).get("/admissions/commissions"))
    assert f"/admissions/commissions/{s.other.id}" in html
    assert f"/admissions/commissions/{s.commission.id}\"" not in html
    c = client_of(app, s.stranger)
    assert c.get("/admissions/commissions").status_code == 404
    assert post(c, "/admissions/commissions", {"place": "x"}).status_code == 404
    assert client.get(s.url()).status_code == 302  # not logged in: to the login page
