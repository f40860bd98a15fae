"""A parcours III trainee from enrolment to the attestation de fin de formation, end to
end, through the real operations only: the catalogue and the framework, two cohorts of
the catalogue with their gatherings, the enrolment in both cohorts, the four required
deliverables each submitted, reviewed, judged by a panel composed as the programme asks,
decided, signed and released, the passeport, attendance, diploma eligibility, and the
attestation's PDF as the trainee downloads it (docs/domain.md, "What each parcours
produces", "Review, soutenance and jury", "Parcours result and eligibility", "The
attestation de fin de formation").

A parcours I and a parcours II trainee write the team work with the parcours III
trainee, so that each author's passeport is filtered for their own module and parcours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from coelab.assessments import operations as aops
from coelab.db import db, local_today
from coelab.deliverables import workflow
from coelab.deliverables.models import AuthorshipMode, DeliverableState
from coelab.deliverables.operations import (
    authors_of,
    schedule_for,
    set_schedule,
    start_deliverable,
)
from coelab.jury import operations as jops
from coelab.jury.models import PanelRole, Soutenance
from coelab.jury.queries import DECISION, composition
from coelab.models import Membership, Parcours
from coelab.operations import OperationError
from coelab.plugins import registry
from flask_babel import format_date
from sqlalchemy import select

from cohort import operations as cops
from cohort.attendance import gathering_days, hours_of, record_attendance
from cohort.attestation import issue_attestation
from cohort.framework import load_framework
from cohort.models import Enrolment, Module, PassportEntry, Site
from cohort.results import parcours_result
from recommendations import operations as rops
from recommendations.models import CorpusEntry, FrozenRound

from .conftest import base_config, login, page, practising_professional
from .test_attestation import pdf_text
from .test_recommendations_frozen import entry_text, set_text

LEAD = "Claire Martin, Responsable de la formation"

PARTNER = {"partner_name": "Association Les Oliviers (fictive)",
           "partner_sector": "medico_social", "partner_contact_role": "directrice"}
MINI = {"organisation_name": "IME Les Pins (fictif)", "organisation_sector": "medico_social",
        "organisation_size": "10_49", "theme": "2.4",
        "issue": "Tracer l'accompagnement sans alourdir le travail des équipes."}

KINDS = ("collective_case_study", "thematic_case_study", "mini_diagnostic",
         "recommendation_collection")


@pytest.fixture
def app_config(tmp_path, database_url) -> dict:
    """The programme lead signs the attestations (COELAB_PROGRAMME_LEAD)."""
    return base_config(tmp_path, database_url, PROGRAMME_LEAD=LEAD)


def codes(user) -> set[str]:
    """The competency codes of the person's passeport."""
    return set(db.session.scalars(select(PassportEntry.competency_code).where(
        PassportEntry.user_id == user.id)))


def module_codes(module: str) -> set[str]:
    return {f"{module}-{n}" for n in range(1, 6)}


def outcomes(user) -> dict[str, str]:
    return {item.kind.name: item.outcome for item in parcours_result(user).items}


class Journey:
    """The programme as the coordination sets it up: the catalogue and the framework,
    a transversal cohort (module 1.0) and a thematic cohort (module 2.4) under way, each
    with two past gatherings and its trainer; Paula on parcours III, Pierre on parcours I
    (transversal), Inès on parcours II (thematic)."""

    def __init__(self, make) -> None:
        self.today = today = local_today()
        self.coordinator = make.user("Coord", "Ination", coordinator=True)
        assert cops.load_catalogue() > 0
        assert load_framework(self.coordinator) > 0
        martigues = db.session.scalar(select(Site).where(Site.name == "Martigues"))
        avignon = db.session.scalar(select(Site).where(Site.name == "Avignon"))
        marseille = db.session.scalar(select(Site).where(Site.name == "Marseille"))
        transversal = db.session.scalar(select(Module).where(Module.code == "1.0"))
        thematic = db.session.scalar(select(Module).where(Module.code == "2.4"))
        self.transversal = cops.create_cohort(
            self.coordinator, name="Transversal Martigues", module=transversal,
            session=None, site=martigues, start_date=today - timedelta(days=120),
            end_date=today + timedelta(days=14))
        self.thematic = cops.create_cohort(
            self.coordinator, name="Thématique 2.4 Martigues", module=thematic,
            session=None, site=martigues, start_date=today - timedelta(days=110),
            end_date=today + timedelta(days=14))
        # every gathering is over: its attendance can be recorded
        self.gatherings = [
            cops.add_gathering(self.coordinator, self.transversal,
                               start_date=today - timedelta(days=100),
                               end_date=today - timedelta(days=98), site=None, notes=None),
            cops.add_gathering(self.coordinator, self.transversal,
                               start_date=today - timedelta(days=60),
                               end_date=today - timedelta(days=58), site=avignon,
                               notes=None),
            cops.add_gathering(self.coordinator, self.thematic,
                               start_date=today - timedelta(days=80),
                               end_date=today - timedelta(days=78), site=None, notes=None),
            cops.add_gathering(self.coordinator, self.thematic,
                               start_date=today - timedelta(days=30),
                               end_date=today - timedelta(days=27), site=marseille,
                               notes="Salle Camargue"),
        ]
        self.trainer_t = make.user("Fanny", "Transversale")
        self.trainer_h = make.user("Hugo", "Thématique")
        make.member(self.transversal, self.trainer_t, "trainer")
        make.member(self.thematic, self.trainer_h, "trainer")
        self.trainee = make.user("Paula", "Trois")
        self.p1 = make.user("Pierre", "Un")
        self.p2 = make.user("Inès", "Deux")


def enrol(journey: Journey, make) -> None:
    """Paula joins the thematic cohort, then her enrolment is completed for parcours III
    with her transversal cohort; Pierre and Inès join one cohort each; a team in each."""
    j = journey
    membership = make.member(j.thematic, j.trainee, parcours="II")
    cops.update_enrolment(j.coordinator, membership, parcours=Parcours.III,
                          funding="job_seeker", notes="Parcours III : 1.0 et 2.4",
                          other_cohort=j.transversal)
    joined = db.session.scalar(select(Membership).where(
        Membership.user_id == j.trainee.id, Membership.cohort_id == j.transversal.id))
    assert joined is not None and (joined.role, joined.parcours) == ("trainee", "III")
    db.session.refresh(membership)
    assert membership.parcours == "III"
    # both enrolments take the thematic cohort's module and the same funding
    for m in (membership, joined):
        enrolment = db.session.get(Enrolment, m.id)
        assert (enrolment.thematic_module.code, enrolment.funding) == ("2.4", "job_seeker")
    result = parcours_result(j.trainee)
    assert result.parcours == "III" and result.problems == [] and result.complete
    assert {m.cohort_id for m in result.memberships} == {j.transversal.id, j.thematic.id}
    assert result.status == "in_progress"
    assert outcomes(j.trainee) == dict.fromkeys(KINDS, "pending")
    make.member(j.transversal, j.p1, parcours="I")
    make.member(j.thematic, j.p2, parcours="II")
    j.team_t = make.team(j.transversal, "Calanques", [j.trainee, j.p1])
    j.team_h = make.team(j.thematic, "Étang", [j.trainee, j.p2])


def submit_and_review(journey: Journey, deliverable, reviewer) -> None:
    """The authors hand the work in; the cohort's trainer reviews it and sends it to
    the jury."""
    authors = [u.id for u in authors_of(deliverable)]
    workflow.submit(journey.trainee, deliverable, confirmed_authors=authors,
                    statement_accepted=True)
    workflow.start_review(reviewer, deliverable)
    workflow.ready_for_jury(reviewer, deliverable)
    assert deliverable.state == DeliverableState.READY_FOR_JURY


def judge(journey: Journey, deliverable, *, president_user, reviewer, n: int) -> dict:
    """The panel as the programme composes it (its president, a trainer of the programme
    who did not supervise the work; a practising professional; both impartial), the
    soutenance or the examination of the written work, each juror's score, the
    decision (validated, every criterion agreed at "Atteint" or above), the minutes
    signed by every sitting member, the release."""
    j = journey
    kind = registry().kind(deliverable.kind)
    panel = jops.create_panel(j.coordinator, deliverable.cohort, f"Jury n° {n}")
    jops.assign(j.coordinator, panel, deliverable)
    # the trainer who supervised the work cannot sit
    with pytest.raises(OperationError, match="a encadré"):
        jops.add_member(j.coordinator, panel, reviewer, PanelRole.MEMBER)
    president = jops.add_member(j.coordinator, panel, president_user, PanelRole.PRESIDENT)
    pro = practising_professional(j.coordinator, panel)
    assert (pro.user.job_title, pro.user.organisation) == ("Directeur adjoint",
                                                           "ITEP (fictif)")
    jops.declare(president, impartial=True)
    jops.declare(pro, impartial=True)
    assert composition(panel, DECISION).complete
    if kind.soutenance:
        jops.schedule(j.coordinator, deliverable,
                      starts_at=datetime.now(UTC) + timedelta(days=2), duration_minutes=45,
                      place="Martigues, salle Calanques")
        assert deliverable.state == DeliverableState.SOUTENANCE_SCHEDULED
        # the soutenance took place (scheduling wants the future)
        soutenance = db.session.scalar(select(Soutenance).where(
            Soutenance.deliverable_id == deliverable.id))
        soutenance.starts_at = datetime.now(UTC) - timedelta(hours=2)
        db.session.commit()
    else:
        jops.open_examination(president.user, deliverable)
    criteria = aops.rubric_criteria(deliverable.cohort, kind)
    words = (f"appreciation-du-pro-{n}", f"appreciation-du-president-{n}")
    scores = [
        aops.save_assessment(pro.user, deliverable, levels={c["key"]: 2 for c in criteria},
                             comments={criteria[0]["key"]: f"commentaire-du-pro-{n}"},
                             overall_comment=words[0], submit=True),
        aops.save_assessment(president.user, deliverable,
                             levels={c["key"]: 3 for c in criteria}, comments={},
                             overall_comment=words[1], submit=True),
    ]
    assert jops.all_scored(deliverable)
    if kind.soutenance:
        jops.open_deliberation(president.user, deliverable)
    assert deliverable.state == DeliverableState.DELIBERATION
    # "Atteint" (2) for every criterion, "Dépassé" (3) for the first
    agreed = {c["key"]: 2 for c in criteria} | {criteria[0]["key"]: 3}
    reasons = f"Travail solide et situé : motif-du-jury-{n}."
    decision = jops.decide(president.user, deliverable, validated=True, reasons=reasons,
                           agreed_levels=agreed)
    for member in jops.unsigned(decision):
        jops.sign(member.user, decision)
    assert jops.unsigned(decision) == [] and len(decision.signatures) == 2
    released = jops.release(j.coordinator, deliverable)
    assert deliverable.state == DeliverableState.RELEASED and released.released_at
    return {"reasons": reasons, "scores": scores, "words": words, "decision": decision}


def read_as_author(client, deliverable, judged: dict) -> None:
    """The trainee reads the decision and its reasons on the deliverable's page, never
    a juror's own score or comments."""
    url = f"/deliverables/{deliverable.id}"
    text = page(client.get(url))
    assert "Décision : validé" in text and judged["reasons"] in text
    for word in judged["words"]:
        assert word not in text
    for score in judged["scores"]:
        assert f'data-assessment="{score.id}"' not in text
        assert client.get(f"/assessments/{score.id}").status_code in (403, 404)


@pytest.mark.parametrize("thematic_authorship", ["team", "individual"])
def test_a_parcours_three_trainee_from_enrolment_to_the_attestation(app, client, make,
                                                                   thematic_authorship):
    j = Journey(make)
    enrol(j, make)
    # the thematic cohort's trainers choose how its case study is written
    thematic_kind = registry().kind("thematic_case_study")
    set_schedule(j.trainer_h, j.thematic, thematic_kind, authorship=thematic_authorship)
    login(client, j.trainee.email)
    judged = {}

    # 1. the collective case study, in the transversal cohort, with Pierre (parcours I)
    case = start_deliverable(j.trainee, j.transversal, "collective_case_study",
                             title="Fusion de deux IME", team=j.team_t, details=PARTNER)
    submit_and_review(j, case, j.trainer_t)
    judged[case.kind] = judge(j, case, president_user=j.trainer_h, reviewer=j.trainer_t,
                              n=1)
    assert outcomes(j.trainee) == {**dict.fromkeys(KINDS, "pending"),
                                   "collective_case_study": "validated"}
    assert parcours_result(j.trainee).status == "in_progress"
    assert parcours_result(j.p1).status == "validated"  # parcours I owes only this one

    # 2. the thematic case study, written as the thematic cohort's schedule says: by
    # the team (with Inès, parcours II) or by Paula alone
    mode = schedule_for(j.thematic, thematic_kind).authorship
    assert mode == thematic_authorship
    by = {"team": j.team_h} if mode == AuthorshipMode.TEAM else {"owner": j.trainee}
    thematic = start_deliverable(j.trainee, j.thematic, thematic_kind,
                                 title="Tracer sans alourdir", details=PARTNER, **by)
    assert {u.id for u in authors_of(thematic)} == (
        {j.trainee.id, j.p2.id} if mode == AuthorshipMode.TEAM else {j.trainee.id})
    submit_and_review(j, thematic, j.trainer_h)
    judged[thematic.kind] = judge(j, thematic, president_user=j.trainer_t,
                                  reviewer=j.trainer_h, n=2)
    assert outcomes(j.trainee) == {**dict.fromkeys(KINDS, "validated"),
                                   "mini_diagnostic": "pending",
                                   "recommendation_collection": "pending"}
    assert parcours_result(j.trainee).status == "in_progress"

    # 3. the mini-diagnostic: Paula's own, on her thematic module, on the written route
    mini = start_deliverable(j.trainee, j.thematic, "mini_diagnostic",
                             title="Mon IME face à la traçabilité", owner=j.trainee,
                             details=MINI)
    assert mini.details["theme"] == "2.4" and mini.owner_id == j.trainee.id
    submit_and_review(j, mini, j.trainer_h)
    judged[mini.kind] = judge(j, mini, president_user=j.trainer_t, reviewer=j.trainer_h,
                              n=3)
    assert db.session.scalar(select(Soutenance.id).where(
        Soutenance.deliverable_id == mini.id)) is None
    assert outcomes(j.trainee) == {**dict.fromkeys(KINDS, "validated"),
                                   "recommendation_collection": "pending"}
    assert parcours_result(j.trainee).status == "in_progress"

    # 4. the collection of recommendations, with Inès (parcours II): entries proposed
    # and adopted before it is handed in
    collection = start_deliverable(j.trainee, j.thematic, "recommendation_collection",
                                   title="Recueil Étang", team=j.team_h,
                                   details={"themes": ["2.4"]})
    kept = [rops.propose_entry(j.trainee, collection, title=title, theme="2.4",
                               text_=entry_text(title, body))
            for title, body in (("Cahier de relève", "Relève tracée chaque soir."),
                                ("Dossier unique", "Un dossier par personne accompagnée."))]
    pending = rops.propose_entry(j.p2, collection, title="Idée en attente", theme="2.4",
                                 text_=entry_text("Idée en attente", "Pas encore décidée."))
    for entry in kept:
        rops.adopt(j.p2, entry)
    submit_and_review(j, collection, j.trainer_h)
    # the entries' documents stay writable: what is typed now was not handed in
    set_text(kept[0].document, j.trainee,
             entry_text("Cahier de relève", "Ajout après la remise."))
    judged[collection.kind] = judge(j, collection, president_user=j.trainer_t,
                                    reviewer=j.trainer_h, n=4)
    assert outcomes(j.trainee) == dict.fromkeys(KINDS, "validated")
    result = parcours_result(j.trainee)
    assert result.status == "validated" and result.problems == []
    assert all(item.decision.released_at is not None for item in result.items)
    # Inès still owes her own mini-diagnostic
    assert parcours_result(j.p2).status == "in_progress"

    # the corpus holds the adopted entries as they were handed in
    frozen = db.session.scalar(select(FrozenRound).where(
        FrozenRound.collection_id == collection.id, FrozenRound.round == collection.round))
    handed = [(e.entry_id, e.title, e.markdown) for e in frozen.entries]
    assert [entry_id for entry_id, _t, _m in handed] == [e.id for e in kept]
    corpus = [(c.source_entry_id, c.title, c.markdown)
              for c in db.session.scalars(select(CorpusEntry).order_by(CorpusEntry.id))]
    assert corpus == handed
    assert "Relève tracée chaque soir." in corpus[0][2]
    assert all("Ajout après la remise." not in m and "Pas encore décidée." not in m
               for _i, _t, m in corpus)
    assert pending.id not in {entry_id for entry_id, _t, _m in corpus}

    # 5. the trainee reads each decision and its reasons, never a juror's own score
    for deliverable in (case, thematic, mini, collection):
        read_as_author(client, deliverable, judged[deliverable.kind])

    # the passeport: each author attested their module's and their parcours' diploma's
    # competencies only
    mine = codes(j.trainee)
    assert mine == module_codes("1.0") | module_codes("2.4") | {
        "DEIS-DC3-1", "DEIS-DC3-2", "DEIS-DC3-3"}
    assert not [c for c in mine if c.startswith("CAFERUIS")]
    p1 = codes(j.p1)
    assert p1 == module_codes("1.0") | {"CAFERUIS-DC3-1", "CAFERUIS-DC5-1"}
    assert not [c for c in p1 if c.startswith("DEIS")]
    assert codes(j.p2) == module_codes("2.4")  # no diploma, no module 1.0

    # attendance: every gathering day recorded, one excused absence for Paula
    excused_day = j.gatherings[3].start_date
    for gathering in j.gatherings:
        others = [j.p1] if gathering.cohort_id == j.transversal.id else [j.p2]
        marks = {(person.id, day): "present" for person in (j.trainee, *others)
                 for day in gathering_days(gathering)}
        if gathering is j.gatherings[3]:
            marks[j.trainee.id, excused_day] = "excused"
        assert record_attendance(j.coordinator, gathering, marks) == len(marks)
    hours = hours_of(j.trainee)
    assert (hours.programme_days, hours.programme_hours, hours.hours_per_day) == (23, 161, 7)
    assert (hours.scheduled_days, hours.present_days, hours.excused_days,
            hours.absent_days) == (13, 12, 1, 0)
    assert hours.followed_hours == 84 and hours.unrecorded == []

    # DEIS eligibility, then the attestation
    cops.record_eligibility(j.coordinator, j.trainee, diploma="DEIS", status="eligible",
                            note="Conditions d'accès vérifiées.")
    with pytest.raises(OperationError, match="Le parcours III ne prépare à aucun bloc"):
        cops.record_eligibility(j.coordinator, j.trainee, diploma="CAFERUIS",
                                status="eligible", note=None)
    attestation = issue_attestation(j.coordinator, j.trainee)
    c = attestation.content
    assert attestation.parcours == "III" and attestation.hours_followed == 84
    assert [m["code"] for m in c["modules"]] == ["1.0", "2.4"]
    assert c["hours"]["followed"] == 84 and c["days"]["excused"] == 1
    assert {d["kind"]: d["outcome"] for d in c["deliverables"]} == dict.fromkeys(
        KINDS, "validated")
    deis, = c["diplomas"]
    assert deis["code"] == "DEIS" and deis["eligibility"] == "eligible"

    response = client.get(f"/passeport/{j.trainee.id}/attestation.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    module_10 = db.session.scalar(select(Module.title).where(Module.code == "1.0"))
    module_24 = db.session.scalar(select(Module.title).where(Module.code == "2.4"))
    for expected in (
            "Attestation de fin de formation", "Paula Trois",
            "parcours III — Module transversal et un module thématique",
            f"1.0 — {module_10[:40]}", f"2.4 — {module_24[:40]}",
            "Durée du parcours 23 jours (161 h)",
            "Journées de regroupement prévues 13 jours (91 h)",
            "Journées suivies 12 jours (84 h)", "Absences excusées 1 jour (7 h)",
            "Absences non excusées 0",
            "Fusion de deux IME", "Tracer sans alourdir", "Mon IME face à la traçabilité",
            "Recueil Étang",
            "2.4-3 Formuler des préconisations réalistes et argumentées",
            "DEIS — DC3 : capitalisable vers le DEIS sous réserve des conditions "
            "d'éligibilité",
            "DEIS-DC3-1 Conduire une démarche d'analyse et de diagnostic partagé",
            "Conditions d'éligibilité au DEIS : remplies",
            "Claire Martin", "Responsable de la formation"):
        assert expected in text, expected
    # each required work, its cohort and the jury's decision with its date
    with app.test_request_context():
        for label, deliverable in (("Étude de cas collective", case),
                                   ("Étude de cas thématique", thematic),
                                   ("Mini-diagnostic stratégique", mini),
                                   ("Recueil de recommandations", collection)):
            decided = format_date(judged[deliverable.kind]["decision"].decided_at, "long")
            row = (f"{label} : « {deliverable.title} » {deliverable.cohort.name} "
                   f"Validé — décision du {decided}")
            assert row in text, row
    assert text.count("Validé — décision du") == 4
    assert "Non validé" not in text and "En attente" not in text
    assert "CAFERUIS" not in text
    # the trainee's passeport shows the attestation and both cohorts
    text = page(client.get("/passeport"))
    assert f"/passeport/{j.trainee.id}/attestation.pdf" in text
    assert j.transversal.name in text and j.thematic.name in text
