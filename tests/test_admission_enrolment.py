"""From admission to training (cohort/admissions/enrolment.py; docs/domain.md,
"Admission"): the cohorts proposed from the candidate's wishes, the enrolment with the
parcours and the funding, the passeport opened with the interview's personalisation, one
click per person or for the whole list."""

from __future__ import annotations

import io
import re

import pytest
from coelab.db import db
from coelab.models import AuditEvent, CohortRole, Membership, ModuleScope, User
from coelab.notifications.models import Notification
from coelab.operations import OperationError
from pypdf import PdfReader
from sqlalchemy import event, func, select
from sqlalchemy.orm.attributes import set_committed_value

from cohort import operations as cops
from cohort.admissions import commission as cm
from cohort.admissions import enrolment as en
from cohort.admissions.models import Application, ApplicationState, PassportOpening
from cohort.models import Enrolment, Funding, Module, ProgrammeSession, Site

from .conftest import page
from .test_admission_commission import Sitting, client_of, decided, post, race, server_only

A = ApplicationState


class Programme(Sitting):
    """The sitting of tests/test_admission_commission.py, and cohorts of the catalogue
    for the campaign's year: the transversal module at Martigues in sessions 1 and 2 and
    at Avignon in session 1; the thematic module 2.3 at Martigues and at Avignon; none
    for module 2.5."""

    def __init__(self, make) -> None:
        super().__init__(make)
        module = {m.code: m for m in db.session.scalars(select(Module))}
        site = {s.name: s for s in db.session.scalars(select(Site))}
        session = {(s.scope, s.number): s for s in db.session.scalars(
            select(ProgrammeSession).where(ProgrammeSession.year_label == "2020-2021"))}
        self.site = site
        T, TH = ModuleScope.TRANSVERSAL, ModuleScope.THEMATIC

        def cohort(name, code, where, number):
            s = session[(T if code == "1.0" else TH, number)]
            return cops.create_cohort(None, name=name, module=module[code], session=s,
                                      site=site[where], start_date=s.start_date,
                                      end_date=s.end_date)

        self.t_martigues_1 = cohort("Transversal Martigues S1", "1.0", "Martigues", 1)
        self.t_martigues_2 = cohort("Transversal Martigues S2", "1.0", "Martigues", 2)
        self.t_avignon_1 = cohort("Transversal Avignon S1", "1.0", "Avignon", 1)
        self.th_martigues = cohort("Ouverture Martigues", "2.3", "Martigues", 1)
        self.th_avignon = cohort("Ouverture Avignon", "2.3", "Avignon", 2)

    def closed(self, **kinds) -> dict[str, Application]:
        """Applications decided as given (name → keyword arguments of ``decided``), then
        the list closed."""
        apps = {name: decided(self, kw.pop("outcome", A.ADMITTED), kw.pop("reason", None),
                              first=name.capitalize(), **kw)
                for name, kw in kinds.items()}
        cm.close(self.lead, self.commission)
        return apps


@pytest.fixture
def p(app, make) -> Programme:
    return Programme(make)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def memberships_of(application: Application) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(
        Membership.user_id == application.candidate_id).order_by(Membership.id)))


# --- proposed cohorts -------------------------------------------------------------------


def test_the_cohorts_proposed_follow_the_wishes(app, p):
    avignon, manosque = p.site["Avignon"], p.site["Manosque – Sisteron"]
    # I: the transversal module at the site and in the session wished
    assert en.proposed_cohorts(p.application(session_number=2)) == [p.t_martigues_2]
    assert en.proposed_cohorts(p.application(site=avignon)) == [p.t_avignon_1]
    # no cohort in the session wished: the same site; none at the site: the module
    assert en.proposed_cohorts(p.application(session_number=3)) == [p.t_martigues_1]
    assert en.proposed_cohorts(p.application(site=manosque, session_number=2)) == [
        p.t_martigues_2]
    # II: a cohort of the thematic module wished
    assert en.proposed_cohorts(p.application(parcours="II", thematic="2.3", site=avignon,
                                             session_number=2)) == [p.th_avignon]
    assert en.proposed_cohorts(p.application(parcours="II", thematic="2.3")) == [
        p.th_martigues]
    # III: one of each, the transversal first
    assert en.proposed_cohorts(p.application(parcours="III", thematic="2.3")) == [
        p.t_martigues_1, p.th_martigues]
    # a module without a cohort, or not said: nothing to propose for it
    assert en.proposed_cohorts(p.application(parcours="II", thematic="2.5")) == []
    assert en.proposed_cohorts(p.application(parcours="III", thematic="2.5")) == [
        p.t_martigues_1]
    assert en.proposed_cohorts(p.application(parcours="II", thematic=None)) == []


def test_proposals_ask_a_fixed_number_of_queries(app, p):
    few = [p.application(parcours="III", thematic="2.3")]
    many = few + [p.application(parcours=x, thematic="2.3" if x != "I" else None,
                                site=p.site["Avignon"]) for x in ("I", "II", "III") * 3]
    db.session.expire_all()
    statements = []

    def counter(conn, cursor, statement, *args):
        statements.append(statement)

    def queries(apps) -> int:
        apps = [db.session.get(Application, a.id) for a in apps]
        for a in apps:  # what the page has loaded already
            a.campaign, a.thematic_module  # noqa: B018
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            en.proposals(apps)
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return len(statements)

    assert queries(few) == queries(many) <= 3


# --- enrolling one person --------------------------------------------------------------


def test_enrolment_opens_the_passeport_with_the_interview(app, p, outbox):
    apps = p.closed(paul={"parcours": "I", "funding": Funding.EMPLOYED})
    application = apps["paul"]
    outbox.clear()
    (membership,) = en.enrol(p.coordinator, application)
    assert (membership.cohort_id, membership.role, membership.parcours.value) == (
        p.t_martigues_1.id, CohortRole.TRAINEE, "I")
    enrolment = db.session.get(Enrolment, membership.id)
    assert enrolment.funding == Funding.EMPLOYED
    assert cops.remaining_cost_cents(membership, enrolment) == 87200
    assert "Conduire le projet de fusion" in enrolment.notes
    assert "VAE proposée : CAFERUIS" in enrolment.notes
    opening = db.session.scalar(select(PassportOpening).where(
        PassportOpening.user_id == application.candidate_id))
    assert opening.application_id == application.id
    assert opening.opened_by_id == p.coordinator.id
    data = opening.personalisation
    assert data["parcours"] == "I" and data["profiles"] == ["employed-5y"]
    assert data["derogation"] == []
    assert data["objectives"] == "Conduire le projet de fusion de deux établissements."
    assert data["personalisation"] == "Approfondir la gouvernance associative."
    assert data["immersion"] == "Deux semaines dans un EHPAD partenaire."
    assert data["complementary_training"] == "Module de gestion budgétaire."
    assert data["vae_proposal"] == ["CAFERUIS"]
    assert data["vae_note"] == "Rendez-vous pris avec le service VAE."
    assert data["funding_note"] == "Plan de développement des compétences de l'employeur."
    db.session.refresh(application)
    assert application.enrolled_at is not None
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "admission.enrolled")))
    assert len(events) == 1 and events[0].object_id == application.id
    assert "Bienvenue dans la formation" in {m.subject for m in outbox
                                            if m.to == application.candidate.email}
    assert count(Notification, Notification.user_id == application.candidate_id,
                 Notification.subject == "Bienvenue dans la formation") == 1


def test_parcours_three_joins_two_cohorts_and_a_job_seeker_pays_nothing(app, p):
    apps = p.closed(julie={"parcours": "III", "thematic": "2.3",
                           "funding": Funding.JOB_SEEKER})
    application = apps["julie"]
    en.enrol(p.coordinator, application)
    transversal, thematic = memberships_of(application)
    assert {transversal.cohort_id, thematic.cohort_id} == {p.t_martigues_1.id,
                                                           p.th_martigues.id}
    for m in (transversal, thematic):
        assert m.parcours.value == "III" and m.role == CohortRole.TRAINEE
        enrolment = db.session.get(Enrolment, m.id)
        assert enrolment.funding == Funding.JOB_SEEKER
        assert enrolment.thematic_module.code == "2.3"
        assert cops.remaining_cost_cents(m, enrolment) == 0


def test_an_application_is_enrolled_once(app, p):
    application = p.closed(odile={})["odile"]
    en.enrol(p.coordinator, application)
    with pytest.raises(OperationError, match="déjà inscrit·e"):
        en.enrol(p.coordinator, application)
    # the second click, from the page as it was before the first
    set_committed_value(application, "enrolled_at", None)
    with pytest.raises(OperationError, match="déjà inscrit·e"):
        en.enrol(p.coordinator, application)
    assert len(memberships_of(application)) == 1
    assert count(AuditEvent, AuditEvent.action == "admission.enrolled") == 1
    # nor can its decision change any more
    db.session.refresh(application)
    with pytest.raises(OperationError, match="déjà inscrit·e"):
        cm.revise(p.coordinator, application, A.REFUSED, "Erreur.")


def test_two_clicks_at_once_enrol_once(app, p, backend):
    server_only(backend)
    apps = p.closed(rose={"parcours": "III", "thematic": "2.3"})
    application_id, coordinator_id = apps["rose"].id, p.coordinator.id

    def enrolling():
        user = db.session.get(User, coordinator_id)
        application = db.session.get(Application, application_id)
        application.commission, application.candidate  # noqa: B018 - loaded before
        return lambda: en.enrol(user, application)

    assert race(app, [enrolling, enrolling]) == ["ok", "refused"]
    assert len(memberships_of(apps["rose"])) == 2
    assert count(PassportOpening) == 1
    assert count(AuditEvent, AuditEvent.action == "admission.enrolled") == 1


def test_no_enrolment_before_the_list_is_closed_nor_of_those_not_admitted(app, p):
    admitted = decided(p, A.ADMITTED)
    with pytest.raises(OperationError, match="pas encore arrêtée"):
        en.enrol(p.coordinator, admitted)
    refused = decided(p, A.REFUSED, "Hors du champ.")
    cm.close(p.lead, p.commission)
    with pytest.raises(OperationError, match="maintenant « refusée »"):
        en.enrol(p.coordinator, refused)
    # the chair is not the coordination
    db.session.refresh(admitted)
    with pytest.raises(OperationError, match="coordination"):
        en.enrol(p.lead, admitted)
    # cohorts that do not fit the parcours
    with pytest.raises(OperationError, match="parcours I"):
        en.enrol(p.coordinator, admitted, [p.th_martigues])
    with pytest.raises(OperationError, match="parcours I"):
        en.enrol(p.coordinator, admitted, [p.t_martigues_1, p.t_avignon_1])
    assert memberships_of(admitted) == [] and memberships_of(refused) == []
    assert count(PassportOpening) == 0


def test_a_person_already_in_the_cohort_is_told_clearly(app, p):
    application = p.closed(marc={})["marc"]
    p.make.member(p.t_martigues_1, application.candidate, "trainer")
    with pytest.raises(OperationError, match="fait déjà partie de la cohorte"):
        en.enrol(p.coordinator, application)
    db.session.refresh(application)
    assert application.enrolled_at is None  # nothing half-done
    assert count(PassportOpening) == 0
    en.enrol(p.coordinator, application, [p.t_avignon_1])
    assert count(PassportOpening) == 1


# --- the whole list ---------------------------------------------------------------------


def test_the_whole_list_is_enrolled_and_who_cannot_be_is_said(app, p):
    apps = p.closed(
        anne={"parcours": "I"},
        bruno={"parcours": "III", "thematic": "2.3", "outcome": A.ADMITTED_DEROGATION,
               "reason": "Expérience bénévole.", "derogation": ("experience",)},
        carla={"parcours": "II", "thematic": "2.5"},
        dina={"outcome": A.REFUSED, "reason": "Non."},
        emile={"outcome": A.WAITING_LIST})
    en.enrol(p.coordinator, apps["anne"])  # already enrolled by hand: left alone
    enrolled, skipped = en.enrol_all(p.coordinator, p.commission)
    assert [a.id for a in enrolled] == [apps["bruno"].id]
    ((application, reason),) = skipped
    assert application.id == apps["carla"].id
    assert "2.5" in reason
    assert len(memberships_of(apps["bruno"])) == 2
    assert memberships_of(apps["carla"]) == [] and memberships_of(apps["dina"]) == []
    assert count(PassportOpening) == 2
    # a second time, nobody left to enrol but the one without a cohort
    enrolled, skipped = en.enrol_all(p.coordinator, p.commission)
    assert enrolled == [] and len(skipped) == 1


def test_enrolment_from_the_sitting_page(app, client, p):
    apps = p.closed(anne={"parcours": "I", "site": p.site["Avignon"]},
                    bruno={"parcours": "III", "thematic": "2.3"},
                    carla={"parcours": "II", "thematic": "2.5"})
    coordinator = client_of(app, p.coordinator)
    html = page(coordinator.get(p.url()))
    assert "Inscrire toute la liste" in html
    assert "Aucune cohorte du module 2.5 n'est créée" in html
    # the proposal is chosen already: one click
    anne = apps["anne"]
    assert (f'<option selected value="{p.t_avignon_1.id}">' in html
            or f'<option value="{p.t_avignon_1.id}" selected>' in html)
    response = post(coordinator, p.url(f"/candidatures/{anne.id}/inscrire"),
                    {f"enrol-{anne.id}-transversal": p.t_avignon_1.id,
                     f"enrol-{anne.id}-thematic": 0}, token_from=p.url())
    assert response.status_code == 302
    assert [m.cohort_id for m in memberships_of(anne)] == [p.t_avignon_1.id]
    # the coordination may choose another cohort for the second
    bruno = apps["bruno"]
    response = post(coordinator, p.url(f"/candidatures/{bruno.id}/inscrire"),
                    {f"enrol-{bruno.id}-transversal": p.t_martigues_2.id,
                     f"enrol-{bruno.id}-thematic": p.th_avignon.id}, token_from=p.url())
    assert {m.cohort_id for m in memberships_of(bruno)} == {p.t_martigues_2.id,
                                                            p.th_avignon.id}
    # the whole list: needs the confirmation; says who could not be enrolled
    post(coordinator, p.url("/inscrire-tout"), {}, token_from=p.url())
    response = post(coordinator, p.url("/inscrire-tout"), {"enrol-all-confirm": "y"},
                    token_from=p.url())
    html = page(coordinator.get(p.url()))
    assert "Carla" in html and "n'est pas inscrit·e" in html and "2.5" in html
    assert f"/passeport/{anne.candidate_id}" in html
    # the chair and the members do not enrol
    chair = client_of(app, p.lead)
    assert "Inscrire toute la liste" not in page(chair.get(p.url()))
    carla = apps["carla"]
    response = post(chair, p.url(f"/candidatures/{carla.id}/inscrire"),
                    {f"enrol-{carla.id}-thematic": p.th_martigues.id}, token_from=p.url())
    assert response.status_code == 403
    assert post(chair, p.url("/inscrire-tout"), {"enrol-all-confirm": "y"},
                token_from=p.url()).status_code == 403
    assert memberships_of(carla) == []


# --- the person enrolled ------------------------------------------------------------------


def test_the_person_enrolled_finds_their_cohort_and_passeport(app, p):
    application = p.closed(lea={"parcours": "III", "thematic": "2.3",
                                "funding": Funding.JOB_SEEKER})["lea"]
    en.enrol(p.coordinator, application)
    person = client_of(app, application.candidate)
    html = page(person.get("/dashboard"))
    assert "Transversal Martigues S1" in html and "Ouverture Martigues" in html
    html = page(person.get("/passeport"))
    assert "Ouverture du passeport" in html
    assert re.search(r"Ouvert le \d{1,2} \w+ \d{4} à l'admission\.", html)
    for text in ("Conduire le projet de fusion de deux établissements.",
                 "Approfondir la gouvernance associative.",
                 "Deux semaines dans un EHPAD partenaire.", "Module de gestion budgétaire.",
                 "CAFERUIS — Rendez-vous pris avec le service VAE."):
        assert text in html, text
    response = person.get("/passeport.pdf")
    assert response.status_code == 200
    text = " ".join(pg.extract_text() for pg in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    assert "Ouverture du passeport" in text and "à l'admission" in text
    assert "Approfondir la gouvernance associative." in text


def test_a_passeport_without_admission_is_unchanged(app, p, make):
    trainee = p.trainee
    html = page(client_of(app, trainee).get("/passeport"))
    assert "Ouverture du passeport" not in html
    assert "Parcours et personnalisation" in html
