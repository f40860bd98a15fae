"""The casestudies plugin: declares its deliverable kinds to the core."""

from __future__ import annotations

from coelab.plugins import DeliverableKind, DetailField, Plugin
from flask_babel import lazy_gettext as _l

SECTORS = (
    ("social", _l("Social")),
    ("medico_social", _l("Médico-social")),
    ("socio_cultural", _l("Socioculturel")),
    ("health", _l("Sanitaire")),
    ("other_ess", _l("Autre structure de l'économie sociale et solidaire")),
)

SIZES = (
    ("lt10", _l("Moins de 10 salariés")),
    ("10_49", _l("De 10 à 49 salariés")),
    ("50_249", _l("De 50 à 249 salariés")),
    ("250plus", _l("250 salariés et plus")),
)

PARTNER = _l("Terrain professionnel partenaire")
ORGANISATION = _l("Organisation du ou de la stagiaire")

# a case study works on a situation provided by a partner organisation of the programme
CASE_STUDY_FIELDS = (
    DetailField("partner_name", _l("Nom de la structure partenaire"), group=PARTNER),
    DetailField("partner_sector", _l("Secteur"), type="choice", choices=SECTORS,
                group=PARTNER),
    DetailField("partner_contact_role", _l("Fonction de l'interlocuteur"), group=PARTNER,
                help=_l("Par exemple : directrice, chef de service. Pas de nom : la "
                        "fonction suffit."), max_length=200),
)

MINI_DIAGNOSTIC_FIELDS = (
    DetailField("organisation_name", _l("Nom de l'organisation"), group=ORGANISATION),
    DetailField("organisation_sector", _l("Secteur"), type="choice", choices=SECTORS,
                group=ORGANISATION),
    DetailField("organisation_size", _l("Taille"), type="choice", choices=SIZES,
                group=ORGANISATION),
    DetailField("theme", _l("Thématique choisie"), type="theme"),
    DetailField("issue", _l("Enjeu retenu"), type="textarea", max_length=2000,
                help=_l("L'enjeu auquel votre organisation fait face, en lien avec la "
                        "thématique.")),
)

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

    def connect_signals(self, app) -> None:
        from coelab import signals

        signals.demo_loaded.connect(_load_demo, sender=app)

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
            fields=CASE_STUDY_FIELDS,
            soutenance=True,
        )
        yield DeliverableKind(
            name="thematic_case_study",
            label=_l("Étude de cas thématique"),
            label_plural=_l("Études de cas thématiques"),
            description=_l(
                "Étude de cas sur la thématique du module, produite et soutenue devant un jury."
            ),
            # team or individual, as the cohort's trainers set
            authorship="team",
            authorship_options=frozenset({"team", "individual"}),
            parcours=frozenset({"II", "III"}),
            module_scopes=frozenset({"thematic"}),
            template=CASE_STUDY_TEMPLATE,
            fields=CASE_STUDY_FIELDS,
            soutenance=True,
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
            fields=MINI_DIAGNOSTIC_FIELDS,
        )


def _load_demo(app, actor, **_kw) -> None:
    from .demo import load_demo

    load_demo(actor)


plugin = CaseStudiesPlugin()
