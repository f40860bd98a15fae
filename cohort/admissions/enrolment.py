"""From admission to training (docs/domain.md, "Admission"): an admitted application,
once its sitting's list is closed, becomes an enrolment in the chosen cohort(s) and opens
the person's passeport compétences with the personalisation recorded at the interview.

Nothing is typed twice: the cohorts are proposed from the candidate's wishes
(:func:`proposed_cohorts`), the parcours and the funding come from the application, the
personalisation from the interview. The enrolment itself goes through the core's
``add_member`` and the cohort plugin's ``update_enrolment`` (cohort/operations.py), which
for parcours III joins the cohort of the other kind in the same transaction.

An application is enrolled once: the enrolment claims it by a conditional UPDATE of
``enrolled_at`` (two clicks at once enrol it once).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coelab.api import (
    Cohort,
    CohortRole,
    Membership,
    ModuleScope,
    OperationError,
    Parcours,
    User,
    app_path,
    can,
    core_operations,
    db,
    local_today,
    notify,
    record,
    transaction,
    utcnow,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..models import CohortSetup, Funding, Module, ProgrammeSession
from ..operations import update_enrolment
from .commission import admitted_rows
from .models import (
    ADMITTING,
    Application,
    Commission,
    Interview,
    PassportOpening,
)
from .steps import impossible

__all__ = ["Slot", "enrol", "enrol_all", "proposals", "proposed_cohorts", "slots_of"]

#: the enrolment's notes (cohort/forms.py EnrolmentForm ``notes``: 2000 characters)
NOTES_MAX = 2000
#: what the passeport keeps of the interview (PassportOpening.personalisation)
INTERVIEW_FIELDS = ("objectives", "personalisation", "immersion", "complementary_training",
                    "vae_proposal", "vae_note", "funding_note")


@dataclass
class Slot:
    """One cohort a parcours needs: of this kind of module, following ``module`` (the
    transversal module, or the thematic module wished), and the cohort proposed."""

    scope: ModuleScope
    module: Module | None
    cohort: Cohort | None = None


def _transversal_module() -> Module | None:
    return db.session.scalar(select(Module).where(Module.scope == ModuleScope.TRANSVERSAL)
                             .order_by(Module.position, Module.code).limit(1))


def slots_of(application: Application, transversal: Module | None) -> list[Slot]:
    """The cohorts the application's parcours needs (I: transversal; II: thematic;
    III: one of each, the transversal first), without their proposal."""
    parcours = application.parcours
    slots = []
    if parcours in (Parcours.I, Parcours.III):
        slots.append(Slot(ModuleScope.TRANSVERSAL, transversal))
    if parcours in (Parcours.II, Parcours.III):
        slots.append(Slot(ModuleScope.THEMATIC, application.thematic_module))
    return slots


def proposals(applications: Sequence[Application]) -> dict[int, list[Slot]]:
    """For each application, the cohorts its parcours needs and the one proposed for
    each, in a fixed number of queries whatever the number of applications.

    A cohort is proposed when its set-up follows the module: first one at the site
    wished in the session wished (its number, in the campaign's year), then one at the
    site wished, then any (one in the session wished first); among equals, one of the
    campaign's year, not yet ended, starting first."""
    transversal = _transversal_module()
    out = {a.id: slots_of(a, transversal) for a in applications}
    module_ids = {s.module.id for slots in out.values() for s in slots if s.module}
    if not module_ids:
        return out
    setups = list(db.session.execute(
        select(CohortSetup, Cohort, ProgrammeSession)
        .join(Cohort, Cohort.id == CohortSetup.cohort_id)
        .outerjoin(ProgrammeSession, ProgrammeSession.id == CohortSetup.session_id)
        .where(CohortSetup.module_id.in_(module_ids))).all())
    today = local_today()
    for application in applications:
        year = application.campaign.year_label
        for slot in out[application.id]:
            if slot.module is None:
                continue
            candidates = [(setup, cohort, session) for setup, cohort, session in setups
                          if setup.module_id == slot.module.id
                          and cohort.module_scope == slot.scope]
            if candidates:
                slot.cohort = min(candidates, key=lambda c: _rank(application, year, today,
                                                                 *c))[1]
    return out


def _rank(application: Application, year: str, today, setup: CohortSetup, cohort: Cohort,
          session: ProgrammeSession | None) -> tuple:
    site_ok = application.site_id is None or setup.site_id == application.site_id
    of_year = session is not None and session.year_label == year
    session_ok = (of_year and session.number == application.session_number
                  if application.session_number is not None else True)
    tier = 0 if site_ok and session_ok else 1 if site_ok else 2
    return (tier, not session_ok, not of_year, cohort.end_date < today, cohort.start_date,
            cohort.id)


def proposed_cohorts(application: Application) -> list[Cohort]:
    """The cohorts proposed for the application (one per cohort its parcours needs, the
    transversal first; those without a cohort to propose are left out)."""
    return [s.cohort for s in proposals([application])[application.id] if s.cohort]


def _missing(slot: Slot) -> str:
    if slot.module is None:
        return _("le module thématique n'est pas renseigné dans la candidature")
    return _("aucune cohorte du module %(code)s n'est créée", code=slot.module.code)


def _cohorts_for(application: Application, cohorts: Iterable[Cohort] | None) -> list[Cohort]:
    """The cohorts to enrol in, in order (transversal first), checked against the
    parcours: the proposal when none are given."""
    parcours = application.parcours
    if parcours is None:
        raise OperationError(_("Le parcours de la candidature n'est pas renseigné."))
    slots = proposals([application])[application.id]
    if cohorts is None:
        missing = [s for s in slots if s.cohort is None]
        if missing:
            raise OperationError(_("Pas de cohorte à proposer : %(why)s. Créez-la ou "
                                   "choisissez-en une.",
                                   why=", ".join(_missing(s) for s in missing)))
        return [s.cohort for s in slots]
    chosen = list(cohorts)
    by_scope = {}
    for cohort in chosen:
        if cohort.module_scope in by_scope:
            break
        by_scope[cohort.module_scope] = cohort
    else:
        if len(chosen) == len(slots) and all(s.scope in by_scope for s in slots):
            return [by_scope[s.scope] for s in slots]
    raise OperationError({
        Parcours.I: _("Le parcours I se suit dans une cohorte du module transversal : "
                      "choisissez-en une."),
        Parcours.II: _("Le parcours II se suit dans une cohorte d'un module thématique : "
                       "choisissez-en une."),
        Parcours.III: _("Le parcours III se suit dans une cohorte du module transversal et "
                        "dans une cohorte d'un module thématique : choisissez-en une de "
                        "chaque."),
    }[parcours])


def _funding(application: Application) -> Funding:
    if application.funding is not None:
        return Funding(application.funding)
    return Funding.JOB_SEEKER if application.job_seeker else Funding.EMPLOYED


def personalisation_of(application: Application) -> dict:
    """What the passeport keeps at its opening: the parcours, the profiles met or the
    derogation, and the interview's record of how the parcours is personalised."""
    interview: Interview | None = application.interview
    data = {"parcours": application.parcours.value if application.parcours else None,
            "profiles": list(application.profiles or []),
            "derogation": list(application.derogation or [])}
    for name in INTERVIEW_FIELDS:
        value = getattr(interview, name, None) if interview is not None else None
        data[name] = list(value or []) if name == "vae_proposal" else value
    return data


def notes_of(data: dict) -> str | None:
    """A short French summary of the personalisation, for the enrolment's notes."""
    parts = []
    for name, label in (("objectives", _("Objectifs")),
                        ("personalisation", _("Personnalisation")),
                        ("immersion", _("Immersion en milieu professionnel")),
                        ("complementary_training", _("Formation complémentaire"))):
        value = " ".join(str(data.get(name) or "").split())
        if value:
            parts.append(f"{label} : {value}")
    if data.get("vae_proposal"):
        parts.append(_("VAE proposée : %(d)s", d=", ".join(data["vae_proposal"])))
    text = " · ".join(parts)
    if len(text) > NOTES_MAX:
        text = text[:NOTES_MAX - 1].rstrip() + "…"
    return text or None


def _refusal(actor: User, application: Application) -> str | None:
    """Why the application cannot be enrolled now (None: it can)."""
    if can(actor, "admission.enrol", application):
        return None
    name = application.candidate.full_name
    if application.enrolled_at is not None:
        return _("%(name)s est déjà inscrit·e en formation.", name=name)
    if application.state not in ADMITTING:
        return impossible(application.state)
    if application.commission is None or application.commission.closed_at is None:
        return _("La liste de la commission n'est pas encore arrêtée : l'inscription se fait "
                 "une fois la liste arrêtée.")
    return _("Seule la coordination inscrit en formation.")


def enrol(actor: User, application: Application,
          cohorts: Iterable[Cohort] | None = None) -> list[Membership]:
    """Enrol an admitted person in their cohort(s) (the proposal when ``cohorts`` is
    None), with their parcours and funding, and open their passeport with the
    interview's personalisation; they are welcomed once it is committed."""
    refusal = _refusal(actor, application)
    if refusal is not None:
        raise OperationError(refusal)
    chosen = _cohorts_for(application, cohorts)
    person: User = application.candidate
    if person.deactivated_at is not None:
        raise OperationError(_("Le compte de %(name)s est désactivé.", name=person.full_name))
    parcours = Parcours(application.parcours)
    funding = _funding(application)
    data = personalisation_of(application)
    first, other = chosen[0], (chosen[1] if len(chosen) > 1 else None)
    with transaction():
        claimed = db.session.execute(
            update(Application).where(Application.id == application.id,
                                      Application.enrolled_at.is_(None),
                                      Application.state.in_(ADMITTING))
            .values(enrolled_at=utcnow()).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            state, enrolled = db.session.execute(select(
                Application.state, Application.enrolled_at).where(
                Application.id == application.id)).one()
            raise OperationError(
                _("%(name)s est déjà inscrit·e en formation.", name=person.full_name)
                if enrolled is not None else impossible(state))
        for cohort in chosen:
            already = db.session.scalar(select(Membership.id).where(
                Membership.cohort_id == cohort.id, Membership.user_id == person.id))
            if already is not None:
                raise OperationError(_(
                    "%(name)s fait déjà partie de la cohorte « %(cohort)s » : vérifiez son "
                    "inscription sur la page de la cohorte, ou choisissez une autre cohorte.",
                    name=person.full_name, cohort=cohort.name))
        try:
            membership = core_operations.add_member(actor, first, person,
                                                    CohortRole.TRAINEE, parcours)
        except OperationError as exc:
            raise OperationError(_("Inscription impossible dans « %(cohort)s » : %(why)s",
                                   cohort=first.name, why=str(exc))) from None
        update_enrolment(actor, membership, parcours=parcours, funding=funding,
                         notes=notes_of(data), other_cohort=other)
        opening = db.session.scalar(select(PassportOpening).where(
            PassportOpening.user_id == person.id))
        if opening is None:
            opening = PassportOpening(user_id=person.id)
            db.session.add(opening)
        # a person admitted again (a later campaign) has their passeport personalised anew
        opening.application_id = application.id
        opening.opened_by_id = actor.id
        opening.personalisation = data
        db.session.flush()
        record("admission.enrolled", application, actor=actor,
               after={"cohorts": [c.id for c in chosen], "parcours": parcours,
                      "funding": funding})
    db.session.refresh(application)
    memberships = list(db.session.scalars(select(Membership).where(
        Membership.user_id == person.id,
        Membership.cohort_id.in_([c.id for c in chosen]))))
    _welcome(person, chosen)
    return memberships


def _welcome(person: User, cohorts: list[Cohort]) -> None:
    with force_locale(person.locale or "fr"):
        names = ", ".join(f"« {c.name} »" for c in cohorts)
        notify([person], _("Bienvenue dans la formation"), _(
            "Bonjour %(name)s,\n\nVous êtes inscrit·e en formation, dans la cohorte %(cohorts)s. "
            "Votre passeport compétences est ouvert, avec la personnalisation de votre "
            "parcours décidée à l'entretien d'admission.\n\nRetrouvez votre cohorte, son "
            "calendrier et votre passeport sur votre tableau de bord.",
            name=person.full_name, cohorts=names), app_path("core.dashboard"))


def enrol_all(actor: User, commission: Commission
              ) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Enrol every person the sitting admitted and not yet enrolled in their proposed
    cohorts, each in a transaction of their own; those who cannot be (no cohort to
    propose, already a member...) are skipped with the reason."""
    if commission.closed_at is None:
        raise OperationError(_("La liste de la commission n'est pas encore arrêtée : "
                               "l'inscription se fait une fois la liste arrêtée."))
    pending = [row.application for row in admitted_rows(commission)
               if row.application.enrolled_at is None]
    found = proposals(pending)
    ids = [(a.id, found[a.id]) for a in pending]
    enrolled: list[Application] = []
    skipped: list[tuple[Application, str]] = []
    for application_id, slots in ids:
        application = db.session.get(Application, application_id)
        missing = [s for s in slots if s.cohort is None]
        if not slots:
            skipped.append((application, _("le parcours n'est pas renseigné")))
            continue
        if missing:
            skipped.append((application, _("pas de cohorte à proposer : %(why)s",
                                           why=", ".join(_missing(s) for s in missing))))
            continue
        cohort_ids = [s.cohort.id for s in slots]
        try:
            enrol(actor, application, [db.session.get(Cohort, i) for i in cohort_ids])
        except OperationError as exc:
            skipped.append((db.session.get(Application, application_id), str(exc)))
            continue
        enrolled.append(application)
    return enrolled, skipped

