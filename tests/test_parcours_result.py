"""A trainee's parcours result, the parcours III enrolment's problems, diploma
eligibility and the passeport's sections (cohort/results.py, docs/domain.md, "Parcours
result and eligibility").

The jury's decisions are set up as rows (a released ``JuryDecision`` and the state the
release leaves), so that these tests follow the result and not the jury's workflow."""

from __future__ import annotations

from datetime import date

import pytest
from coelab.audit import AuditEvent
from coelab.db import db, utcnow
from coelab.deliverables import operations as dops
from coelab.deliverables.models import DeliverableState
from coelab.jury.models import JuryDecision, JuryPanel, Outcome
from coelab.operations import OperationError
from flask import render_template
from sqlalchemy import event, select

from cohort import operations as cops
from cohort.models import DiplomaEligibility, EligibilityStatus, Module, PassportEntry, Site
from cohort.results import parcours_result, parcours_results
from cohort.views import passport_context

from .conftest import login, page, post
from .test_deliverables import _mini, _partner, relog

# --- the world -------------------------------------------------------------------------


def start_all(prog) -> dict[str, object]:
    """Every deliverable of the programme's trainees: the two teams' collective case
    studies, the thematic teams' case studies and collections, each one's
    mini-diagnostic."""
    out = {
        "case": dops.start_deliverable(prog.p1, prog.transversal, "collective_case_study",
                                       title="Fusion", team=prog.team_t, details=_partner()),
        "thematic": dops.start_deliverable(prog.p2, prog.thematic, "thematic_case_study",
                                           title="Traçabilité", team=prog.team_h,
                                           details=_partner()),
        "collection": dops.start_deliverable(prog.p2, prog.thematic,
                                             "recommendation_collection", title="Recueil",
                                             team=prog.team_h, details={"themes": ["2.4"]}),
        "mini_p2": _mini(prog, prog.p2),
        "mini_p3": _mini(prog, prog.p3),
    }
    return out


def decide(deliverable, *, validated: bool, released: bool = True,
           resubmission: bool = False, individual: dict | None = None,
           round_: int | None = None) -> JuryDecision:
    """A decision of the deliverable's round, released (or not yet) as the jury's
    workflow leaves it (platform/coelab/jury/operations.py decide, release)."""
    panel = db.session.scalar(select(JuryPanel).where(
        JuryPanel.cohort_id == deliverable.cohort_id))
    if panel is None:
        panel = JuryPanel(cohort_id=deliverable.cohort_id, title="Jury")
        db.session.add(panel)
        db.session.flush()
    decision = JuryDecision(
        deliverable_id=deliverable.id, round=deliverable.round if round_ is None else round_,
        panel_id=panel.id, outcome=Outcome.VALIDATED if validated else Outcome.NOT_VALIDATED,
        reasons="Motifs.", resubmission_allowed=resubmission,
        individual={str(k): v for k, v in (individual or {}).items()},
        released_at=utcnow() if released else None)
    db.session.add(decision)
    deliverable.state = DeliverableState.RELEASED if released else DeliverableState.DECIDED
    db.session.commit()
    return decision


def outcomes(result) -> dict[str, str]:
    return {item.kind.name: item.outcome for item in result.items}


# --- the status ------------------------------------------------------------------------


def test_nothing_decided_is_in_progress_and_follows_the_obligations(prog):
    start_all(prog)
    result = parcours_result(prog.p3)
    assert result.parcours == "III" and not result.problems
    assert {m.cohort_id for m in result.memberships} == {prog.thematic.id,
                                                        prog.transversal.id}
    assert result.status == "in_progress" and not result.resubmission_possible
    assert set(outcomes(result).values()) == {"pending"}
    # the same deliverables as the core's obligations, one per required kind
    owed = {(o.cohort.id, o.kind.name): o.deliverable for o in dops.obligations_for(prog.p3)}
    assert {(i.cohort.id, i.kind.name): i.deliverable for i in result.items} == owed
    assert len(owed) == 4 and all(owed.values())
    # a kind not started is pending too
    assert {i.kind.name: i.state for i in parcours_result(prog.p3b).items} == {
        "collective_case_study": "not_started", "thematic_case_study": "not_started",
        "recommendation_collection": "not_started", "mini_diagnostic": "not_started"}
    assert parcours_result(prog.p3b).status == "in_progress"


def test_validated_once_every_required_item_is_validated(prog):
    made = start_all(prog)
    decide(made["case"], validated=True)
    assert parcours_result(prog.p1).status == "validated"  # parcours I: the case study
    # parcours III owes the thematic cohort's three pieces of work as well
    result = parcours_result(prog.p3)
    assert outcomes(result)["collective_case_study"] == "validated"
    assert result.status == "in_progress"
    for name in ("thematic", "collection", "mini_p3"):
        decide(made[name], validated=True)
    result = parcours_result(prog.p3)
    assert result.status == "validated" and set(outcomes(result).values()) == {"validated"}
    item = next(i for i in result.items if i.kind.name == "mini_diagnostic")
    assert item.decision.released_at is not None and item.state == "released"


def test_a_decision_not_yet_released_stays_pending(prog):
    made = start_all(prog)
    decide(made["case"], validated=True, released=False)
    item = next(i for i in parcours_result(prog.p1).items)
    assert (item.state, item.decision, item.outcome) == ("decided", None, "pending")
    assert parcours_result(prog.p1).status == "in_progress"
    # a failing decision within the panel tells the trainee nothing either
    decide(made["mini_p2"], validated=False, released=False)
    assert parcours_result(prog.p2).status == "in_progress"


def test_not_validated_and_whether_a_new_submission_is_possible(prog):
    made = start_all(prog)
    decide(made["mini_p2"], validated=False, resubmission=True)
    result = parcours_result(prog.p2)
    assert result.status == "not_validated" and result.resubmission_possible
    assert outcomes(result)["mini_diagnostic"] == "not_validated"
    # another failed work the jury closed: no new submission for the parcours
    decide(made["collection"], validated=False, resubmission=False)
    result = parcours_result(prog.p2)
    assert result.status == "not_validated" and not result.resubmission_possible
    # p3 shares the collection (same team): not validated, whatever else
    assert parcours_result(prog.p3).status == "not_validated"


def test_a_reopened_work_is_pending_again_and_the_latest_released_round_counts(prog):
    made = start_all(prog)
    mini = made["mini_p2"]
    first = decide(mini, validated=False, resubmission=True)
    # the authors start the new submission (jury/operations.py reopen_for_resubmission)
    mini.state = DeliverableState.CHANGES_REQUESTED
    db.session.commit()
    item = next(i for i in parcours_result(prog.p2).items if i.kind.name == "mini_diagnostic")
    assert (item.outcome, item.decision.id, item.resubmission_allowed) == (
        "pending", first.id, True)
    assert parcours_result(prog.p2).status == "in_progress"
    # handed in again, decided anew (not released yet): still the first decision, pending
    mini.round += 1
    db.session.commit()
    second = decide(mini, validated=True, released=False)
    item = next(i for i in parcours_result(prog.p2).items if i.kind.name == "mini_diagnostic")
    assert (item.outcome, item.decision.id) == ("pending", first.id)
    second.released_at = utcnow()
    mini.state = DeliverableState.RELEASED
    db.session.commit()
    item = next(i for i in parcours_result(prog.p2).items if i.kind.name == "mini_diagnostic")
    assert (item.outcome, item.decision.id, item.resubmission_allowed) == (
        "validated", second.id, False)


def test_an_author_of_a_collective_work_treated_differently(prog):
    made = start_all(prog)
    # the team Calanques (p1, p3): validated, but not for p3
    decide(made["case"], validated=True, individual={
        prog.p3.id: {"validated": False, "reason": "Absent·e de la soutenance."}})
    assert parcours_result(prog.p1).status == "validated"
    p3 = parcours_result(prog.p3)
    assert outcomes(p3)["collective_case_study"] == "not_validated"
    assert p3.status == "not_validated" and not p3.resubmission_possible
    # and the other way round: not validated, but validated for one author
    decide(made["thematic"], validated=False, resubmission=True, individual={
        prog.p2.id: {"validated": True, "reason": "Sa partie tient."}})
    assert outcomes(parcours_result(prog.p2))["thematic_case_study"] == "validated"
    p3 = parcours_result(prog.p3)
    assert outcomes(p3)["thematic_case_study"] == "not_validated"
    assert next(i for i in p3.items if i.kind.name == "thematic_case_study"
                ).resubmission_allowed


def test_the_cohort_results_are_each_trainees_result(prog):
    made = start_all(prog)
    decide(made["case"], validated=True)
    decide(made["mini_p3"], validated=False, resubmission=True)
    for cohort in (prog.transversal, prog.thematic):
        results = parcours_results(cohort)
        trainees = {m.user_id for m in cohort.memberships if m.role == "trainee"}
        assert set(results) == trainees
        for user_id, result in results.items():
            alone = parcours_result(db.session.get(type(prog.p1), user_id))
            assert (result.status, result.parcours, result.problems,
                    [(i.cohort.id, i.kind.name, i.outcome,
                      i.deliverable.id if i.deliverable else None) for i in result.items]) == (
                alone.status, alone.parcours, alone.problems,
                [(i.cohort.id, i.kind.name, i.outcome,
                  i.deliverable.id if i.deliverable else None) for i in alone.items])
    assert parcours_results(prog.transversal)[prog.p3.id].status == "not_validated"


# --- parcours III in one cohort only ---------------------------------------------------


def test_a_parcours_three_trainee_in_one_cohort_only_has_a_problem(prog, make, client):
    lone = make.user("Lou", "Seule")
    membership = make.member(prog.transversal, lone, parcours="III")  # the core's page
    result = parcours_result(lone)
    assert result.parcours == "III" and len(result.problems) == 1
    assert "Inscription incomplète" in result.problems[0]
    assert "thématique" in result.problems[0]
    # only the transversal cohort's case study is owed so far: never validated as is
    assert [i.kind.name for i in result.items] == ["collective_case_study"]
    case = dops.start_deliverable(lone, prog.transversal, "collective_case_study",
                                  title="Seule", team=make.team(prog.transversal, "Solo",
                                                                [lone]),
                                  details=_partner())
    decide(case, validated=True)
    assert parcours_result(lone).status == "in_progress"
    # the coordination reads it in the enrolments table, with the link to complete it
    login(client, prog.coordinator.email)
    html = page(client.get(f"/cohorts/{prog.transversal.id}/enrolments"))
    row = html.split(f'data-user="{lone.id}"')[1].split("</tr>")[0]
    assert "Inscription incomplète" in row
    assert f"/cohorts/{prog.transversal.id}/enrolments/{membership.id}" in row
    assert "Compléter l'inscription" in row
    # the other rows have none
    assert html.count("Inscription incomplète") == 1
    # and in the passeport
    assert "Inscription incomplète" in page(client.get(f"/passeport/{lone.id}"))


# --- the pages ---------------------------------------------------------------------------


def test_the_trainee_dashboard_and_passeport_show_both_cohorts_and_the_result(prog, client):
    made = start_all(prog)
    decide(made["case"], validated=True)
    login(client, prog.p3.email)
    html = page(client.get("/dashboard"))
    panel = html.split("<h2>Mon parcours</h2>")[1].split("</section>")[0]
    assert "Transversal" in panel and "Thématique 2.4" in panel
    assert "module 1.0" in panel and "module 2.4" in panel
    assert 'data-status="in_progress"' in panel and "Parcours en cours" in panel
    assert "validé le" in panel and "en attente de la décision du jury" in panel
    html = page(client.get("/passeport"))
    result = html.split("Résultat du parcours")[1]
    assert "Parcours en cours" in result and "Transversal" in result
    assert "Thématique 2.4" in result
    assert result.count("<li data-kind=") == 4
    # a trainer of the cohort reads the status in the enrolments table
    relog(client, prog.trainer)
    html = page(client.get(f"/cohorts/{prog.transversal.id}/enrolments"))
    row = html.split(f'data-user="{prog.p1.id}"')[1].split("</tr>")[0]
    assert 'data-status="validated"' in html.split(f'data-user="{prog.p1.id}"')[1][:40]
    assert "Parcours validé" in row and "Modifier l'inscription" not in row
    assert "Éligibilité aux diplômes" not in row  # the coordination's


def test_the_cohort_table_reads_a_bounded_number_of_queries(app, make, client):
    """The enrolments page costs as many queries for 30 trainees as for 3."""
    cops.load_catalogue()
    coordinator = make.user("Coord", coordinator=True)
    module = db.session.scalar(select(Module).where(Module.code == "2.4"))
    transversal = db.session.scalar(select(Module).where(Module.code == "1.0"))
    site = db.session.scalar(select(Site).where(Site.is_main.is_(True)))

    def cohort_of(n: int, name: str):
        cohort = cops.create_cohort(coordinator, name=name, module=module, session=None,
                                    site=site, start_date=date(2026, 11, 2),
                                    end_date=date(2027, 1, 29))
        other = cops.create_cohort(coordinator, name=f"{name} T", module=transversal,
                                   session=None, site=site, start_date=date(2026, 11, 2),
                                   end_date=date(2027, 1, 29))
        people = [make.user("Stagiaire", f"{name}{i}") for i in range(n)]
        for i, person in enumerate(people):
            membership = make.member(cohort, person, parcours="II" if i % 3 else "III")
            if i % 3 == 0:
                cops.update_enrolment(coordinator, membership, parcours="III",
                                      other_cohort=other, funding="employed", notes=None)
        team = make.team(cohort, "Équipe", people)
        collection = dops.start_deliverable(people[0], cohort, "recommendation_collection",
                                            title="Recueil", team=team,
                                            details={"themes": ["2.4"]})
        decide(collection, validated=True)
        for i, person in enumerate(people):
            mini = dops.start_deliverable(person, cohort, "mini_diagnostic", owner=person,
                                          title="Mon organisation", details={
                                              "organisation_name": "IME fictif",
                                              "organisation_sector": "medico_social",
                                              "organisation_size": "10_49",
                                              "issue": "Traçabilité"})
            decide(mini, validated=bool(i % 2), resubmission=True)
        return cohort

    small, large = cohort_of(3, "Petite"), cohort_of(30, "Grande")
    login(client, coordinator.email)
    counts = {}
    for cohort in (small, large):
        url = f"/cohorts/{cohort.id}/enrolments"
        client.get(url)  # warm up (the session, the plugins' first reads)
        seen = []

        def count(*_args, seen=seen):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        html = page(response)
        assert html.count('data-status="not_validated"') == (2 if cohort is small else 15)
        counts[cohort.name] = len(seen)
    assert counts["Grande"] == counts["Petite"], counts
    assert counts["Grande"] < 40, counts


# --- diploma eligibility -----------------------------------------------------------------


def test_the_coordination_records_eligibility_with_an_audit_event(prog, client, make):
    url = f"/passeport/{prog.p1.id}/eligibilite"
    form = {"diploma": "CAFERUIS", "status": "eligible",
            "note": "Diplôme de niveau 6 et trois ans d'encadrement vérifiés."}
    # a trainer of the trainee's cohort, the trainee: they see the passeport, not this
    for person in (prog.trainer, prog.p1):
        relog(client, person)
        assert client.get(url).status_code == 403
        assert post(client, url, form, token_from="/dashboard").status_code == 403
    relog(client, prog.outsider)
    assert client.get(url).status_code == 404  # another's passeport does not exist
    assert db.session.scalar(select(DiplomaEligibility.id)) is None
    relog(client, prog.coordinator)
    html = page(client.get(url))
    assert "CAFERUIS" in html and "DEIS" not in html  # parcours I
    assert "conditions d'accès à vérifier" in html
    # a status that is not one of the choices: the form says so
    response = post(client, url, {**form, "status": "peut-etre"}, token_from=url)
    assert response.status_code == 200 and 'class="errors"' in response.get_data(as_text=True)
    # a diploma of another parcours: refused
    response = post(client, url, {**form, "diploma": "DEIS"}, token_from=url)
    assert response.status_code == 200 and "ne prépare à aucun bloc" in page(response)
    assert db.session.scalar(select(DiplomaEligibility.id)) is None
    response = post(client, url, form, token_from=url)
    assert response.status_code == 302
    row = db.session.scalar(select(DiplomaEligibility))
    assert (row.user_id, row.diploma, row.status, row.note, row.recorded_by_id) == (
        prog.p1.id, "CAFERUIS", EligibilityStatus.ELIGIBLE, form["note"],
        prog.coordinator.id)
    post(client, url, {**form, "status": "not_eligible", "note": ""}, token_from=url)
    db.session.expire_all()
    assert db.session.scalar(select(DiplomaEligibility)).status == "not_eligible"
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "eligibility.recorded").order_by(AuditEvent.id)))
    assert [e.after["status"] for e in events] == ["eligible", "not_eligible"]
    assert events[1].before["status"] == "eligible" and events[0].actor_id == prog.coordinator.id
    assert events[0].cohort_id == prog.transversal.id
    # parcours II capitalises toward no diploma: nothing to record
    html = page(client.get(f"/passeport/{prog.p2.id}/eligibilite"))
    assert "ne prépare à aucun bloc de diplôme" in html and 'name="diploma"' not in html
    # the enrolments table and the passeport lead there
    assert url in page(client.get(f"/cohorts/{prog.transversal.id}/enrolments"))
    assert url in page(client.get(f"/passeport/{prog.p1.id}"))


def _entry(user, code: str, title: str, block: str | None, cohort_name: str):
    db.session.add(PassportEntry(user_id=user.id, competency_code=code, competency_title=title,
                                 block_title=block, source="Étude de cas — Fusion",
                                 cohort_name=cohort_name))


def test_the_passeport_shows_diploma_blocks_apart_with_their_eligibility(prog, client, app):
    _entry(prog.p1, "1.0-1", "Analyser une situation", "Module 1.0 — Comprendre",
           "Transversal")
    _entry(prog.p1, "1.0-3", "Formuler des préconisations", "Module 1.0 — Comprendre",
           "Transversal")
    _entry(prog.p1, "CAFERUIS-DC3-1", "Animer une équipe", "CAFERUIS — DC3", "Transversal")
    db.session.commit()
    cops.record_eligibility(prog.coordinator, prog.p1, diploma="CAFERUIS",
                            status="eligible", note="Titre de niveau 6 vu.")
    login(client, prog.p1.email)
    html = page(client.get("/passeport"))
    attested = html.split("Compétences attestées")[1].split("Blocs de diplôme capitalisables")[0]
    capitalisable = html.split("Blocs de diplôme capitalisables")[1]
    assert "1.0-1" in attested and "1.0-3" in attested and "Module 1.0 — Comprendre" in attested
    assert attested.count("<h3>") == 1  # grouped by block
    assert "CAFERUIS-DC3-1" not in attested and "CAFERUIS-DC3-1" in capitalisable
    assert "1.0-1" not in capitalisable
    assert ("Capitalisable vers le CAFERUIS — DC3, sous réserve des conditions "
            "d'éligibilité") in capitalisable
    assert "Capitalisable vers le CAFERUIS — DC5" in capitalisable  # nothing attested yet
    assert "conditions d'accès remplies" in capitalisable and "Titre de niveau 6 vu." in \
        capitalisable
    assert 'data-eligibility="eligible"' in capitalisable
    assert "Renseigner l'éligibilité" not in capitalisable  # the coordination's
    # the PDF says the same
    with app.test_request_context():
        printed = render_template("cohort/passport_print.html", **passport_context(prog.p1))
    attested = printed.split("Compétences attestées")[1].split("Blocs de diplôme")[0]
    assert "1.0-1" in attested and "CAFERUIS-DC3-1" not in attested
    assert "CAFERUIS-DC3-1" in printed.split("Blocs de diplôme capitalisables")[1]
    assert "conditions d&#39;accès remplies" in printed or "conditions d'accès remplies" in \
        printed
    response = client.get("/passeport.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    # parcours II: no diploma section at all
    relog(client, prog.p2)
    assert "Blocs de diplôme capitalisables" not in page(client.get("/passeport"))


@pytest.mark.parametrize("status", ["", "maybe"])
def test_the_operation_refuses_a_bad_status(prog, status):
    with pytest.raises(OperationError):
        cops.record_eligibility(prog.coordinator, prog.p3, diploma="DEIS", status=status,
                                note=None)
    with pytest.raises(OperationError):
        cops.record_eligibility(prog.coordinator, prog.p2, diploma="CAFERUIS",
                                status="eligible", note=None)
    assert db.session.scalar(select(DiplomaEligibility.id)) is None
    row = cops.record_eligibility(prog.coordinator, prog.p3, diploma="DEIS",
                                  status="to_check", note=" à \x00voir ")
    assert (row.status, row.note) == ("to_check", "à voir")
