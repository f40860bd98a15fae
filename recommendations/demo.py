"""Demo data of the recommendations plugin: a shared corpus from a past year, and a few
entries in a demo collection. People, organisations and places are fictional."""

from __future__ import annotations

from datetime import date

from coelab.api import (
    Cohort,
    CohortRole,
    Deliverable,
    ModuleScope,
    OperationError,
    Team,
    User,
    authors_of,
    db,
    find_deliverable,
    kind_of,
    schedule_for,
    set_schedule,
    start_deliverable,
    workflow,
)
from coelab.api import core_operations as core_ops
from sqlalchemy import select

from . import operations as ops
from .models import CorpusEntry, EntryStatus
from .operations import KIND

PAST_COHORT = "Module 2.4 — Martigues 2025-2026"


def _entry_text(title: str, theme: str, constat: str, reco: str, conditions: str,
                indicateurs: str, sources: str) -> str:
    return (f"## {title}\n\n*Thématique : {theme}*\n\n### Constat\n\n{constat}\n\n"
            f"### Recommandation\n\n{reco}\n\n### Conditions de mise en œuvre\n\n{conditions}"
            f"\n\n### Indicateurs de suivi\n\n{indicateurs}\n\n### Sources et terrains\n\n"
            f"{sources}\n")


PAST_ENTRIES = [
    ("Tracer les transmissions entre équipes de jour et de nuit", "2.4",
     "Au foyer d'hébergement fictif « Les Oliviers », les informations données à l'oral "
     "lors des relèves se perdent : une évaluation interne montre que trois incidents sur "
     "dix n'étaient connus que d'une seule équipe.",
     "Instaurer un cahier de transmissions numérique unique, renseigné à chaque relève, "
     "avec des rubriques fixes (santé, comportement, famille, logistique).",
     "Former chaque professionnel en une demi-journée ; prévoir dix minutes de "
     "chevauchement entre les équipes ; désigner un référent par service.",
     "Part des relèves tracées (cible : 95 %) ; nombre d'incidents découverts "
     "tardivement ; satisfaction des équipes à six mois.",
     "Foyer « Les Oliviers » (fictif), service d'accueil de jour « La Calade » (fictif)."),
    ("Associer les personnes accompagnées à l'évaluation du projet d'établissement", "2.1",
     "Les conseils de la vie sociale se réunissent peu et les personnes accompagnées "
     "découvrent les orientations une fois décidées.",
     "Organiser chaque année des ateliers d'évaluation participative, animés en binôme par "
     "un professionnel et une personne accompagnée.",
     "Supports en facile à lire et à comprendre ; indemnisation du temps des "
     "participants ; restitution écrite à tous.",
     "Nombre de participants ; part des propositions reprises dans le plan d'action.",
     "Association fictive « Horizon Durance », trois établissements."),
    ("Réduire l'empreinte énergétique des bâtiments par un plan partagé", "2.6",
     "Les dépenses d'énergie ont doublé en deux ans sans que les équipes en aient "
     "connaissance.",
     "Publier un tableau de bord trimestriel des consommations et confier à un groupe de "
     "salariés volontaires la proposition de mesures d'économie.",
     "Relevés automatisés des compteurs ; budget annuel dédié aux petits travaux ; "
     "information du conseil d'administration.",
     "Consommation en kWh par m² ; nombre de mesures proposées et mises en œuvre.",
     "Maison d'enfants à caractère social fictive « Le Mistral »."),
]


def load_demo_corpus(actor: User | None) -> list[CorpusEntry]:
    """A past cohort (2025-2026) whose collection was validated: its adopted entries in
    the corpus. Running it again adds nothing."""
    existing = db.session.scalar(select(Cohort).where(Cohort.name == PAST_COHORT))
    if existing is not None:
        return []
    cohort = core_ops.create_cohort(actor, name=PAST_COHORT, module_scope=ModuleScope.THEMATIC,
                                    start_date=date(2025, 10, 6), end_date=date(2026, 6, 26))
    set_schedule(actor, cohort, kind_of(KIND), authorship="cohort")
    themes = {t.code for t in ops.themes_by_code().values()}
    collection = start_deliverable(
        actor, cohort, KIND, title="Recueil de bonnes pratiques 2025-2026",
        details={"themes": sorted({code for _t, code, *_r in PAST_ENTRIES} & themes)})
    labels = ops.themes_by_code()
    for title, theme, *sections in PAST_ENTRIES:
        if theme not in labels:  # the programme's themes were not loaded
            continue
        entry = ops.propose_entry(
            actor, collection, title=title, theme=theme,
            text_=_entry_text(title, f"{theme} — {labels[theme].label}", *sections))
        ops.adopt(actor, entry)
    return ops.publish_collection(actor, collection)


SEED_ENTRIES = [
    ("Partager les informations utiles à l'accompagnement dans un dossier unique",
     "Un dossier unique, accessible selon les droits de chacun, remplace les classeurs "
     "propres à chaque service."),
    ("Rendre compte chaque mois de l'activité aux équipes",
     "Une synthèse mensuelle de l'activité, présentée en réunion d'équipe, donne du sens "
     "aux données que chacun saisit."),
    ("Former les nouveaux salariés à la traçabilité dès leur arrivée",
     "Un parcours d'intégration inclut une demi-journée consacrée aux écrits professionnels "
     "et à la traçabilité."),
]


def seed_entries(actor: User, collection: Deliverable) -> list:
    """Two or three proposed entries in a demo collection, with an endorsement or two
    from its authors (when it has trainees as authors)."""
    if not ops.is_collection(collection) or ops.entries_of(collection):
        return []
    allowed = ops.allowed_themes(collection)
    if not allowed:
        return []
    module = allowed[0]
    authors = _authors(collection)
    entries = []
    for i, (title, idea) in enumerate(SEED_ENTRIES):
        proposer = authors[i % len(authors)] if authors else actor
        text_ = _entry_text(title, f"{module.code} — {module.label}", idea, "À rédiger.",
                            "À rédiger.", "À rédiger.", "À rédiger.")
        entry = ops.propose_entry(proposer, collection, title=title, theme=module.code,
                                  text_=text_)
        entries.append(entry)
    for i, entry in enumerate(entries[:2]):
        for user in authors[i + 1:i + 2 + i]:
            try:
                ops.endorse(user, entry)
            except OperationError:
                pass
    if entries and authors and entries[0].status == EntryStatus.PROPOSED:
        ops.post_message(authors[0], entries[0],
                         "Je propose que l'on s'appuie sur l'exemple du service d'accueil "
                         "de jour : qu'en pensez-vous ?")
    return entries


def _authors(collection: Deliverable) -> list[User]:
    if collection.owner is not None:
        return [collection.owner]
    if collection.team is not None:
        return collection.team.users
    return collection.cohort.members(CohortRole.TRAINEE)


def past_collection(actor: User, cohort: Cohort) -> Deliverable | None:
    """Last year's thematic cohort (the cohort package's demo creates it, with its
    trainees): the collection they wrote together, its entries proposed by them and
    adopted, ready to be handed in to the jury (which the cohort package's demo does;
    its release puts the entries in the corpus)."""
    kind = kind_of(KIND)
    if find_deliverable(cohort, kind, "cohort", team=None, owner=None) is not None:
        return None
    set_schedule(actor, cohort, kind, authorship="cohort")
    labels = ops.themes_by_code()
    themes = sorted({code for _t, code, *_r in PAST_ENTRIES} & set(labels))
    collection = start_deliverable(actor, cohort, KIND, title="Recueil de bonnes pratiques "
                                   "2025-2026", details={"themes": themes})
    authors = _authors(collection) or [actor]
    for i, (title, theme, *sections) in enumerate(PAST_ENTRIES):
        if theme not in labels:  # the programme's themes were not loaded
            continue
        entry = ops.propose_entry(
            authors[i % len(authors)], collection, title=title, theme=theme,
            text_=_entry_text(title, f"{theme} — {labels[theme].label}", *sections))
        ops.adopt(authors[(i + 1) % len(authors)], entry)
    return collection


def load_demo(actor: User) -> None:
    """The demo year: last year's collection, adopted and ready for its jury (or, when
    last year's cohort is not there, its validated entries straight in the corpus), and
    a collection per team of this year's thematic cohorts with a few proposed entries."""
    kind = kind_of(KIND)
    past = db.session.scalar(select(Cohort).where(Cohort.name == PAST_COHORT))
    if past is not None and kind.applies_to(past) and past.memberships:
        past_collection(actor, past)
    else:
        load_demo_corpus(actor)
    for cohort in db.session.scalars(select(Cohort).order_by(Cohort.id)):
        if not kind.applies_to(cohort) or cohort.start_date.year < 2026:
            continue
        mode = schedule_for(cohort, kind).authorship
        for team in cohort.teams:
            if find_deliverable(cohort, kind, mode, team=team, owner=None) is None:
                collection = start_deliverable(
                    actor, cohort, kind, team=team,
                    title=f"Recueil de recommandations — {team.name}")
                seed_entries(actor, collection)
    ready_for_a_new_jury()


#: the collection the demo hands in and has reviewed, ready for a jury nobody composed yet:
#: the coordination composes it from scratch (tests/browser/test_jury_from_scratch.py)
READY_TEAM = "Équipe Côte Bleue"


def ready_for_a_new_jury() -> Deliverable | None:
    """This year's collection of the Côte Bleue team: its entries adopted, handed in,
    reviewed by Claire Vidal and ready for its jury, with no panel yet."""
    collection = db.session.scalar(select(Deliverable).join(Team).where(
        Deliverable.kind == KIND, Team.name == READY_TEAM))
    reviewer = db.session.scalar(select(User).where(User.email.startswith("formatrice@")))
    if collection is None or reviewer is None or collection.state.value != "draft":
        return None
    authors = authors_of(collection)
    if not authors:
        return None
    for i, entry in enumerate(ops.entries_of(collection)):
        ops.adopt(authors[(i + 1) % len(authors)], entry)
    workflow.submit(authors[0], collection, confirmed_authors=[u.id for u in authors],
                    statement_accepted=True)
    workflow.start_review(reviewer, collection)
    workflow.ready_for_jury(reviewer, collection,
                            "Recommandations précises et argumentées : prêt pour le jury.")
    return collection
