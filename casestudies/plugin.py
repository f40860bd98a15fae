"""The casestudies plugin: declares its deliverable kinds to the core."""

from __future__ import annotations

from coelab.plugins import DeliverableKind, Plugin
from flask_babel import lazy_gettext as _l

CASE_STUDY_TEMPLATE = """# Étude de cas : titre

## Contexte

Présentez le terrain professionnel partenaire, son secteur et son environnement.

## Situation-problème

Décrivez la situation telle qu'elle se pose aux acteurs.

## Analyse

Analysez la situation à l'aide des apports de la formation.

## Préconisations

Formulez des préconisations de résolution, réalistes et argumentées.

## Références

"""

MINI_DIAGNOSTIC_TEMPLATE = """# Mini-diagnostic stratégique : titre

## Présentation de l'organisation

## Enjeu retenu

## Diagnostic externe

## Diagnostic interne

## Synthèse forces / faiblesses / opportunités / menaces

## Préconisations

"""


class CaseStudiesPlugin(Plugin):
    name = "casestudies"

    def deliverable_kinds(self):
        yield DeliverableKind(
            name="collective_case_study",
            label=_l("Étude de cas collective"),
            label_plural=_l("Études de cas collectives"),
            description=_l(
                "Produite en équipe sur une situation d'un terrain professionnel partenaire, "
                "puis soutenue collectivement devant un jury de formateurs et de "
                "professionnels en exercice."
            ),
            authorship="team",
            parcours=frozenset({"I", "III"}),
            module_scopes=frozenset({"transversal"}),
            template=CASE_STUDY_TEMPLATE,
        )
        yield DeliverableKind(
            name="thematic_case_study",
            label=_l("Étude de cas thématique"),
            label_plural=_l("Études de cas thématiques"),
            description=_l(
                "Étude de cas sur la thématique du module, produite et soutenue devant un jury."
            ),
            authorship="team",
            parcours=frozenset({"II", "III"}),
            module_scopes=frozenset({"thematic"}),
            template=CASE_STUDY_TEMPLATE,
        )
        yield DeliverableKind(
            name="mini_diagnostic",
            label=_l("Mini-diagnostic stratégique"),
            label_plural=_l("Mini-diagnostics stratégiques"),
            description=_l(
                "Diagnostic individuel de la situation de sa propre organisation face à un "
                "enjeu lié à la thématique choisie."
            ),
            authorship="individual",
            parcours=frozenset({"II", "III"}),
            module_scopes=frozenset({"thematic"}),
            template=MINI_DIAGNOSTIC_TEMPLATE,
        )


plugin = CaseStudiesPlugin()
