"""Last year of the demo (2025-2026): a promotion whose work went all the way through
the jury, so that a newcomer sees what the end of a parcours looks like.

Four fictional trainees followed a transversal cohort and a thematic cohort (module 2.4):

- Céline Martin, parcours I: her team's collective case study validated, attestation
  issued, CAFERUIS eligibility checked;
- Olivier Dumas, parcours II: thematic case study, mini-diagnostic and collection
  validated, attestation issued;
- Aurélie Fabre, parcours III: the four works validated, attestation issued, DEIS
  eligibility still to check;
- Bruno Lefèvre, parcours II: his mini-diagnostic was not validated, and the jury
  allowed a new submission.

Everything goes through the real operations (submission, review, panel, soutenance or
written examination, scores, decision, minutes, release, attendance, attestation), as a
coordination would; only the dates are then moved back to last year, since the
operations rightly refuse to schedule a soutenance in the past.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coelab.api import (
    Cohort,
    CohortRole,
    Deliverable,
    JuryDecision,
    PanelRole,
    Parcours,
    Soutenance,
    User,
    authors_of,
    db,
    jury_operations,
    kind_of,
    registry,
    rubric_criteria,
    save_assessment,
    set_schedule,
    utcnow,
    workflow,
)
from coelab.api import core_operations as core_ops
from sqlalchemy import select, update

from . import operations as ops
from .attendance import gathering_days, record_attendance
from .attestation import issue_attestation
from .models import EligibilityStatus, Funding, Module, PassportEntry, Site

YEAR = "2025-2026"
TRANSVERSAL = "Module transversal — Martigues 2025-2026"
# the name the recommendations package's demo knows last year's thematic cohort by
THEMATIC = "Module 2.4 — Martigues 2025-2026"

# login, first name, last name, organisation, parcours, funding
PAST_TRAINEES = [
    ("celine.martin", "Céline", "Martin", "Association L'Olivier Solidaire (fictive)", "I",
     "employed"),
    ("aurelie.fabre", "Aurélie", "Fabre", "MAS Les Alpilles (fictive)", "III", "employed"),
    ("olivier.dumas", "Olivier", "Dumas", "CCAS de Port-de-Bouc (fictif)", "II",
     "job_seeker"),
    ("bruno.lefevre", "Bruno", "Lefèvre", "Foyer de vie Le Mistral (fictif)", "II",
     "employed"),
]
NOT_VALIDATED = "bruno.lefevre"

GATHERINGS = {
    TRANSVERSAL: [(date(2025, 11, 17), date(2025, 11, 19)),
                  (date(2025, 12, 15), date(2025, 12, 18)),
                  (date(2026, 1, 19), date(2026, 1, 21)),
                  (date(2026, 2, 16), date(2026, 2, 19))],
    THEMATIC: [(date(2025, 11, 3), date(2025, 11, 5)),
               (date(2025, 12, 8), date(2025, 12, 9)),
               (date(2026, 1, 26), date(2026, 1, 29))],
}
# the soutenances and examinations, at the end of each cohort
JURY_DAY = {TRANSVERSAL: date(2026, 2, 19), THEMATIC: date(2026, 1, 29)}
# one day Aurélie was excused (a training of her own service)
EXCUSED = ("aurelie.fabre", date(2025, 12, 16))
ELIGIBILITY = {
    "celine.martin": ("CAFERUIS", EligibilityStatus.ELIGIBLE,
                      "Diplôme de niveau 5 et trois ans d'encadrement : pièces vues en "
                      "janvier 2026."),
    "aurelie.fabre": ("DEIS", EligibilityStatus.TO_CHECK,
                      "Attestation de l'employeur demandée."),
}

PARIS = ZoneInfo("Europe/Paris")


def create_past_year(coordinator: User, trainers: list[User], person) -> list[Cohort]:
    """Last year's people, cohorts, enrolments, teams and gatherings (``person``
    creates a demo account). The deliverables come with the packages' demo, as this
    year's do; :func:`complete_past_year` then takes them through the jury."""
    martigues = db.session.scalar(select(Site).where(Site.name == "Martigues"))
    modules = {m.code: m for m in db.session.scalars(select(Module))}
    transversal, thematic = modules["1.0"], modules["2.4"]
    s_transv = ops.save_session(coordinator, None, scope=transversal.scope, year_label=YEAR,
                                number=1, start_date=date(2025, 11, 17),
                                end_date=date(2026, 2, 20), end_label=None)
    s_them = ops.save_session(coordinator, None, scope=thematic.scope, year_label=YEAR,
                              number=1, start_date=date(2025, 11, 3),
                              end_date=date(2026, 1, 30), end_label=None)
    c1 = ops.create_cohort(coordinator, name=TRANSVERSAL, module=transversal,
                           session=s_transv, site=martigues,
                           start_date=s_transv.start_date, end_date=s_transv.end_date)
    c2 = ops.create_cohort(coordinator, name=THEMATIC, module=thematic, session=s_them,
                           site=martigues, start_date=s_them.start_date,
                           end_date=s_them.end_date)
    for cohort in (c1, c2):
        for trainer in trainers:
            core_ops.add_member(coordinator, cohort, trainer, CohortRole.TRAINER)
    members: dict[int, list[User]] = {}
    for login, first, last, org, parcours, funding in PAST_TRAINEES:
        user = person(coordinator, login, first, last, org)
        p = Parcours(parcours)
        joined = [core_ops.add_member(coordinator, cohort, user, CohortRole.TRAINEE, p)
                  for cohort in (c1, c2) if p.follows(cohort.module_scope)]
        for m in joined:
            ops.update_enrolment(coordinator, m, parcours=p, funding=Funding(funding),
                                 notes=None)
            members.setdefault(m.cohort_id, []).append(user)
    for cohort, name in ((c1, "Équipe Camargue"), (c2, "Équipe Sainte-Baume")):
        team = core_ops.create_team(coordinator, cohort, name)
        core_ops.set_team_members(coordinator, team, members[cohort.id])
        for start, end in GATHERINGS[cohort.name]:
            ops.add_gathering(coordinator, cohort, start_date=start, end_date=end,
                              site=None, notes=None)
        for kind in registry().kinds_for(cohort):
            set_schedule(coordinator, cohort, kind, due_date=JURY_DAY[cohort.name]
                         - timedelta(days=21), change_due_date=True,
                         reason="Calendrier de la session")
    return [c1, c2]


def complete_past_year(coordinator: User, cohorts: list[Cohort]) -> None:
    """Take every deliverable of last year's cohorts through review and jury to its
    released result, record attendance and eligibility, and issue the attestations of
    the trainees whose parcours is validated."""
    reviewer = _user("formatrice")
    president = _user("formateur")
    professionals = [_user("nathalie.roche"), _user("rachid.amrani")]
    for cohort in cohorts:
        works = list(db.session.scalars(select(Deliverable).where(
            Deliverable.cohort_id == cohort.id).order_by(Deliverable.id)))
        if not works:
            continue
        panel = jury_operations.create_panel(
            coordinator, cohort, f"Jury du {JURY_DAY[cohort.name]:%d/%m/%Y}")
        for work in works:
            _to_the_jury(work, reviewer)
            jury_operations.assign(coordinator, panel, work)
        members = [jury_operations.add_member(coordinator, panel, president,
                                              PanelRole.PRESIDENT)]
        members += [jury_operations.add_member(coordinator, panel, pro, PanelRole.MEMBER,
                                               external=True) for pro in professionals]
        for member in members:
            jury_operations.declare(member, impartial=True)
        for work in works:
            _judge(coordinator, work, [m.user for m in members], JURY_DAY[cohort.name])
        _attendance(coordinator, cohort)
    for login, (diploma, status, note) in ELIGIBILITY.items():
        ops.record_eligibility(coordinator, _user(login), diploma=diploma, status=status,
                               note=note)
    for login, *_rest in PAST_TRAINEES:
        if login != NOT_VALIDATED:
            attestation = issue_attestation(coordinator, _user(login))
            attestation.issued_at = _at(date(2026, 7, 3), 11)
    db.session.flush()


def _user(login: str) -> User:
    return db.session.scalar(select(User).where(User.email.startswith(f"{login}@")))


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), PARIS).astimezone(UTC)


def _to_the_jury(work: Deliverable, reviewer: User) -> None:
    # a collection's entries were proposed and adopted by the recommendations
    # package's demo (recommendations/demo.py), before it is handed in here
    authors = authors_of(work)
    workflow.submit(authors[0], work, confirmed_authors=[u.id for u in authors],
                    statement_accepted=True)
    workflow.start_review(reviewer, work)
    workflow.ready_for_jury(reviewer, work, "Travail prêt à être présenté au jury.")


def _judge(coordinator: User, work: Deliverable, jurors: list[User], day: date) -> None:
    """Soutenance (or written examination), each juror's score, the decision, the
    minutes signed by every member, the result released; then the dates moved back to
    ``day``."""
    kind = kind_of(work)
    president = jurors[0]
    if kind.soutenance:
        jury_operations.schedule(coordinator, work, starts_at=utcnow() + timedelta(days=2),
                                 duration_minutes=45, place="Martigues, salle des Calanques")
        db.session.execute(update(Soutenance).where(Soutenance.deliverable_id == work.id)
                           .values(starts_at=_at(day, 10)))
        jury_operations.open_deliberation(president, work)
    else:
        jury_operations.open_examination(president, work)
    failed = (kind.name == "mini_diagnostic"
              and work.owner is not None and work.owner.email.startswith(NOT_VALIDATED))
    criteria = rubric_criteria(work.cohort, kind)
    for i, juror in enumerate(jurors):
        levels = {c["key"]: (1 if failed else 2 + (i + n) % 2) for n, c in enumerate(criteria)}
        save_assessment(juror, work, levels=levels, comments={},
                        overall_comment="Appréciation portée à la délibération.", submit=True)
    agreed = {c["key"]: (1 if failed else 2) for c in criteria}
    if failed:
        decision = jury_operations.decide(
            president, work, validated=False, resubmission_allowed=True, agreed_levels=agreed,
            reasons="Le diagnostic interne reste descriptif et les préconisations ne "
                    "découlent pas de l'analyse. Une nouvelle remise est possible : "
                    "appuyez le diagnostic sur des données de votre organisation.")
    else:
        decision = jury_operations.decide(
            president, work, validated=True, agreed_levels=agreed,
            reasons="Travail solide, analyse argumentée et préconisations réalistes, "
                    "présenté avec clarté.")
    for juror in jurors:
        jury_operations.sign(juror, decision)
    jury_operations.release(coordinator, work)
    # last year's dates: decided on the day, released the week after
    released = _at(day + timedelta(days=7), 9)
    db.session.execute(update(JuryDecision).where(JuryDecision.id == decision.id)
                       .values(decided_at=_at(day, 17), released_at=released))
    db.session.execute(update(PassportEntry).where(PassportEntry.deliverable_id == work.id)
                       .values(validated_at=released))


def _attendance(coordinator: User, cohort: Cohort) -> None:
    trainees = [m.user for m in cohort.memberships if m.role == CohortRole.TRAINEE]
    excused_user = _user(EXCUSED[0])
    for gathering in ops.gatherings_of(cohort):
        marks = {}
        for user in trainees:
            for day in gathering_days(gathering):
                marks[(user.id, day)] = ("excused" if (user.id, day) == (
                    excused_user.id, EXCUSED[1]) else "present")
        record_attendance(coordinator, gathering, marks)
