"""A fictional programme year, for trying Coélab. Every person and organisation is invented."""

from __future__ import annotations

from datetime import date

from coelab.api import (
    CohortRole,
    Parcours,
    User,
    create_document,
    db,
    registry,
    set_schedule,
    signals,
    transaction,
)
from coelab.api import core_operations as core_ops
from sqlalchemy import select

from . import operations as ops
from .admissions.demo import create_admissions
from .admissions.demo import demo_accounts as admission_accounts
from .demo_history import NOT_VALIDATED, PAST_TRAINEES, complete_past_year, create_past_year
from .framework import load_framework
from .models import Funding, Module, Site

DEMO_PASSWORD = "coelab-demo-2026"  # noqa: S105 - printed on purpose for local use
DOMAIN = "demo.coelab.invalid"

COORDINATOR = ("coordination", "Hélène", "Marchetti", "Collège coopératif (fictif)")
ADMIN = ("admin", "Samir", "Benali", "Collège coopératif (fictif)")
TRAINERS = [
    ("formatrice", "Claire", "Vidal", "Collège coopératif (fictif)"),
    ("formateur", "Marc", "Olivieri", "Collège coopératif (fictif)"),
]
# practising professionals who sit on a jury (accounts limited to their panels)
EXTERNAL_JURORS = [
    ("rachid.amrani", "Rachid", "Amrani", "ITEP Les Pins (fictif)", "Directeur adjoint"),
    ("nathalie.roche", "Nathalie", "Roche", "Association Horizons Partagés (fictive)",
     "Cheffe de service éducatif"),
]
# login, first name, last name, organisation, parcours, funding
TRAINEES = [
    ("stagiaire", "Amandine", "Roux", "Association Les Calanques Solidaires", "I", "employed"),
    ("louis.ferrand", "Louis", "Ferrand", "EHPAD Les Oliviers Bleus", "I", "employed"),
    ("nadia.cherif", "Nadia", "Chérif", "Centre social Le Pont-Levis", "I", "job_seeker"),
    ("paul.garnier", "Paul", "Garnier", "Foyer Horizon Étang", "I", "employed"),
    ("sophie.lambert", "Sophie", "Lambert", "IME La Garrigue", "III", "employed"),
    ("yann.morel", "Yann", "Morel", "SAVS Cap Provence", "III", "employed"),
    ("ines.bouvier", "Inès", "Bouvier", "Maison de quartier Les Salins", "III", "job_seeker"),
    ("karim.haddad", "Karim", "Haddad", "ESAT Les Ateliers du Golfe", "II", "employed"),
    ("julie.perrin", "Julie", "Perrin", "MECS L'Escale", "II", "employed"),
    ("thomas.blanc", "Thomas", "Blanc", "Régie de quartier Ferrières", "II", "employed"),
    ("emma.giraud", "Emma", "Giraud", "CHRS La Traverse", "II", "job_seeker"),
    ("lucas.mercier", "Lucas", "Mercier", "Centre socioculturel La Source", "II", "employed"),
]


# monthly gatherings of 2 to 4 days
GATHERINGS_TRANSVERSAL = [
    (date(2026, 11, 16), date(2026, 11, 18)),
    (date(2026, 12, 14), date(2026, 12, 17)),
    (date(2027, 1, 18), date(2027, 1, 20)),
    (date(2027, 2, 16), date(2027, 2, 19)),
]
GATHERINGS_THEMATIC = [
    (date(2026, 11, 2), date(2026, 11, 4)),
    (date(2026, 12, 7), date(2026, 12, 8)),
    (date(2027, 1, 26), date(2027, 1, 29)),
]


def email(login: str) -> str:
    return f"{login}@{DOMAIN}"


def demo_accounts() -> list[tuple[str, str]]:
    """(role, e-mail) of the accounts to show on start-up."""
    return [
        ("coordination", email(COORDINATOR[0])),
        ("administration", email(ADMIN[0])),
        *[("formateur·rice", email(t[0])) for t in TRAINERS],
        *[("professionnel·le en exercice (jury)", email(j[0])) for j in EXTERNAL_JURORS],
        *[(f"stagiaire, parcours {t[4]}", email(t[0])) for t in TRAINEES],
        *[(role, email(login)) for role, login in admission_accounts()],
        *[(f"stagiaire 2025-2026, parcours {t[4]}"
           + (" (non validé)" if t[0] == NOT_VALIDATED else " (validé)"), email(t[0]))
          for t in PAST_TRAINEES],
    ]


def _person(actor, login, first, last, org, **roles) -> User:
    return core_ops.create_user(actor, email=email(login), first_name=first, last_name=last,
                                organisation=org, password=DEMO_PASSWORD, **roles)


def load_demo() -> bool:
    """Create the demo year unless it is there already; True when it was created."""
    if db.session.scalar(select(User).where(User.email == email(COORDINATOR[0]))):
        return False
    ops.load_catalogue()
    load_framework()
    with transaction():
        coordinator = _person(None, *COORDINATOR, is_coordinator=True)
        _person(coordinator, *ADMIN, is_admin=True, is_coordinator=True)
        trainers = [_person(coordinator, *t) for t in TRAINERS]
        for *juror, job_title in EXTERNAL_JURORS:
            # a practising professional: what they do today makes them count on a jury
            pro = _person(coordinator, *juror)
            core_ops.update_profile(pro, pro, first_name=pro.first_name,
                                    last_name=pro.last_name, organisation=pro.organisation,
                                    locale=None, job_title=job_title)
        trainees = {t[0]: _person(coordinator, *t[:4]) for t in TRAINEES}

        martigues = db.session.scalar(select(Site).where(Site.name == "Martigues"))
        transversal = db.session.scalar(select(Module).where(Module.code == "1.0"))
        thematic = db.session.scalar(select(Module).where(Module.code == "2.4"))
        year = "2026-2027"
        s_transv = ops.save_session(coordinator, None, scope=transversal.scope, year_label=year,
                                    number=1, start_date=date(2026, 11, 16),
                                    end_date=date(2027, 2, 19), end_label=None)
        s_them = ops.save_session(coordinator, None, scope=thematic.scope, year_label=year,
                                  number=1, start_date=date(2026, 11, 2),
                                  end_date=date(2027, 1, 29), end_label=None)
        c1 = ops.create_cohort(coordinator, name="Module transversal — Martigues 2026-2027",
                               module=transversal, session=s_transv, site=martigues,
                               start_date=s_transv.start_date, end_date=s_transv.end_date)
        c2 = ops.create_cohort(coordinator, name="Module 2.4 Information et traçabilité — "
                               "Martigues 2026-2027", module=thematic, session=s_them,
                               site=martigues, start_date=s_them.start_date,
                               end_date=s_them.end_date)
        for cohort in (c1, c2):
            for trainer in trainers:
                core_ops.add_member(coordinator, cohort, trainer, CohortRole.TRAINER)
        members = {}
        for login, *_rest, parcours, funding in TRAINEES:
            p = Parcours(parcours)
            # a parcours III trainee joins both cohorts before their enrolment is recorded
            # (update_enrolment, cohort/operations.py, wants their other cohort)
            joined = [core_ops.add_member(coordinator, cohort, trainees[login],
                                          CohortRole.TRAINEE, p)
                      for cohort in (c1, c2) if p.follows(cohort.module_scope)]
            for m in joined:
                ops.update_enrolment(coordinator, m, parcours=p,
                                     thematic_module=None if p == Parcours.I else thematic,
                                     funding=Funding(funding), notes=None)
                members.setdefault(m.cohort_id, []).append(trainees[login])
        t1 = core_ops.create_team(coordinator, c1, "Équipe Calanques")
        t2 = core_ops.create_team(coordinator, c1, "Équipe Sainte-Victoire")
        core_ops.set_team_members(coordinator, t1, members[c1.id][:4])
        core_ops.set_team_members(coordinator, t2, members[c1.id][4:])
        t3 = core_ops.create_team(coordinator, c2, "Équipe Étang de Berre")
        t4 = core_ops.create_team(coordinator, c2, "Équipe Côte Bleue")
        core_ops.set_team_members(coordinator, t3, members[c2.id][:4])
        core_ops.set_team_members(coordinator, t4, members[c2.id][4:])
        for cohort, dates in ((c1, GATHERINGS_TRANSVERSAL), (c2, GATHERINGS_THEMATIC)):
            for start, end in dates:
                ops.add_gathering(coordinator, cohort, start_date=start, end_date=end,
                                  site=None, notes=None)
        # due dates: a few weeks before each cohort's last gathering
        for cohort, due in ((c1, date(2027, 2, 5)), (c2, date(2027, 1, 22))):
            for kind in registry().kinds_for(cohort):
                set_schedule(coordinator, cohort, kind, due_date=due, change_due_date=True,
                             reason="Calendrier de la session")
        # a working document shared by the whole transversal cohort
        create_document(coordinator, c1, title="Notes du regroupement de novembre",
                        template="# Notes du regroupement\n\n")
        # last year's promotion, whose work the jury has decided
        past = create_past_year(coordinator, trainers, _person)
        # the deliverables themselves come from the packages that declare them
        signals.send(signals.demo_loaded, actor=coordinator)
        complete_past_year(coordinator, past)
        # this year's recruitment campaign, with applications in every state
        create_admissions(coordinator, trainers, _person)
    return True


