"""Fictional case studies and mini-diagnostics for the demo year (``coelab demo``)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from coelab.api import (
    AuthorshipMode,
    Cohort,
    CohortRole,
    Deliverable,
    PanelRole,
    Team,
    User,
    authors_of,
    current_markdown,
    db,
    find_deliverable,
    local_today,
    obligations_of,
    registry,
    schedule_for,
    start_deliverable,
    workflow,
    write_text,
)
from coelab.api import jury_operations as jops
from sqlalchemy import select

from . import demo_texts

# invented partner organisations: none of them exists
PARTNERS = [
    ("Association Horizons Partagés (fictive)", "medico_social", "directrice adjointe"),
    ("Centre social Les Quatre Vents (fictif)", "socio_cultural", "coordinateur"),
    ("Foyer d'hébergement Le Phare (fictif)", "social", "chef de service éducatif"),
    ("SESSAD Les Cigales (fictif)", "medico_social", "directeur"),
]

TITLES = {
    "collective_case_study": "Conduire le changement dans une association en fusion",
    "thematic_case_study": "Partager l'information sans perdre la confidentialité",
}

# the demo trainee who has not started their mini-diagnostic yet, to show that state
NOT_STARTED = "lucas.mercier@demo.coelab.invalid"

# the practising professionals of the demo panel and what they do today (invented): a
# panel counts an external member as a practising professional with their current role
# and organisation (docs/domain.md, "Review, soutenance and jury")
JUROR_ROLES = {
    "rachid.amrani": "Directeur adjoint",
    "nathalie.roche": "Cheffe de service éducatif",
}


def _with_section(text: str, heading: str, body: str) -> str:
    """``text`` with the section under ``## heading`` made ``body`` (added at the end
    when the text has no such section)."""
    marker = f"## {heading}\n"
    at = text.find(marker)
    if at < 0:
        return f"{text.rstrip()}\n\n{marker}\n{body}\n"
    start = at + len(marker)
    following = text.find("\n## ", start)
    end = len(text) if following < 0 else following + 1
    return f"{text[:start]}\n{body}\n\n{text[end:]}"


def write_demo_text(work: Deliverable) -> None:
    """Write the work as its authors would have: the template's prompts replaced by
    their sections (casestudies/demo_texts.py), one section per author in turn, so that
    the text reads as a real one and its page shows who wrote what."""
    sections = demo_texts.TEXTS.get(work.kind)
    authors = authors_of(work)
    if not sections or not authors:
        return
    details = work.details or {}
    fill = {"partner": details.get("partner_name") or "L'association partenaire",
            "organisation": details.get("organisation_name") or work.title}
    text = current_markdown(work.document)
    first, _, rest = text.partition("\n")
    if first.startswith("# "):
        text = f"{demo_texts.TITLES[work.kind].format(**fill)}\n{rest}"
        write_text(authors[0], work.document, text)
    for turn, (heading, body) in enumerate(sections.items(), start=1):
        text = _with_section(text, heading, body.format(**fill))
        write_text(authors[turn % len(authors)], work.document, text)


def load_demo(actor: User) -> None:
    """Start the case studies of every team and the mini-diagnostics of the trainees;
    the works of cohorts already over (last year's, which the jury judged) are written."""
    mine = {k.name for k in registry().kinds.values() if k.plugin == "casestudies"}
    partner = 0
    for cohort in db.session.scalars(select(Cohort).order_by(Cohort.id)):
        for membership in sorted(cohort.memberships, key=lambda m: m.id):
            if membership.role != CohortRole.TRAINEE:
                continue
            for o in obligations_of(membership):
                if o.kind.name not in mine or o.deliverable is not None or o.blocked:
                    continue
                if o.kind.name == "mini_diagnostic":
                    if membership.user.email == NOT_STARTED:
                        continue
                    user = membership.user
                    work = start_deliverable(
                        actor, cohort, o.kind, owner=user,
                        title=f"{user.organisation} face à la traçabilité de l'activité",
                        details={"organisation_name": user.organisation,
                                 "organisation_sector": "medico_social",
                                 "organisation_size": "10_49",
                                 "issue": "Organiser la traçabilité de l'accompagnement "
                                          "sans alourdir le travail des équipes."})
                    if cohort.end_date < local_today():
                        write_demo_text(work)
                    continue
                name, sector, role = PARTNERS[partner % len(PARTNERS)]
                partner += 1
                mode = schedule_for(cohort, o.kind).authorship
                if find_deliverable(cohort, o.kind, mode, team=o.team, owner=None):
                    continue
                work = start_deliverable(
                    actor, cohort, o.kind, team=o.team if mode == AuthorshipMode.TEAM else None,
                    title=f"{TITLES[o.kind.name]} — {o.team.name}",
                    details={"partner_name": name, "partner_sector": sector,
                             "partner_contact_role": role})
                if cohort.end_date < local_today():
                    write_demo_text(work)


def load_review_and_jury(actor: User) -> None:
    """One case study along the whole way to its soutenance, to show the review and the
    jury: Côte Bleue's thematic case study was handed in, reviewed by Claire Vidal and
    is ready for its panel, composed as the programme asks (Marc Olivieri, a trainer of
    the programme, presiding; Rachid Amrani and Nathalie Roche, practising professionals
    invited with their current role); its soutenance is scheduled. Marc Olivieri and
    Nathalie Roche have declared their impartiality, Rachid Amrani not yet. The other
    teams' work stays in draft."""
    case = db.session.scalar(select(Deliverable).join(Team).where(
        Deliverable.kind == "thematic_case_study", Team.name == "Équipe Côte Bleue"))
    if case is None or case.state.value != "draft":
        return
    trainer = db.session.scalar(select(User).where(User.email.startswith("formatrice@")))
    president = db.session.scalar(select(User).where(User.email.startswith("formateur@")))
    jurors = [db.session.scalar(select(User).where(User.email.startswith(f"{login}@")))
              for login in JUROR_ROLES]
    if not (trainer and president and all(jurors)):
        return
    write_demo_text(case)
    authors = authors_of(case)
    workflow.submit(authors[0], case, confirmed_authors=[u.id for u in authors],
                    statement_accepted=True)
    workflow.start_review(trainer, case)
    workflow.ready_for_jury(trainer, case, "Analyse solide ; préparez la soutenance.")
    panel = jops.create_panel(actor, case.cohort, "Jury du 28 janvier 2027")
    jops.assign(actor, panel, case)
    chair = jops.add_member(actor, panel, president, PanelRole.PRESIDENT)
    # invited as the coordination invites a practising professional: their accounts
    # exist, the invitation records their current role
    members = [jops.invite_external(actor, panel, email=juror.email,
                                    first_name=juror.first_name, last_name=juror.last_name,
                                    organisation=juror.organisation or "",
                                    job_title=JUROR_ROLES[juror.email.partition("@")[0]])
               for juror in jurors]
    jops.declare(chair, impartial=True)
    jops.declare(members[1], impartial=True)
    paris = ZoneInfo("Europe/Paris")
    jops.schedule(actor, case, starts_at=datetime(2027, 1, 28, 10, 0, tzinfo=paris)
                  .astimezone(UTC), duration_minutes=45,
                  place="Martigues, salle des Calanques")
