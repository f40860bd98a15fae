"""The recommendations plugin: the collection kind, its entries' pages, the shared corpus."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from coelab.deliverables.models import DeliverableState
from coelab.models import CohortRole, User
from coelab.plugins import DeliverableKind, DetailField, NavLink, Plugin, WorkspacePanel
from coelab.policy import cohort_role, is_document_author
from flask import Flask
from flask_babel import lazy_gettext as _l

KIND = "recommendation_collection"

COLLECTION_TEMPLATE = """# Recueil de recommandations de bonnes pratiques professionnelles

## Introduction

Présentez la thématique, la démarche de co-élaboration et les terrains mobilisés.

"""


def _collection_open(collection: Any) -> bool:
    return getattr(collection, "kind", None) == KIND and collection.state == DeliverableState.DRAFT


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
        from . import models  # noqa: F401

    def blueprints(self):
        from .views import bp

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
        from coelab import signals

        from .operations import on_deliverable_decided

        signals.deliverable_decided.connect(on_deliverable_decided, sender=app)
        signals.demo_loaded.connect(_load_demo, sender=app)

    def export_markdown(self, deliverable: Any, markdown: str) -> str | None:
        if getattr(deliverable, "kind", None) != KIND:
            return None
        from .operations import combined_markdown

        return combined_markdown(deliverable)

    def navigation(self, user: User) -> Iterable[NavLink]:
        yield NavLink(_l("Bonnes pratiques"), "recommendations.corpus", order=40)

    def deliverable_panels(self, deliverable: Any, user: User) -> Iterable[WorkspacePanel]:
        if getattr(deliverable, "kind", None) != KIND:
            return
        from .views import collection_context

        yield WorkspacePanel(_l("Recommandations du recueil"),
                             "recommendations/panel_entries.html",
                             collection_context(deliverable, user), order=10)


def _load_demo(app, actor, **_kw) -> None:
    from .demo import load_demo

    load_demo(actor)


plugin = RecommendationsPlugin()
