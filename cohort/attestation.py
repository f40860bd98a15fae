"""The attestation de fin de formation (docs/domain.md, "The attestation de fin de
formation").

Once a trainee's parcours is validated (cohort/results.py, ``parcours_result``), the
coordination issues their attestation, once per parcours. What it states is computed
when it is issued and kept in ``Attestation.content`` (cohort/models.py): the PDF
always says what was issued, whatever the records become.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from coelab.api import (
    PROGRAMME_TITLE,
    Cohort,
    OperationError,
    User,
    app_path,
    db,
    is_staff,
    notify,
    record,
    transaction,
    utcnow,
)
from flask import current_app
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .attendance import Hours, hours_of, parcours_definition
from .framework import diploma_of_competency, diplomas_for
from .models import Attestation, DiplomaEligibility, EligibilityStatus, Gathering
from .operations import setup_of
from .passport import entries_of
from .results import ParcoursResult, parcours_result

#: the content's layout, should it ever change
CONTENT_VERSION = 1


# --- who may issue it (cohort/plugin.py gives this to the policy) ------------------------


def _may_issue(user, person: User) -> bool:
    return is_staff(user)


POLICY_RULES = {"attestation.issue": _may_issue}


# --- reading -----------------------------------------------------------------------------


def attestation_of(user: User) -> Attestation | None:
    """The trainee's attestation (the latest, should their parcours have changed)."""
    return db.session.scalar(select(Attestation).where(Attestation.user_id == user.id)
                             .order_by(Attestation.issued_at.desc(), Attestation.id.desc())
                             .limit(1))


def signatory_for(actor: User) -> tuple[str, str]:
    """Who signs: the programme lead of the ``PROGRAMME_LEAD`` setting ("Name,
    function", platform/coelab/config.py), else the issuing coordinator."""
    lead = (current_app.config.get("PROGRAMME_LEAD") or "").strip()
    if lead:
        name, _sep, function = lead.partition(",")
        return name.strip(), function.strip() or _("Responsable de la formation")
    return actor.full_name, _("Coordination pédagogique")


def _day(value: date | datetime) -> str:
    return format_date(value, "long")


def refusal(person: User, result: ParcoursResult, hours: Hours, *,
            none_issued: bool = False) -> str | None:
    """Why the attestation cannot be issued now (None: it can). ``none_issued``: the
    caller has just read that the person has no attestation at all."""
    name = person.full_name
    issued = db.session.scalar(select(Attestation).where(
        Attestation.user_id == person.id, Attestation.parcours == result.parcours)) \
        if result.parcours is not None and not none_issued else None
    if issued is not None:
        return _("L'attestation de fin de formation de %(name)s a déjà été délivrée le "
                 "%(date)s.", name=name, date=_day(issued.issued_at))
    if result.parcours is None:
        return _("%(name)s n'a pas de parcours enregistré : complétez son inscription "
                 "avant de délivrer l'attestation.", name=name)
    if result.status == "not_validated":
        message = _("Le parcours de %(name)s n'est pas validé : un travail requis n'a pas "
                    "été validé par le jury.", name=name)
        if result.resubmission_possible:
            message += " " + _("Une nouvelle soumission reste possible.")
        return message
    if result.status != "validated":
        return " ".join([_("Le parcours de %(name)s n'est pas encore validé : "
                           "l'attestation se délivre quand chaque travail requis a été "
                           "validé par le jury et le résultat communiqué.", name=name),
                         *result.problems])
    missing = hours.unrecorded
    if missing:
        shown = ", ".join(f"{_day(d.day)} ({d.cohort.name})" for d in missing[:5])
        if len(missing) > 5:
            shown += ", …"
        return ngettext(
            "La présence de %(name)s n'est pas notée pour %(num)d journée de regroupement "
            "passée : %(days)s. Complétez la feuille de présence avant de délivrer "
            "l'attestation.",
            "La présence de %(name)s n'est pas notée pour %(num)d journées de "
            "regroupement passées : %(days)s. Complétez les feuilles de présence avant de "
            "délivrer l'attestation.",
            len(missing), name=name, days=shown)
    return None


def readiness(person: User, result: ParcoursResult | None = None) -> dict[str, Any]:
    """What the passeport shows about the attestation (templates/cohort/_attestation.html):
    the attestation if issued, else the hours so far and why it cannot be issued yet
    (``result``: the person's parcours result, when the page has it already)."""
    attestation = attestation_of(person)
    if attestation is not None:
        return {"attestation": attestation, "hours": None, "refusal": None}
    result = result if result is not None else parcours_result(person)
    hours = hours_of(person, result.parcours, result.memberships)
    return {"attestation": None, "hours": hours, "result": result,
            "refusal": refusal(person, result, hours, none_issued=True)}


# --- what it states ------------------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _cohorts(result: ParcoursResult) -> list[Cohort]:
    return sorted({m.cohort for m in result.memberships},
                  key=lambda c: (c.start_date, c.id))


def _cohort_part(cohort: Cohort) -> dict[str, Any]:
    setup = setup_of(cohort)
    sites: list[str] = [setup.site.name] if setup is not None else []
    for gathering in db.session.scalars(select(Gathering).where(
            Gathering.cohort_id == cohort.id).order_by(Gathering.start_date)):
        if gathering.site is not None and gathering.site.name not in sites:
            sites.append(gathering.site.name)
    return {
        "name": cohort.name,
        "module": ({"code": setup.module.code, "title": setup.module.title}
                   if setup is not None else None),
        "start": _iso(cohort.start_date),
        "end": _iso(cohort.end_date),
        "sites": sites,
    }


def _deliverables(result: ParcoursResult) -> list[dict[str, Any]]:
    items = []
    for item in result.items:
        decision = item.decision
        items.append({
            "kind": item.kind.name,
            "kind_label": str(item.kind.label),
            "title": item.deliverable.title if item.deliverable is not None else None,
            "cohort": item.cohort.name,
            "outcome": item.outcome,
            "decided_at": _iso(decision.decided_at) if decision is not None else None,
            "released_at": _iso(decision.released_at) if decision is not None else None,
        })
    return items


def _competencies(person: User, result: ParcoursResult) -> tuple[list, list]:
    """The module competencies of the passeport, and the diploma blocks capitalisable
    (those of the diplomas the parcours counts toward, cohort/framework.py)."""
    modules: list[dict[str, Any]] = []
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for entry in entries_of(person):
        diploma = diploma_of_competency(entry.competency_code)
        item = {"code": entry.competency_code, "title": entry.competency_title,
                "block": entry.block_title}
        if diploma is None:
            if all(c["code"] != item["code"] for c in modules):
                modules.append(item)
            continue
        block = next(b for b in diploma.blocks if entry.competency_code.startswith(f"{b}-"))
        blocks = found.setdefault(diploma.code, {})
        part = blocks.setdefault(block, {"code": block, "title": entry.block_title or block,
                                         "competencies": []})
        if all(c["code"] != item["code"] for c in part["competencies"]):
            part["competencies"].append(item)
    eligibility = {e.diploma: e.status for e in db.session.scalars(
        select(DiplomaEligibility).where(DiplomaEligibility.user_id == person.id))}
    diplomas = []
    for diploma in diplomas_for(result.parcours):
        blocks = found.get(diploma.code)
        if not blocks:
            continue
        diplomas.append({
            "code": diploma.code,
            "label": diploma.label,
            "blocks": [blocks[b] for b in diploma.blocks if b in blocks],
            "eligibility": eligibility.get(diploma.code, EligibilityStatus.TO_CHECK).value,
        })
    return modules, diplomas


def attestation_content(person: User, result: ParcoursResult, hours: Hours, *,
                        issued_by: User, signatory: tuple[str, str],
                        issued_at: datetime) -> dict[str, Any]:
    """Everything the attestation states, as JSON."""
    definition = parcours_definition(result.parcours)
    cohorts = [_cohort_part(c) for c in _cohorts(result)]
    sites: list[str] = []
    for part in cohorts:
        sites += [s for s in part["sites"] if s not in sites]
    modules, diplomas = _competencies(person, result)
    return {
        "version": CONTENT_VERSION,
        "programme": PROGRAMME_TITLE,
        "trainee": {"id": person.id, "name": person.full_name,
                    "organisation": person.organisation or None},
        "parcours": {"code": result.parcours.value,
                     "title": definition.title if definition else None},
        "modules": [c["module"] for c in cohorts if c["module"] is not None],
        "cohorts": cohorts,
        "start": min((c["start"] for c in cohorts), default=None),
        "end": max((c["end"] for c in cohorts), default=None),
        "sites": sites,
        "days": {"programme": hours.programme_days, "scheduled": hours.scheduled_days,
                 "present": hours.present_days, "absent": hours.absent_days,
                 "excused": hours.excused_days},
        "hours": {"per_day": round(hours.hours_per_day, 2),
                  "programme": hours.programme_hours, "scheduled": hours.scheduled_hours,
                  "followed": hours.followed_hours, "absent": hours.absent_hours,
                  "excused": hours.excused_hours},
        "deliverables": _deliverables(result),
        "competencies": modules,
        "diplomas": diplomas,
        "signatory": {"name": signatory[0], "function": signatory[1]},
        "issued_by": issued_by.full_name,
        "issued_at": _iso(issued_at),
    }


# --- issuing -----------------------------------------------------------------------------


def issue_attestation(actor: User, person: User) -> Attestation:
    """Issue ``person``'s attestation de fin de formation: refused unless their parcours
    is validated and every past day of their cohorts' gatherings has their attendance
    recorded, and once only per parcours. Records ``attestation.issued`` and tells the
    trainee."""
    if not is_staff(actor):
        raise OperationError(_("Seule la coordination délivre l'attestation de fin de "
                               "formation."))
    result = parcours_result(person)
    hours = hours_of(person, result.parcours)
    reason = refusal(person, result, hours)
    if reason is not None:
        raise OperationError(reason)
    signatory = signatory_for(actor)
    issued_at = utcnow()
    content = attestation_content(person, result, hours, issued_by=actor,
                                  signatory=signatory, issued_at=issued_at)
    cohorts = _cohorts(result)
    try:
        with transaction():
            attestation = Attestation(
                user_id=person.id, parcours=result.parcours, issued_at=issued_at,
                issued_by_id=actor.id, signatory=", ".join(signatory)[:300],
                hours_followed=hours.followed_hours, content=content)
            db.session.add(attestation)
            db.session.flush()
            record("attestation.issued", attestation, actor=actor,
                   cohort_id=cohorts[0].id if cohorts else None,
                   after={"user": person.email, "parcours": result.parcours,
                          "hours_followed": hours.followed_hours,
                          "signatory": attestation.signatory})
    except IntegrityError:
        # issued by someone else at the same moment
        raise OperationError(_("L'attestation de fin de formation de %(name)s vient "
                               "d'être délivrée.", name=person.full_name)) from None
    notify([person], _("Votre attestation de fin de formation est délivrée"),
           _("La coordination vous a délivré l'attestation de fin de formation du parcours "
             "%(parcours)s. Vous la trouverez dans votre passeport compétences.",
             parcours=result.parcours.value),
           app_path("cohort.passport"))
    return attestation
