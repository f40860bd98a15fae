"""The cohort plugin: catalogue, cohort set-up, gatherings, enrolments, demo data."""

from __future__ import annotations

from datetime import date

import pytest
from coelab.audit import AuditEvent
from coelab.db import db
from coelab.models import Cohort, CohortRole, Membership, User
from coelab.operations import OperationError
from sqlalchemy import func, select

from cohort import operations as ops
from cohort.models import Enrolment, Gathering, Module, ParcoursDefinition, ProgrammeSession, Site

from .conftest import login, page, post
from .test_failures import sweep


@pytest.fixture
def catalogue(app):
    ops.load_catalogue()


def test_catalogue_holds_the_programme(catalogue):
    codes = [m.code for m in db.session.scalars(select(Module).order_by(Module.position))]
    assert codes == ["1.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    parcours = {p.code: p for p in db.session.scalars(select(ParcoursDefinition))}
    assert (parcours["I"].total_days, parcours["I"].hours, parcours["I"].remaining_cost_cents) == (
        14, 98, 87200)
    assert (parcours["II"].total_days, parcours["II"].hours) == (10, 70)
    assert (parcours["III"].total_days, parcours["III"].hours,
            parcours["III"].remaining_cost_cents) == (23, 161, 143200)
    sites = {s.name: s.is_main for s in db.session.scalars(select(Site))}
    assert sites == {"Martigues": True, "Avignon": False, "Manosque – Sisteron": False,
                     "Marseille": False}
    assert db.session.scalar(select(func.count()).select_from(ProgrammeSession)) == 6
    # loading again adds nothing and keeps edits
    module = db.session.scalar(select(Module).where(Module.code == "2.2"))
    module.title = "Titre revu par la coordination"
    db.session.commit()
    assert ops.load_catalogue() == 0
    assert db.session.get(Module, module.id).title == "Titre revu par la coordination"


def test_catalogue_page_for_everyone_edit_for_coordinators(client, make, catalogue):
    trainee = make.user()
    login(client, trainee.email)
    html = page(client.get("/programme"))
    assert "Comprendre l'organisation et son environnement" in html
    assert "98 h" in html and "872,00" in html and "1 432,00" in html.replace("\u202f", " ")
    assert "Modifier" not in html
    parcours = db.session.scalar(select(ParcoursDefinition).where(ParcoursDefinition.code == "I"))
    assert client.get(f"/programme/parcours/{parcours.id}").status_code == 403


def test_coordinator_edits_a_parcours_with_audit(client, make, catalogue):
    coordinator = make.user(coordinator=True)
    login(client, coordinator.email)
    parcours = db.session.scalar(select(ParcoursDefinition).where(ParcoursDefinition.code == "II"))
    url = f"/programme/parcours/{parcours.id}"
    form = {"title": "Un module thématique", "welcome_days": "1", "training_days": "9",
            "hours": "70", "remaining_cost": "650.50"}
    assert post(client, url, form, token_from=url).status_code == 302
    db.session.expire_all()
    assert parcours.remaining_cost_cents == 65050
    response = post(client, url, {**form, "hours": "-3"}, token_from=url)
    assert response.status_code == 200 and "class=\"errors\"" in response.get_data(as_text=True)
    html = page(client.get(f"/audit/programme_parcours/{parcours.id}"))
    assert "parcours.updated" in html and "65050" in html


def test_coordinator_creates_a_cohort_from_the_catalogue(client, make, catalogue):
    coordinator = make.user(coordinator=True)
    login(client, coordinator.email)
    module = db.session.scalar(select(Module).where(Module.code == "2.3"))
    site = db.session.scalar(select(Site).where(Site.name == "Avignon"))
    transversal_session = db.session.scalar(select(ProgrammeSession).where(
        ProgrammeSession.scope == "transversal"))
    form = {"name": "Module 2.3 — Avignon", "module": str(module.id), "session": "0",
            "site": str(site.id), "start_date": "2027-03-01", "end_date": "2027-05-28"}
    # a transversal session for a thematic module is refused
    response = post(client, "/cohorts/new", {**form, "session": str(transversal_session.id)},
                    token_from="/cohorts/new")
    assert "ne correspond pas au type du module" in page(response)
    response = post(client, "/cohorts/new", {**form, "end_date": "2027-01-01"},
                    token_from="/cohorts/new")
    assert "La date de fin précède la date de début." in page(response)
    response = post(client, "/cohorts/new", form, token_from="/cohorts/new")
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Module 2.3 — Avignon"))
    assert cohort.module_scope == "thematic"
    html = page(client.get(f"/cohorts/{cohort.id}"))
    assert "2.3 — Piloter l'ouverture de son établissement" in html and "Avignon" in html


def _thematic_cohort(coordinator):
    module = db.session.scalar(select(Module).where(Module.code == "2.4"))
    site = db.session.scalar(select(Site).where(Site.is_main.is_(True)))
    return ops.create_cohort(coordinator, name="2.4 Martigues", module=module, session=None,
                             site=site, start_date=date(2026, 11, 2), end_date=date(2027, 1, 29))


def test_gatherings_last_two_to_four_days_within_the_cohort(client, make, catalogue):
    coordinator = make.user(coordinator=True)
    cohort = _thematic_cohort(coordinator)
    login(client, coordinator.email)
    url = f"/cohorts/{cohort.id}/gatherings"
    cases = [
        (("2026-12-07", "2026-12-07"), "de 2 à 4 jours (ici : 1)"),
        (("2026-12-07", "2026-12-11"), "de 2 à 4 jours (ici : 5)"),
        (("2026-10-01", "2026-10-02"), "entre le début et la fin de la cohorte"),
        (("2026-12-09", "2026-12-07"), "La date de fin précède"),
    ]
    for (start, end), message in cases:
        response = post(client, url, {"start_date": start, "end_date": end, "site": "0"},
                        token_from=url)
        assert message in page(response), message
    assert post(client, url, {"start_date": "2026-12-07", "end_date": "2026-12-09", "site": "0",
                              "notes": "Salle Camargue"}, token_from=url).status_code == 302
    response = post(client, url, {"start_date": "2026-12-08", "end_date": "2026-12-10",
                                  "site": "0"}, token_from=url)
    assert "chevauchent" in page(response)
    assert db.session.scalar(select(func.count()).select_from(Gathering)) == 1
    html = page(client.get(f"/cohorts/{cohort.id}"))
    assert "Du 7 décembre 2026 au 9 décembre 2026 (3 jours)" in html and "Salle Camargue" in html


def _transversal_cohort(coordinator, name="1.0 Martigues"):
    module = db.session.scalar(select(Module).where(Module.code == "1.0"))
    site = db.session.scalar(select(Site).where(Site.is_main.is_(True)))
    return ops.create_cohort(coordinator, name=name, module=module, session=None,
                             site=site, start_date=date(2026, 11, 2), end_date=date(2027, 2, 26))


def test_enrolment_records_parcours_theme_and_funding(client, make, catalogue):
    coordinator = make.user(coordinator=True)
    cohort = _thematic_cohort(coordinator)
    transversal = _transversal_cohort(coordinator)
    trainee = make.user("Emma", "Giraud")
    membership = make.member(cohort, trainee, parcours="II")
    # joining opened an enrolment, with the cohort's thematic module
    enrolment = db.session.get(Enrolment, membership.id)
    assert enrolment is not None and enrolment.thematic_module.code == "2.4"
    login(client, coordinator.email)
    url = f"/cohorts/{cohort.id}/enrolments/{membership.id}"
    # the thematic module is the cohort's: no other can be chosen
    other = db.session.scalar(select(Module).where(Module.code == "2.1"))
    assert 'name="thematic_module"' not in page(client.get(url))
    response = post(client, url, {"parcours": "II", "thematic_module": str(other.id),
                                  "funding": "employed"}, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, membership.id).thematic_module.code == "2.4"
    with pytest.raises(OperationError, match="le module thématique est le 2.4"):
        ops.update_enrolment(coordinator, membership, parcours="II", thematic_module=other,
                             funding="employed", notes=None)
    response = post(client, url, {"parcours": "I", "other_cohort": "0",
                                  "funding": "employed"}, token_from=url)
    assert "parcours II et III" in page(response)
    # parcours III: the transversal cohort is asked for
    response = post(client, url, {"parcours": "III", "other_cohort": "0",
                                  "funding": "job_seeker"}, token_from=url)
    assert "choisissez aussi la cohorte du module transversal" in page(response)
    response = post(client, url, {"parcours": "III", "other_cohort": str(transversal.id),
                                  "funding": "job_seeker", "notes": "Alternance à l'ESAT"},
                    token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert membership.parcours == "III"
    html = page(client.get(f"/cohorts/{cohort.id}/enrolments"))
    assert "Emma Giraud" in html and "en recherche d'emploi" in html and "0,00" in html
    post(client, "/logout", token_from="/dashboard")
    login(client, trainee.email)
    html = page(client.get(f"/cohorts/{cohort.id}"))
    assert "Mon inscription" in html and "0,00" in html


def test_parcours_three_enrolment_joins_the_other_cohort(client, make, catalogue):
    coordinator = make.user(coordinator=True)
    transversal = _transversal_cohort(coordinator)
    other_transversal = _transversal_cohort(coordinator, "1.0 Avignon")
    thematic = _thematic_cohort(coordinator)
    module = db.session.scalar(select(Module).where(Module.code == "2.1"))
    site = db.session.scalar(select(Site).where(Site.is_main.is_(True)))
    other_thematic = ops.create_cohort(coordinator, name="2.1 Martigues", module=module,
                                       session=None, site=site, start_date=date(2027, 3, 1),
                                       end_date=date(2027, 5, 28))
    trainee = make.user("Sophie", "Lambert")
    membership = make.member(transversal, trainee, parcours="I")
    login(client, coordinator.email)
    url = f"/cohorts/{transversal.id}/enrolments/{membership.id}"
    html = page(client.get(url))
    # the form offers the thematic cohorts, with their module
    assert "Cohorte du module thématique (parcours III)" in html
    assert "2.4 — 2.4 Martigues" in html and "2.1 — 2.1 Martigues" in html
    assert "1.0 Avignon" not in html
    # a cohort of the same kind is refused, with why
    response = post(client, url, {"parcours": "III", "other_cohort": str(other_transversal.id),
                                  "funding": "employed"}, token_from=url)
    assert response.status_code == 200  # not one of the choices offered
    with pytest.raises(OperationError, match="suit un module transversal, comme celle-ci"):
        ops.update_enrolment(coordinator, membership, parcours="III",
                             other_cohort=other_transversal, funding="employed", notes=None)
    db.session.rollback()
    assert {m.cohort_id for m in db.session.scalars(select(Membership).where(
        Membership.user_id == trainee.id))} == {transversal.id}
    assert db.session.get(Membership, membership.id).parcours == "I"
    # the thematic cohort: the trainee joins it on parcours III, in the same operation
    response = post(client, url, {"parcours": "III", "other_cohort": str(thematic.id),
                                  "funding": "job_seeker", "notes": "Alternance"},
                    token_from=url)
    assert response.status_code == 302, page(response)
    db.session.expire_all()
    joined = db.session.scalar(select(Membership).where(
        Membership.user_id == trainee.id, Membership.cohort_id == thematic.id))
    assert (joined.role, joined.parcours) == ("trainee", "III")
    assert db.session.get(Membership, membership.id).parcours == "III"
    for m in (membership, joined):
        enrolment = db.session.get(Enrolment, m.id)
        assert enrolment.thematic_module.code == "2.4" and enrolment.funding == "job_seeker"
    assert db.session.get(Enrolment, membership.id).notes == "Alternance"
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.cohort_id == thematic.id).order_by(AuditEvent.id))]
    assert "membership.added" in actions and "enrolment.updated" in actions
    # the form shows it as chosen; saving again changes nothing of the memberships
    html = client.get(url).get_data(as_text=True)
    assert f'<option selected value="{thematic.id}">' in html
    assert post(client, url, {"parcours": "III", "other_cohort": str(thematic.id),
                              "funding": "employed"}, token_from=url).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.user_id == trainee.id)) == 2
    # another thematic cohort: one at a time
    response = post(client, url, {"parcours": "III", "other_cohort": str(other_thematic.id),
                                  "funding": "employed"}, token_from=url)
    assert "déjà inscrit·e dans la cohorte « 2.4 Martigues »" in page(response)
    # back to parcours II in the thematic cohort while still in the transversal one: no
    thematic_url = f"/cohorts/{thematic.id}/enrolments/{joined.id}"
    response = post(client, thematic_url, {"parcours": "II", "other_cohort": "0",
                                            "funding": "employed"}, token_from=thematic_url)
    assert "est aussi inscrit·e dans la cohorte « 1.0 Martigues » en parcours III" in page(
        response)
    # the trainee sees both cohorts on their dashboard and in their passeport
    post(client, "/logout", token_from="/dashboard")
    login(client, trainee.email)
    for path in ("/dashboard", "/passeport"):
        html = page(client.get(path))
        assert "1.0 Martigues" in html and "2.4 Martigues" in html, path
        assert "Inscription incomplète" not in html, path


def test_parcours_three_enrolment_from_the_thematic_cohort(make, catalogue):
    coordinator = make.user(coordinator=True)
    transversal = _transversal_cohort(coordinator)
    thematic = _thematic_cohort(coordinator)
    trainee = make.user()
    membership = make.member(thematic, trainee, parcours="II")
    with pytest.raises(OperationError, match="choisissez aussi la cohorte du module transversal"):
        ops.update_enrolment(coordinator, membership, parcours="III", funding="employed",
                             notes=None)
    with pytest.raises(OperationError, match="suit un module thématique, comme celle-ci"):
        ops.update_enrolment(coordinator, membership, parcours="III", other_cohort=thematic,
                             funding="employed", notes=None)
    ops.update_enrolment(coordinator, membership, parcours="III", other_cohort=transversal,
                         funding="employed", notes=None)
    joined = db.session.scalar(select(Membership).where(
        Membership.user_id == trainee.id, Membership.cohort_id == transversal.id))
    assert joined.parcours == "III"
    assert db.session.get(Enrolment, joined.id).thematic_module.code == "2.4"


def test_employed_trainee_remaining_cost(make, catalogue):
    coordinator = make.user(coordinator=True)
    cohort = _thematic_cohort(coordinator)
    membership = make.member(cohort, make.user(), parcours="III")
    enrolment = db.session.get(Enrolment, membership.id)
    assert ops.remaining_cost_cents(membership, enrolment) == 143200


def test_demo_year(app):
    from cohort.admissions.demo import CANDIDATES, PARTNERS
    from cohort.admissions.models import Application, ApplicationState
    from cohort.demo import DEMO_PASSWORD, TRAINEES, load_demo
    from cohort.demo_history import PAST_TRAINEES

    assert load_demo() is True
    assert load_demo() is False  # idempotent
    # + the admission commission's director and partners' representatives, candidates
    assert db.session.scalar(select(func.count()).select_from(User)) == (
        2 + 2 + 2 + 12 + 4 + 1 + len(PARTNERS) + len(CANDIDATES))
    # the campaign has an application in every state, one of them needing a derogation
    applications = list(db.session.scalars(select(Application)))
    assert {a.state for a in applications} == set(ApplicationState)
    assert any(a.derogation and a.state == ApplicationState.BEFORE_COMMISSION
               for a in applications)
    # this year's two cohorts (the recommendations package adds last year's, whose
    # validated recommendations fill the shared corpus)
    cohorts = [c for c in db.session.scalars(select(Cohort)) if c.start_date.year == 2026]
    assert len(cohorts) == 2
    trainees = set(db.session.scalars(select(Membership.user_id).where(
        Membership.role == CohortRole.TRAINEE)))
    assert len(trainees) == len(TRAINEES) + len(PAST_TRAINEES) == 16
    for cohort in cohorts:
        assert len(cohort.teams) == 2
        assert all(m.parcours.follows(cohort.module_scope)
                   for m in cohort.memberships if m.role == CohortRole.TRAINEE)
        in_teams = {u.id for t in cohort.teams for u in t.users}
        assert in_teams == {m.user_id for m in cohort.memberships if m.role == "trainee"}
    assert len(DEMO_PASSWORD) >= 10
    assert all(u.email.endswith("@demo.coelab.invalid")
               for u in db.session.scalars(select(User)))
    # a Parcours III trainee owes four deliverables, each with its due date; the demo has
    # started all but one trainee's mini-diagnostic, and last year's corpus is there
    from coelab.deliverables.operations import obligations_for

    from recommendations.operations import search_corpus

    sophie = db.session.scalar(select(User).where(User.email.startswith("sophie.lambert@")))
    owed = obligations_for(sophie)
    assert sorted(o.kind.name for o in owed) == [
        "collective_case_study", "mini_diagnostic", "recommendation_collection",
        "thematic_case_study"]
    assert all(o.deliverable is not None and o.due_date is not None for o in owed)
    lucas = db.session.scalar(select(User).where(User.email.startswith("lucas.mercier@")))
    assert [o.kind.name for o in obligations_for(lucas) if o.deliverable is None] == [
        "mini_diagnostic"]
    assert search_corpus()[1] >= 3
    # last year's promotion: one trainee of each parcours validated, with their
    # attestation; one whose mini-diagnostic the jury did not validate, a new
    # submission allowed; this year's trainees are in progress
    from cohort.attestation import attestation_of
    from cohort.results import parcours_result

    def person(name):
        return db.session.scalar(select(User).where(User.email.startswith(f"{name}@")))

    for name, parcours in (("celine.martin", "I"), ("olivier.dumas", "II"),
                           ("aurelie.fabre", "III")):
        result = parcours_result(person(name))
        assert (result.status, result.parcours.value) == ("validated", parcours), name
        assert attestation_of(person(name)) is not None
    bruno = parcours_result(person("bruno.lefevre"))
    assert (bruno.status, bruno.resubmission_possible) == ("not_validated", True)
    assert attestation_of(person("bruno.lefevre")) is None
    assert parcours_result(sophie).status == "in_progress"
    # the collection the jury validated last year is the corpus
    assert _titles_in_corpus() >= {"Tracer les transmissions entre équipes de jour et "
                                   "de nuit"}
    # the works a jury reads are written, by their authors, not the template's prompts
    from coelab.deliverables.models import Deliverable, DeliverableState
    from coelab.deliverables.operations import authors_of
    from coelab.documents.operations import contributions, current_markdown

    from casestudies.demo_texts import TEXTS

    judged = [d for d in db.session.scalars(select(Deliverable)) if d.kind in TEXTS
              and d.state != DeliverableState.DRAFT]
    assert len(judged) >= 5
    for work in judged:
        text = current_markdown(work.document)
        assert "Présentez" not in text and ": titre" not in text, work.title
        for heading in TEXTS[work.kind]:
            assert f"## {heading}\n\n" in text and f"## {heading}\n\n##" not in text
        assert "{" not in text, work.title  # every placeholder filled
        writers = {c.user.id for c in contributions(work.document) if c.user and c.present}
        assert writers == {u.id for u in authors_of(work)}, work.title
    # this year's drafts are still the templates their authors start from
    calanques = db.session.scalar(select(Deliverable).where(
        Deliverable.title.endswith("Équipe Calanques"),
        Deliverable.kind == "collective_case_study"))
    assert "Présentez le terrain" in current_markdown(calanques.document)


def _titles_in_corpus() -> set[str]:
    from recommendations.operations import search_corpus

    return {entry.title for entry in search_corpus()[0]}


def test_coordinator_adds_a_site_and_a_session(client, make, catalogue):
    coordinator = make.user(coordinator=True)
    login(client, coordinator.email)
    response = post(client, "/programme/sites/new", {"name": "Gap", "is_main": "y"},
                    token_from="/programme/sites/new")
    assert response.status_code == 302
    sites = {s.name: s.is_main for s in db.session.scalars(select(Site))}
    assert sites["Gap"] is True and sites["Martigues"] is False  # one main site at a time
    response = post(client, "/programme/sites/new", {"name": "Gap"},
                    token_from="/programme/sites/new")
    assert "Ce site existe déjà." in page(response)
    form = {"scope": "thematic", "year_label": "2026-2027", "number": "2",
            "start_date": "2027-03-15", "end_date": "2027-05-28", "end_label": ""}
    url = "/programme/sessions/new"
    assert post(client, url, form, token_from=url).status_code == 302
    assert "Cette session existe déjà" in page(post(client, url, form, token_from=url))
    html = page(client.get("/programme"))
    assert "2026-2027, session 2 (thématique)" in html and "Gap" in html


def test_parcours_three_enrolment_is_all_or_nothing(make, catalogue):
    """The parcours, both enrolments, the new membership and their audit events are
    written together, or nothing is (tests/test_failures.py, ``sweep``)."""
    coordinator = make.user(coordinator=True)
    transversal = _transversal_cohort(coordinator)
    thematic = _thematic_cohort(coordinator)
    trainee = make.user()
    membership = make.member(transversal, trainee, parcours="I")
    membership_id, thematic_id = membership.id, thematic.id

    def enrol_in_both():
        ops.update_enrolment(coordinator, db.session.get(Membership, membership_id),
                             parcours="III", other_cohort=db.session.get(Cohort, thematic_id),
                             funding="employed", notes="Deux cohortes")

    # the new membership and its enrolment; the events: the parcours changed, the
    # enrolment updated, the membership added, its enrolment updated
    sweep(enrol_in_both, {"memberships": 1, "cohort_enrolments": 1, "audit_events": 4})
    assert {m.cohort_id: m.parcours for m in db.session.scalars(select(Membership).where(
        Membership.user_id == trainee.id))} == {transversal.id: "III", thematic.id: "III"}


def test_a_second_membership_in_the_same_cohort_is_refused_not_a_500(make):
    """Two coordinators adding the same person at once: the second insert meets the
    unique (cohort, user) constraint and gets a plain refusal, nothing half-written."""
    from coelab.operations import add_member

    cohort = make.cohort()
    coordinator = make.user("Coord", coordinator=True)
    person = make.user("Zoé")
    add_member(coordinator, cohort, person, CohortRole.TRAINEE, "I")
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(OperationError, match="fait déjà partie"):
        add_member(coordinator, cohort, person, CohortRole.TRAINEE, "I")
    assert db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.user_id == person.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
