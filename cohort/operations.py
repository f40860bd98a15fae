"""Operations of the cohort plugin: the only code that writes its tables."""

from __future__ import annotations

from datetime import date

from coelab.api import (
    Cohort,
    CohortRole,
    Membership,
    ModuleScope,
    OperationError,
    Parcours,
    User,
    db,
    record,
    snapshot,
    transaction,
)
from coelab.api import core_operations as core_ops
from flask_babel import gettext as _
from sqlalchemy import select

from . import catalogue
from .models import (
    CohortSetup,
    Enrolment,
    Funding,
    Gathering,
    Module,
    ParcoursDefinition,
    ProgrammeSession,
    Site,
)

GATHERING_MIN_DAYS = 2
GATHERING_MAX_DAYS = 4


# --- catalogue ------------------------------------------------------------------------


def load_catalogue() -> int:
    """Insert the programme's modules, parcours, sites and sessions that are missing.

    Rows already there are left as a coordinator may have edited them. Returns how
    many rows were added.
    """
    added = 0
    with transaction():
        modules = {m.code for m in db.session.scalars(select(Module))}
        for position, (code, title, scope) in enumerate(catalogue.MODULES):
            if code not in modules:
                db.session.add(Module(code=code, title=title, scope=scope, position=position))
                added += 1
        parcours = {p.code for p in db.session.scalars(select(ParcoursDefinition))}
        for code, title, welcome, days, hours, cost, transv, them in catalogue.PARCOURS:
            if code not in parcours:
                db.session.add(ParcoursDefinition(
                    code=code, title=title, welcome_days=welcome, training_days=days,
                    hours=hours, remaining_cost_cents=cost, includes_transversal=transv,
                    includes_thematic=them))
                added += 1
        sites = {s.name for s in db.session.scalars(select(Site))}
        for name, is_main in catalogue.SITES:
            if name not in sites:
                db.session.add(Site(name=name, is_main=is_main))
                added += 1
        sessions = {(s.scope, s.year_label, s.number)
                    for s in db.session.scalars(select(ProgrammeSession))}
        for scope, year, number, start, end, end_label in catalogue.SESSIONS:
            if (scope, year, number) not in sessions:
                db.session.add(ProgrammeSession(scope=scope, year_label=year, number=number,
                                                start_date=start, end_date=end,
                                                end_label=end_label))
                added += 1
    return added


def update_module(actor: User, module: Module, *, title: str) -> None:
    if not title.strip():
        raise OperationError(_("L'intitulé est obligatoire."))
    with transaction():
        before = snapshot(module, "code", "title")
        module.title = title.strip()
        record("module.updated", module, actor=actor, before=before,
               after=snapshot(module, "code", "title"))


PARCOURS_FIELDS = ("title", "welcome_days", "training_days", "hours", "remaining_cost_cents")


def update_parcours(actor: User, parcours: ParcoursDefinition, *, title: str, welcome_days: int,
                    training_days: int, hours: int, remaining_cost_cents: int) -> None:
    if min(welcome_days, training_days, hours, remaining_cost_cents) < 0:
        raise OperationError(_("Les durées et le coût ne peuvent pas être négatifs."))
    if not title.strip():
        raise OperationError(_("L'intitulé est obligatoire."))
    with transaction():
        before = snapshot(parcours, *PARCOURS_FIELDS)
        parcours.title = title.strip()
        parcours.welcome_days = welcome_days
        parcours.training_days = training_days
        parcours.hours = hours
        parcours.remaining_cost_cents = remaining_cost_cents
        record("parcours.updated", parcours, actor=actor, before=before,
               after=snapshot(parcours, *PARCOURS_FIELDS))


def save_site(actor: User, site: Site | None, *, name: str, is_main: bool) -> Site:
    name = name.strip()
    if not name:
        raise OperationError(_("Le nom du site est obligatoire."))
    with transaction():
        clash = db.session.scalar(select(Site).where(Site.name == name))
        if clash is not None and clash is not site:
            raise OperationError(_("Ce site existe déjà."))
        before = snapshot(site, "name", "is_main") if site else None
        if site is None:
            site = Site(name=name, is_main=is_main)
            db.session.add(site)
        site.name, site.is_main = name, is_main
        if is_main:
            for other in db.session.scalars(select(Site).where(Site.is_main.is_(True))):
                if other is not site:
                    other.is_main = False
        db.session.flush()
        record("site.saved", site, actor=actor, before=before,
               after=snapshot(site, "name", "is_main"))
    return site


SESSION_FIELDS = ("scope", "year_label", "number", "start_date", "end_date", "end_label")


def save_session(actor: User, session: ProgrammeSession | None, *, scope: ModuleScope,
                 year_label: str, number: int, start_date: date, end_date: date,
                 end_label: str | None) -> ProgrammeSession:
    if end_date < start_date:
        raise OperationError(_("La date de fin précède la date de début."))
    if number < 1:
        raise OperationError(_("Le numéro de session commence à 1."))
    if not year_label.strip():
        raise OperationError(_("L'année de formation est obligatoire."))
    with transaction():
        clash = db.session.scalar(select(ProgrammeSession).where(
            ProgrammeSession.scope == scope, ProgrammeSession.year_label == year_label.strip(),
            ProgrammeSession.number == number))
        if clash is not None and clash is not session:
            raise OperationError(_("Cette session existe déjà pour cette année."))
        before = snapshot(session, *SESSION_FIELDS) if session else None
        if session is None:
            session = ProgrammeSession()
            db.session.add(session)
        session.scope = ModuleScope(scope)
        session.year_label = year_label.strip()
        session.number = number
        session.start_date, session.end_date = start_date, end_date
        session.end_label = (end_label or "").strip() or None
        db.session.flush()
        record("session.saved", session, actor=actor, before=before,
               after=snapshot(session, *SESSION_FIELDS))
    return session


# --- cohorts ----------------------------------------------------------------------------


def _check_setup(module: Module, session: ProgrammeSession | None) -> None:
    if session is not None and session.scope != module.scope:
        raise OperationError(_("La session choisie ne correspond pas au type du module."))


def create_cohort(actor: User, *, name: str, module: Module, session: ProgrammeSession | None,
                  site: Site, start_date: date, end_date: date) -> Cohort:
    """A cohort of the core, set up to follow a module at a site."""
    _check_setup(module, session)
    with transaction():
        cohort = core_ops.create_cohort(actor, name=name, module_scope=module.scope,
                                        start_date=start_date, end_date=end_date)
        setup = CohortSetup(cohort=cohort, module=module, session=session, site=site)
        db.session.add(setup)
        db.session.flush()
        record("cohort.setup", cohort, actor=actor, cohort_id=cohort.id,
               after={"module": module.code, "site": site.name,
                      "session": session.id if session else None})
    return cohort


def update_cohort(actor: User, setup: CohortSetup, *, name: str, module: Module,
                  session: ProgrammeSession | None, site: Site, start_date: date,
                  end_date: date) -> None:
    cohort = setup.cohort
    if module.scope != cohort.module_scope:
        raise OperationError(_(
            "Le module d'une cohorte ne peut changer que pour un module du même type "
            "(transversal ou thématique) : les parcours des stagiaires en dépendent."))
    _check_setup(module, session)
    with transaction():
        core_ops.update_cohort(actor, cohort, name=name, start_date=start_date,
                               end_date=end_date)
        before = {"module": setup.module.code, "site": setup.site.name,
                  "session": setup.session_id}
        setup.module, setup.session, setup.site = module, session, site
        record("cohort.setup", cohort, actor=actor, cohort_id=cohort.id, before=before,
               after={"module": module.code, "site": site.name,
                      "session": session.id if session else None})


def setup_of(cohort: Cohort) -> CohortSetup | None:
    return db.session.get(CohortSetup, cohort.id)


def add_gathering(actor: User, cohort: Cohort, *, start_date: date, end_date: date,
                  site: Site | None, notes: str | None) -> Gathering:
    days = (end_date - start_date).days + 1
    if days < 1:
        raise OperationError(_("La date de fin précède la date de début."))
    if not GATHERING_MIN_DAYS <= days <= GATHERING_MAX_DAYS:
        raise OperationError(_("Un regroupement dure de %(a)d à %(b)d jours (ici : %(n)d).",
                               a=GATHERING_MIN_DAYS, b=GATHERING_MAX_DAYS, n=days))
    if start_date < cohort.start_date or end_date > cohort.end_date:
        raise OperationError(_("Le regroupement doit se tenir entre le début et la fin de la "
                               "cohorte."))
    with transaction():
        for other in db.session.scalars(select(Gathering).where(
                Gathering.cohort_id == cohort.id)):
            if other.start_date <= end_date and start_date <= other.end_date:
                raise OperationError(_("Ces dates chevauchent un autre regroupement."))
        gathering = Gathering(cohort_id=cohort.id, start_date=start_date, end_date=end_date,
                              site=site, notes=(notes or "").strip() or None)
        db.session.add(gathering)
        db.session.flush()
        record("gathering.added", gathering, actor=actor, cohort_id=cohort.id,
               after=snapshot(gathering, "start_date", "end_date", "notes"))
    return gathering


def delete_gathering(actor: User, gathering: Gathering) -> None:
    with transaction():
        record("gathering.deleted", gathering, actor=actor, cohort_id=gathering.cohort_id,
               before=snapshot(gathering, "start_date", "end_date", "notes"))
        db.session.delete(gathering)


def gatherings_of(cohort: Cohort) -> list[Gathering]:
    return list(db.session.scalars(
        select(Gathering).where(Gathering.cohort_id == cohort.id)
        .order_by(Gathering.start_date)))


# --- enrolments -----------------------------------------------------------------------


def ensure_enrolment(membership: Membership) -> Enrolment:
    """The enrolment of a trainee's membership, created with defaults when missing."""
    enrolment = db.session.get(Enrolment, membership.id)
    if enrolment is None:
        thematic = None
        setup = setup_of(membership.cohort)
        if setup is not None and setup.module.scope == ModuleScope.THEMATIC:
            thematic = setup.module
        enrolment = Enrolment(membership=membership, funding=Funding.EMPLOYED,
                              thematic_module=thematic)
        db.session.add(enrolment)
        db.session.flush()
    return enrolment


def update_enrolment(actor: User, membership: Membership, *, parcours: Parcours,
                     thematic_module: Module | None, funding: Funding,
                     notes: str | None) -> Enrolment:
    if membership.role != CohortRole.TRAINEE:
        raise OperationError(_("Seul·e un·e stagiaire a une inscription."))
    parcours = Parcours(parcours)
    if parcours == Parcours.I:
        thematic_module = None
    elif thematic_module is None:
        raise OperationError(_("Les parcours II et III comprennent un module thématique : "
                               "choisissez-le."))
    elif thematic_module.scope != ModuleScope.THEMATIC:
        raise OperationError(_("Choisissez un module thématique (2.1 à 2.6)."))
    setup = setup_of(membership.cohort)
    if (thematic_module is not None and setup is not None
            and setup.module.scope == ModuleScope.THEMATIC and thematic_module != setup.module):
        raise OperationError(_("Dans cette cohorte, le module thématique est le %(code)s.",
                               code=setup.module.code))
    with transaction():
        core_ops.set_parcours(actor, membership, parcours)
        enrolment = ensure_enrolment(membership)
        before = {"thematic_module": enrolment.thematic_module.code
                  if enrolment.thematic_module else None, "funding": enrolment.funding}
        enrolment.thematic_module = thematic_module
        enrolment.funding = Funding(funding)
        enrolment.notes = (notes or "").strip() or None
        record("enrolment.updated", membership, actor=actor, cohort_id=membership.cohort_id,
               before=before,
               after={"parcours": parcours,
                      "thematic_module": thematic_module.code if thematic_module else None,
                      "funding": enrolment.funding})
    return enrolment


def remaining_cost_cents(membership: Membership, enrolment: Enrolment | None) -> int | None:
    """What the trainee pays: the parcours' remaining cost if employed, nothing if job
    seeker (docs/domain.md, "Sessions, sites, rhythm and costs")."""
    if membership.parcours is None:
        return None
    if enrolment is not None and enrolment.funding == Funding.JOB_SEEKER:
        return 0
    definition = db.session.scalar(select(ParcoursDefinition).where(
        ParcoursDefinition.code == membership.parcours.value))
    return definition.remaining_cost_cents if definition else None
