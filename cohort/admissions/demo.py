"""The demo's recruitment campaign: a commission, partner organisations and candidates in
every state of the procedure, taken there through the real operations (every person and
organisation is invented).

A newcomer can carry each step on: log in as a candidate and finish a draft, as the
coordination check a dossier, schedule and write up an interview, put it before the
open sitting, as its chair decide (one application needs a derogation), close the list
and enrol the admitted people (cohort/demo.py lists the accounts).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from coelab.api import User, db, local_today, transaction
from sqlalchemy import select, update

from ..models import Module, Site
from . import campaigns, candidacy, commission, interviews, partners, pipeline
from .models import ApplicationState, CommissionRole, Interview

A = ApplicationState
YEAR = "2026-2027"
ORGANISATION = "Collège coopératif (fictif)"

# login, first name, last name, organisation, job title
DIRECTOR = ("direction", "Françoise", "Aubert", ORGANISATION, "Directrice")
# partner organisation, its representative (login, first name, last name, job title)
PARTNERS = [
    ("Union régionale des associations sanitaires et sociales (fictive)",
     ("martine.blanchard", "Martine", "Blanchard", "Chargée de mission formation")),
    ("Fédération des centres sociaux des Bouches-du-Rhône (fictive)",
     ("olivier.nguyen", "Olivier", "Nguyen", "Délégué fédéral")),
]

MOTIVATION = (
    "Madame, Monsieur,\n\nJ'encadre une équipe depuis plusieurs années et je mesure chaque "
    "jour combien le pilotage d'une organisation sociale demande de comprendre son "
    "environnement, ses financeurs et les personnes qu'elle accompagne. Je souhaite suivre "
    "cette formation pour prendre du recul sur ma pratique, travailler avec des pairs "
    "d'autres structures et apprendre en coopérant, sur des situations réelles.\n\n"
    "Je vous prie d'agréer mes salutations distinguées."
)

# login, first, last, employer, parcours, thematic module, funding, facts, target state
# facts: (in sector, management months, diploma level, job seeker, mobility, volunteering)
CANDIDATES = [
    ("lucas.petit", "Lucas", "Petit", "Centre social Les Tilleuls", "I", None, "employed",
     (True, 30, 6, False, False, 0), A.DRAFT),
    ("chloe.martinez", "Chloé", "Martinez", "SAAD Présence Provence", "I", None, "employed",
     (True, 74, 5, False, False, 0), A.SUBMITTED),
    ("hugo.moreau", "Hugo", "Moreau", "MECS Les Embruns", "II", "2.4", "employed",
     (True, 36, 6, False, False, 0), A.COMPLETE),
    ("ines.fontaine", "Inès", "Fontaine", "EHPAD Le Grand Large", "III", "2.4", "employed",
     (True, 80, 7, False, False, 0), A.INTERVIEW_SCHEDULED),
    ("thomas.rey", "Thomas", "Rey", "Demandeur d'emploi", "I", None, "job_seeker",
     (True, 48, 6, True, False, 0), A.INTERVIEWED),
    # four years of management and a level 5 diploma: a derogation on the qualification
    ("karim.belkacem", "Karim", "Belkacem", "Foyer d'hébergement L'Olivier", "I", None,
     "employed", (True, 48, 5, False, False, 0), A.BEFORE_COMMISSION),
    ("julia.bertin", "Julia", "Bertin", "IME Les Cigales", "III", "2.4", "other",
     (True, 30, 6, False, False, 0), A.BEFORE_COMMISSION),
    ("manon.lefort", "Manon", "Lefort", "Association Entraide Martigues", "I", None,
     "employed", (True, 66, 6, False, False, 0), A.ADMITTED),
    ("yasmine.aubry", "Yasmine", "Aubry", "Maison de quartier Canto Perdrix", "II", "2.4",
     "job_seeker", (True, 20, 6, True, False, 0), A.ADMITTED_DEROGATION),
    ("pierre.garcia", "Pierre", "Garcia", "ESAT Le Mistral", "II", "2.4", "employed",
     (True, 40, 6, False, False, 0), A.WAITING_LIST),
    ("denis.marchand", "Denis", "Marchand", "Club de prévention Nord", "I", None, "employed",
     (True, 10, 4, False, False, 0), A.REFUSED),
    ("laura.pons", "Laura", "Pons", "CHRS Le Phare", "II", "2.4", "employed",
     (True, 62, 6, False, False, 0), A.WITHDRAWN),
]

REASONS = {
    A.ADMITTED_DEROGATION: "Projet professionnel solide de reprise d'une direction de "
                           "maison de quartier ; la commission accorde la dérogation sur "
                           "les années d'expérience.",
    A.REFUSED: "Expérience d'encadrement encore trop courte pour tirer profit de la "
               "formation ; la commission conseille de candidater dans deux ans.",
    A.WAITING_LIST: None,
    A.ADMITTED: None,
}

AFTER_INTERVIEW = (A.INTERVIEWED, A.BEFORE_COMMISSION, A.ADMITTED, A.ADMITTED_DEROGATION,
                   A.WAITING_LIST, A.REFUSED)
BEFORE_CLOSED = (A.ADMITTED, A.ADMITTED_DEROGATION, A.WAITING_LIST, A.REFUSED)


def demo_accounts() -> list[tuple[str, str]]:
    """(role, login) of the accounts the demo prints on start-up."""
    labels = {
        A.DRAFT: "brouillon", A.SUBMITTED: "dossier déposé", A.COMPLETE: "dossier complet",
        A.INTERVIEW_SCHEDULED: "entretien programmé", A.INTERVIEWED: "entretien réalisé",
        A.BEFORE_COMMISSION: "devant la commission", A.ADMITTED: "admis·e, à inscrire",
        A.ADMITTED_DEROGATION: "admis·e par dérogation, à inscrire",
        A.WAITING_LIST: "liste d'attente", A.REFUSED: "refusé·e", A.WITHDRAWN: "retirée",
    }
    return [("direction (commission d'admission)", DIRECTOR[0]),
            *[("partenaire (commission d'admission)", rep[0]) for _org, rep in PARTNERS],
            *[(f"candidature : {labels[c[-1]]}"
               + (" (dérogation)" if c[0] == "karim.belkacem" else ""), c[0])
              for c in CANDIDATES]]


def _cv(name: str) -> bytes:
    """A one-page PDF CV, small and valid, for the dossier's attachment."""
    text = f"BT /F1 18 Tf 72 760 Td (Curriculum vitae - {name}) Tj ET\n" \
           "BT /F1 11 Tf 72 730 Td (Document fictif de la demonstration Coelab.) Tj ET\n"
    stream = text.encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _dossier(row, modules: dict[str, Module], site: Site) -> dict:
    _login, first, last, employer, parcours, theme, funding, facts, _state = row
    in_sector, months, level, job_seeker, mobility, volunteering = facts
    return {
        "situation": f"{'Demandeur·se d' + chr(39) + 'emploi' if job_seeker else 'En poste'}"
                     f" ; dernière structure : {employer}.",
        "employer": employer,
        "job_title": "Cheffe de service" if first.endswith("a") else "Chef de service",
        "career": "Éducateur·rice spécialisé·e pendant huit ans, puis coordination d'équipe "
                  "et encadrement d'un service.",
        "education": "Diplôme d'État d'éducateur spécialisé ; formations continues en "
                     "management d'équipe et en conduite de projet.",
        "highest_diploma": {4: "Baccalauréat professionnel", 5: "BTS Économie sociale "
                            "familiale", 6: "Diplôme d'État d'éducateur spécialisé",
                            7: "Master Direction des établissements sociaux"}[level],
        "diploma_level": level,
        "motivation": MOTIVATION,
        "parcours": parcours,
        "thematic_module_id": modules[theme].id if theme else None,
        "site_id": site.id,
        "session_number": 1,
        "funding": funding,
        "in_sector": in_sector,
        "management_months": months,
        "job_seeker": job_seeker,
        "mobility": mobility,
        "volunteering_months": volunteering,
    }


def _interview_record(application) -> dict:
    record = {
        "prerequisites": "Expérience d'encadrement et diplôme vérifiés ensemble ; les "
                         "attestations d'employeur sont au dossier.",
        "objectives": "Consolider la fonction d'encadrement et préparer une prise de "
                      "poste de direction adjointe.",
        "personalisation": "Études de cas menées sur sa propre structure ; tutorat renforcé "
                           "sur l'écrit professionnel.",
        "complementary_training": "Atelier d'écriture professionnelle proposé avant "
                                  "l'entrée en formation.",
        "funding_note": "Plan de développement des compétences de l'employeur sollicité.",
        "opinion": "favourable",
        "opinion_text": "Projet clair, motivation affirmée : avis favorable.",
    }
    if interviews.needs_immersion(application):
        record["immersion"] = ("Immersion de trois semaines dans un centre social partenaire "
                               "entre deux regroupements.")
    if interviews.needs_vae(application):
        record["vae_proposal"] = ["CAFERUIS"]
        record["vae_note"] = "Accompagnement VAE CAFERUIS proposé ; réponse attendue."
    return record


def create_admissions(coordinator: User, trainers: list[User],
                      person: Callable[..., User]) -> None:
    """The campaign of this year, open today, with its people and applications
    (``person`` creates a demo account: login, first name, last name, organisation)."""
    today = local_today()
    campaign = campaigns.create_campaign(
        coordinator, title="Recrutement 2026-2027", year_label=YEAR,
        opens_on=min(date(2026, 9, 1), today - timedelta(days=30)),
        closes_on=max(date(2027, 5, 31), today + timedelta(days=60)),
        notes="Réunions d'information chaque premier mardi du mois à 18 h, à Martigues "
              "(sur inscription auprès de la coordination).")
    director = person(coordinator, *DIRECTOR[:4])
    director.job_title = DIRECTOR[4]
    reps = []
    for name, (login, first, last, job_title) in PARTNERS:
        partner = partners.create_partner(coordinator, name=name,
                                          contact=f"{first} {last}, {job_title}")
        rep = person(coordinator, login, first, last, name)
        rep.job_title = job_title
        reps.append((partner, rep))
    db.session.commit()

    modules = {m.code: m for m in db.session.scalars(select(Module))}
    site = db.session.scalar(select(Site).where(Site.name == "Martigues"))
    interviewer = trainers[0]
    # at round hours: 9 h and 14 h in Paris, in winter
    morning = datetime.combine(today, time(8, 0), UTC)
    afternoon = datetime.combine(today, time(13, 0), UTC)

    def sitting(sits_at: datetime):
        seat = commission.create_commission(coordinator, campaign=campaign, sits_at=sits_at,
                                            place="Martigues, salle du conseil",
                                            chair=coordinator)
        commission.add_member(coordinator, seat, user=director, role=CommissionRole.DIRECTOR)
        for partner, rep in reps:
            commission.add_member(coordinator, seat, user=rep, role=CommissionRole.PARTNER,
                                  partner=partner)
        return seat

    # a past sitting whose list is closed, and the next one, still open
    closed = sitting(afternoon + timedelta(days=1))
    upcoming = sitting(afternoon + timedelta(days=12))
    applications = {}
    for row in CANDIDATES:
        login, first, last, employer, *_rest, target = row
        candidate = person(coordinator, login, first, last, employer)
        application = candidacy.open_application(candidate, campaign)
        values = _dossier(row, modules, site)
        if target == A.DRAFT:
            values = {k: values[k] for k in ("situation", "employer", "job_title",
                                             "parcours", "site_id", "funding")}
        candidacy.save_dossier(candidate, application, **values)
        if application.derogation and target != A.DRAFT:
            candidacy.save_dossier(candidate, application, derogation_project=(
                "Je prépare la reprise de la direction du foyer au départ en retraite de "
                "son directeur ; le conseil d'administration soutient ce projet."))
        if target == A.DRAFT:
            continue
        candidacy.add_attachment(candidate, application, "cv", io.BytesIO(_cv(
            f"{first} {last}")), f"CV {first} {last}.pdf")
        candidacy.submit(candidate, application)
        applications[login] = application
        if target == A.WITHDRAWN:
            candidacy.withdraw(candidate, application, reason="Changement de poste.")
            continue
        if target == A.SUBMITTED:
            continue
        pipeline.mark_complete(coordinator, application)
        if target == A.COMPLETE:
            continue
        interviews.schedule(coordinator, application, interviewer=interviewer,
                            starts_at=morning + timedelta(days=5),
                            duration_minutes=60,
                            video_url="https://visio.example.org/entretien-admission")
        if target == A.INTERVIEW_SCHEDULED:
            continue
        interviews.record(interviewer, application, **_interview_record(application))
        # the interview took place a few weeks ago
        with transaction():
            db.session.execute(update(Interview).where(
                Interview.application_id == application.id).values(
                starts_at=morning - timedelta(days=21)))
        if target == A.INTERVIEWED:
            continue
        commission.place(coordinator, application,
                         closed if target in BEFORE_CLOSED else upcoming)
        if target in BEFORE_CLOSED:
            commission.decide(coordinator, application, target, reason=REASONS[target])
    commission.close(coordinator, closed)
    # the closed sitting met last week
    with transaction():
        db.session.execute(update(type(closed)).where(type(closed).id == closed.id).values(
            sits_at=afternoon - timedelta(days=7),
            closed_at=afternoon - timedelta(days=7, hours=-2)))
    # the admitted people's enrolment is left to the newcomer (the commission's page)
