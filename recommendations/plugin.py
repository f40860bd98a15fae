"""The recommendations plugin: declares its deliverable kind to the core."""

from __future__ import annotations

from coelab.plugins import DeliverableKind, Plugin
from flask_babel import lazy_gettext as _l

COLLECTION_TEMPLATE = """# Recueil de recommandations de bonnes pratiques professionnelles

## Introduction

Présentez la thématique, la démarche de co-élaboration et les terrains mobilisés.

"""


class RecommendationsPlugin(Plugin):
    name = "recommendations"

    def deliverable_kinds(self):
        yield DeliverableKind(
            name="recommendation_collection",
            label=_l("Recueil de recommandations"),
            label_plural=_l("Recueils de recommandations"),
            description=_l(
                "Recueil de recommandations de bonnes pratiques professionnelles partagées, "
                "co-élaboré et soutenu collectivement."
            ),
            authorship="team",
            parcours=frozenset({"II", "III"}),
            module_scopes=frozenset({"thematic"}),
            template=COLLECTION_TEMPLATE,
        )


plugin = RecommendationsPlugin()
