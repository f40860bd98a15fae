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
    utcnow,
)
from coelab.api import core_operations as core_ops
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from . import catalogue, reads
from .framework import diplomas_for
from .models import (
    CohortSetup,
    DiplomaEligibility,
    EligibilityStatus,
    Enrolment,
    Funding,
    Gathering,
    Module,
    ParcoursDefinition,
    ProgrammeSession,
    Site,
)
from .results import parcours_of, scope_label

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
    """The cohort's set-up with its module, site and session. A cohort without one is
    asked again by each section of a page (the session's identity map keeps rows, not
    their absence): read once per request, or with the trainees' memberships
    (cohort/reads.py)."""
    return reads.setup_of(cohort)


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
        .order_by(Gathering.start_date).options(joinedload(Gathering.site))))


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


def _clean_text(value: str | None) -> str | None:
    """A free text as stored: trimmed, None when empty, without NUL characters (which
    PostgreSQL refuses in text and no one types)."""
    return (value or "").replace("\x00", "").strip() or None


def _other_scope(scope: ModuleScope) -> ModuleScope:
    return ModuleScope.THEMATIC if scope == ModuleScope.TRANSVERSAL else ModuleScope.TRANSVERSAL


def update_enrolment(actor: User, membership: Membership, *, parcours: Parcours,
                     funding: Funding, notes: str | None,
                     thematic_module: Module | None = None,
                     other_cohort: Cohort | None = None) -> Enrolment:
    """Record a trainee's parcours, funding and personalisation notes.

    A parcours III trainee follows a cohort of each kind of module (docs/domain.md,
    "Parcours result and eligibility"): ``other_cohort`` is their cohort of the other
    kind, which they join with parcours III in the same transaction (through the core's
    ``add_member``), unless they already belong to one. The thematic module of a II or
    III trainee is the module their thematic cohort follows; ``thematic_module``, when
    given, must be that one (it is taken as given only for a cohort set up without a
    module of the catalogue).
    """
    if membership.role != CohortRole.TRAINEE:
        raise OperationError(_("Seul·e un·e stagiaire a une inscription."))
    parcours = Parcours(parcours)
    cohort, person = membership.cohort, membership.user
    if not parcours.follows(cohort.module_scope):
        # the core's messages (_check_parcours, platform/coelab/operations.py)
        raise OperationError(
            _("Une cohorte du module transversal accueille les parcours I et III.")
            if cohort.module_scope == ModuleScope.TRANSVERSAL else
            _("Une cohorte de module thématique accueille les parcours II et III."))
    others = [m for m in person.memberships
              if m.role == CohortRole.TRAINEE and m.id != membership.id]
    other_scope = _other_scope(cohort.module_scope)
    target: Cohort | None = None
    joined: Membership | None = None
    if parcours == Parcours.III:
        existing = [m for m in others if m.cohort.module_scope == other_scope]
        if other_cohort is None:
            if not existing:
                raise OperationError(_(
                    "Le parcours III se suit dans une cohorte du module transversal et dans "
                    "une cohorte d'un module thématique : choisissez aussi la cohorte du "
                    "module %(kind)s de %(name)s.", kind=scope_label(other_scope),
                    name=person.full_name))
            joined = existing[0]
            target = joined.cohort
        else:
            if other_cohort.module_scope != other_scope:
                raise OperationError(_(
                    "La cohorte « %(cohort)s » suit un module %(kind)s, comme celle-ci : "
                    "pour le parcours III, choisissez une cohorte du module %(other)s.",
                    cohort=other_cohort.name, kind=scope_label(other_cohort.module_scope),
                    other=scope_label(other_scope)))
            joined = next((m for m in existing if m.cohort_id == other_cohort.id), None)
            if joined is None and existing:
                raise OperationError(_(
                    "%(name)s est déjà inscrit·e dans la cohorte « %(cohort)s » du module "
                    "%(kind)s. Pour changer de cohorte, retirez d'abord cette personne de "
                    "« %(cohort)s » (page Membres de la cohorte).", name=person.full_name,
                    cohort=existing[0].cohort.name, kind=scope_label(other_scope)))
            if joined is None and any(m.cohort_id == other_cohort.id
                                      for m in person.memberships):
                raise OperationError(_(
                    "%(name)s fait déjà partie de la cohorte « %(cohort)s » avec un autre "
                    "rôle que stagiaire.", name=person.full_name, cohort=other_cohort.name))
            target = other_cohort
    else:
        clash = next((m for m in others if m.parcours != parcours), None)
        if clash is not None:
            raise OperationError(_(
                "%(name)s est aussi inscrit·e dans la cohorte « %(cohort)s » en parcours "
                "%(p)s. Pour passer au parcours %(new)s, retirez d'abord cette personne de "
                "« %(cohort)s » (page Membres de la cohorte).", name=person.full_name,
                cohort=clash.cohort.name, p=clash.parcours.value if clash.parcours else "—",
                new=parcours.value))
    thematic_module = _thematic_module(parcours, cohort, target, thematic_module)
    funding = Funding(funding)
    with transaction():
        core_ops.set_parcours(actor, membership, parcours)
        enrolment = _save_enrolment(actor, membership, parcours, thematic_module, funding,
                                    _clean_text(notes))
        if target is not None:
            if joined is None:
                joined = core_ops.add_member(actor, target, person, CohortRole.TRAINEE,
                                             Parcours.III)
            else:
                core_ops.set_parcours(actor, joined, Parcours.III)
            other = ensure_enrolment(joined)
            _save_enrolment(actor, joined, Parcours.III, thematic_module, funding,
                            other.notes)
    return enrolment


def _thematic_module(parcours: Parcours, cohort: Cohort, target: Cohort | None,
                     given: Module | None) -> Module | None:
    """The thematic module of an enrolment: none for parcours I, else the module the
    trainee's thematic cohort follows."""
    if parcours == Parcours.I:
        return None
    thematic = cohort if cohort.module_scope == ModuleScope.THEMATIC else target
    setup = setup_of(thematic) if thematic is not None else None
    if setup is None:
        if given is not None and given.scope != ModuleScope.THEMATIC:
            raise OperationError(_("Choisissez un module thématique (2.1 à 2.6)."))
        return given
    if given is not None and given.id != setup.module_id:
        if thematic is cohort:
            raise OperationError(_("Dans cette cohorte, le module thématique est le %(code)s.",
                                   code=setup.module.code))
        raise OperationError(_(
            "La cohorte thématique « %(cohort)s » suit le module %(code)s : c'est le module "
            "thématique de cette inscription.", cohort=thematic.name, code=setup.module.code))
    return setup.module


def _save_enrolment(actor: User, membership: Membership, parcours: Parcours,
                    thematic_module: Module | None, funding: Funding,
                    notes: str | None) -> Enrolment:
    enrolment = ensure_enrolment(membership)
    before = {"thematic_module": enrolment.thematic_module.code
              if enrolment.thematic_module else None, "funding": enrolment.funding}
    enrolment.thematic_module = thematic_module
    enrolment.funding = funding
    enrolment.notes = notes
    record("enrolment.updated", membership, actor=actor, cohort_id=membership.cohort_id,
           before=before,
           after={"parcours": parcours,
                  "thematic_module": thematic_module.code if thematic_module else None,
                  "funding": enrolment.funding})
    return enrolment


def parcours_costs() -> dict[str, int]:
    """What an employed trainee pays, by parcours code (euro cents)."""
    return dict(db.session.execute(select(ParcoursDefinition.code,
                                          ParcoursDefinition.remaining_cost_cents)).all())


def remaining_cost_cents(membership: Membership, enrolment: Enrolment | None,
                         costs: dict[str, int] | None = None) -> int | None:
    """What the trainee pays: the parcours' remaining cost if employed, nothing if job
    seeker (docs/domain.md, "Sessions, sites, rhythm and costs"). ``costs``: the
    parcours' costs already read (``parcours_costs``, or those of the trainees'
    parcours, ``cohort/reads.py`` ``costs_of``), for a table of trainees."""
    if membership.parcours is None:
        return None
    if enrolment is not None and enrolment.funding == Funding.JOB_SEEKER:
        return 0
    if costs is None:
        costs = parcours_costs()
    return costs.get(membership.parcours.value)


# --- diploma eligibility ------------------------------------------------------------------

ELIGIBILITY_NOTE_MAX = 2000


def eligibility_of(person: User) -> dict[str, DiplomaEligibility]:
    """What the coordination recorded of the person's eligibility, by diploma code."""
    return {e.diploma: e for e in db.session.scalars(select(DiplomaEligibility).where(
        DiplomaEligibility.user_id == person.id))}


def record_eligibility(actor: User, person: User, *, diploma: str,
                       status: EligibilityStatus | str, note: str | None
                       ) -> DiplomaEligibility:
    """Record whether a trainee meets the access conditions of a diploma their parcours
    is capitalisable toward (cohort/framework.py ``diplomas_for``), with a note."""
    parcours = parcours_of(person)
    found = next((d for d in diplomas_for(parcours) if d.code == diploma), None)
    if found is None:
        if parcours is None:
            raise OperationError(_("Le parcours de %(name)s n'est pas encore renseigné (ou "
                                   "diffère selon ses cohortes) : complétez d'abord son "
                                   "inscription.", name=person.full_name))
        raise OperationError(_("Le parcours %(p)s ne prépare à aucun bloc de ce diplôme.",
                               p=parcours.value))
    try:
        status = EligibilityStatus(status)
    except ValueError:
        raise OperationError(_("Choisissez l'une des réponses proposées.")) from None
    note = _clean_text(note)
    if note is not None and len(note) > ELIGIBILITY_NOTE_MAX:
        raise OperationError(_("La note ne dépasse pas %(n)d caractères.",
                               n=ELIGIBILITY_NOTE_MAX))
    cohort_id = db.session.scalar(select(Membership.cohort_id).join(Membership.cohort).where(
        Membership.user_id == person.id, Membership.role == CohortRole.TRAINEE)
        .order_by(Cohort.start_date, Cohort.id).limit(1))
    try:
        return _save_eligibility(actor, person, found.code, status, note, cohort_id)
    except IntegrityError:
        # another coordinator recorded the first answer at the same moment
        raise OperationError(_("L'éligibilité vient d'être renseignée par quelqu'un "
                               "d'autre : rechargez la page et recommencez.")) from None


def _save_eligibility(actor: User, person: User, diploma: str, status: EligibilityStatus,
                      note: str | None, cohort_id: int | None) -> DiplomaEligibility:
    with transaction():
        row = db.session.scalar(select(DiplomaEligibility).where(
            DiplomaEligibility.user_id == person.id,
            DiplomaEligibility.diploma == diploma).with_for_update())
        before = None
        if row is None:
            row = DiplomaEligibility(user_id=person.id, diploma=diploma)
            db.session.add(row)
        else:
            before = {"diploma": row.diploma, "status": row.status, "note": row.note}
        row.status, row.note = status, note
        row.recorded_by_id = getattr(actor, "id", None)
        row.recorded_at = utcnow()
        db.session.flush()
        record("eligibility.recorded", row, actor=actor, cohort_id=cohort_id, before=before,
               after={"user": person.email, "diploma": diploma, "status": status,
                      "note": note})
    return row
