"""The recommendations plugin: the collection kind, its entries' pages, the shared corpus."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from coelab.api import (
    WRITING,
    CohortRole,
    Criterion,
    Deliverable,
    DeliverableKind,
    DetailField,
    NavLink,
    Plugin,
    Rubric,
    User,
    WorkspacePanel,
    cohort_role,
    is_document_author,
    levels,
    signals,
)
from flask import Flask
from flask_babel import lazy_gettext as _l

from . import models  # noqa: F401
from .demo import load_demo
from .operations import KIND, combined_markdown, frozen_markdown, on_deliverable_decided
from .views import bp, collection_context

# the collection: recommendations of good professional practice, co-written and shared
# in a thematic cohort (parcours II and III). "{module}" stands for the cohort's module
# (coelab.api.Criterion; cohort/framework.py words its five competencies); the DEIS
# codes are attested to parcours III only (cohort/passport.py)
COLLECTION_RUBRIC = Rubric((
    Criterion(
        "pertinence", _l("Pertinence des recommandations"), weight=3,
        competencies=("{module}-2", "{module}-3", "DEIS-DC3-1"),
        description=_l("Les recommandations répondent à des problèmes réels de la pratique "
                       "et de la thématique du module."),
        levels=levels(
            _l("Recommandations vagues ou hors de la thématique."),
            _l("Recommandations pertinentes pour une partie seulement."),
            _l("Recommandations pertinentes, reliées à des situations identifiées."),
            _l("Recommandations pertinentes et hiérarchisées, qui éclairent la "
               "thématique."),
        )),
    Criterion(
        "fondements", _l("Fondements et sources"), weight=2, competencies=("{module}-1",),
        description=_l("Chaque recommandation s'appuie sur des pratiques observées, des "
                       "textes ou des travaux cités."),
        levels=levels(
            _l("Recommandations sans appui explicite."),
            _l("Appuis cités pour quelques recommandations seulement."),
            _l("Recommandations étayées par des pratiques et des sources citées."),
            _l("Fondements variés et discutés, limites signalées."),
        )),
    Criterion(
        "coelaboration", _l("Coopération et co-élaboration"), weight=2,
        competencies=("{module}-4", "DEIS-DC3-3"),
        description=_l("Le recueil résulte d'un travail collectif : propositions, échanges, "
                       "adoption argumentée."),
        levels=levels(
            _l("Contributions juxtaposées, sans discussion."),
            _l("Échanges limités à quelques contributeurs."),
            _l("Propositions discutées et adoptées collectivement."),
            _l("Co-élaboration exemplaire, désaccords traités et explicités."),
        )),
    Criterion(
        "transferabilite", _l("Clarté et transférabilité"), weight=2,
        competencies=("{module}-5", "DEIS-DC3-2"),
        description=_l("Un professionnel d'une autre structure peut comprendre et appliquer "
                       "chaque recommandation."),
        levels=levels(
            _l("Recommandations difficiles à comprendre hors de leur contexte."),
            _l("Recommandations compréhensibles mais peu opérationnelles."),
            _l("Recommandations claires et applicables par d'autres structures."),
            _l("Recommandations directement utilisables, avec leurs conditions de "
               "réussite."),
        )),
    Criterion(
        "ecrit", _l("Qualité de l'écrit"), weight=1, competencies=("{module}-5",),
        description=_l("Structure, clarté, correction de la langue, références citées."),
        levels=levels(
            _l("Texte peu structuré ou difficile à suivre ; sources absentes."),
            _l("Structure perceptible mais inégale ; références incomplètes."),
            _l("Écrit structuré, clair et correct ; références citées."),
            _l("Écrit rigoureux et fluide, au service de la démonstration."),
        )),
))

COLLECTION_TEMPLATE = """# Recueil de recommandations de bonnes pratiques professionnelles

## Introduction

Présentez la thématique, la démarche de co-élaboration et les terrains mobilisés.

"""


def _collection_open(collection: Any) -> bool:
    # entries change while the authors write: a draft, or changes requested
    return getattr(collection, "kind", None) == KIND and collection.state in WRITING


def _author(user: Any, collection: Any) -> bool:
    return is_document_author(user, collection)


def _may_propose(user: Any, collection: Any) -> bool:
    """Propose an entry: the collection's authors, while it is a draft."""
    return _collection_open(collection) and _author(user, collection)


def _may_act_on_entry(user: Any, entry: Any) -> bool:
    """Endorse, adopt, set aside, reopen, move: the authors, while it is a draft."""
    return _collection_open(entry.collection) and _author(user, entry.collection)


def _may_discuss(user: Any, entry: Any) -> bool:
    """The collection's authors and the trainers of its cohort."""
    collection = entry.collection
    return _author(user, collection) or (
        user.is_authenticated and cohort_role(user, collection.cohort) == CohortRole.TRAINER)


class RecommendationsPlugin(Plugin):
    name = "recommendations"
    migrations_dir = Path(__file__).parent / "migrations" / "versions"

    def import_models(self) -> None:
        """The plugin's models are imported with this module (above)."""

    def blueprints(self):
        return (bp,)

    def deliverable_kinds(self):
        yield DeliverableKind(
            name=KIND,
            label=_l("Recueil de recommandations"),
            label_plural=_l("Recueils de recommandations"),
            description=_l(
                "Recueil de recommandations de bonnes pratiques professionnelles partagées, "
                "co-élaboré et soutenu collectivement."
            ),
            authorship="team",
            authorship_options=frozenset({"team", "cohort"}),
            parcours=frozenset({"II", "III"}),
            module_scopes=frozenset({"thematic"}),
            template=COLLECTION_TEMPLATE,
            soutenance=True,
            rubric=COLLECTION_RUBRIC,
            # the collection is its text, then its adopted entries
            export=_collection_markdown,
            freeze=_frozen_collection_markdown,
            fields=(
                DetailField("themes", _l("Thématiques"), type="themes", required=False,
                            help=_l("Les thématiques que peuvent prendre les recommandations "
                                    "du recueil ; aucune : toutes.")),
            ),
        )

    def policy_rules(self):
        return {
            "recommendation.propose": _may_propose,
            "recommendation.endorse": _may_act_on_entry,
            "recommendation.decide": _may_act_on_entry,
            "recommendation.discuss": _may_discuss,
            "corpus.view": lambda user, obj=None: bool(user.is_authenticated),
        }

    def connect_signals(self, app: Flask) -> None:
        signals.deliverable_decided.connect(on_deliverable_decided, sender=app)
        signals.demo_loaded.connect(_load_demo, sender=app)

    def navigation(self, user: User) -> Iterable[NavLink]:
        yield NavLink(_l("Bonnes pratiques"), "recommendations.corpus", order=40)

    def deliverable_panels(self, deliverable: Deliverable,
                           user: User) -> Iterable[WorkspacePanel]:
        if getattr(deliverable, "kind", None) != KIND:
            return

        yield WorkspacePanel(_l("Recommandations du recueil"),
                             "recommendations/panel_entries.html",
                             collection_context(deliverable, user), order=10)


def _collection_markdown(collection: Deliverable, markdown: str) -> str:
    return combined_markdown(collection, markdown)


def _frozen_collection_markdown(collection: Deliverable, markdown: str) -> str:
    return frozen_markdown(collection, markdown)


def _load_demo(app, actor, **_kw) -> None:
    load_demo(actor)


plugin = RecommendationsPlugin()
