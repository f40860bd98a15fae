"""The casestudies plugin: declares its deliverable kinds to the core."""

from __future__ import annotations

from dataclasses import replace

from coelab.api import Criterion, DeliverableKind, DetailField, Plugin, Rubric, levels, signals
from flask_babel import lazy_gettext as _l

from .demo import load_demo, load_review_and_jury

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
# (docs/domain.md, "Purpose")
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


def _writing(competencies: tuple[str, ...]) -> Criterion:
    return Criterion(
        "ecrit", _l("Qualité de l'écrit"), weight=1, competencies=competencies,
        description=_l("Structure, clarté, correction de la langue, références citées."),
        levels=levels(
            _l("Texte peu structuré ou difficile à suivre ; sources absentes."),
            _l("Structure perceptible mais inégale ; références incomplètes."),
            _l("Écrit structuré, clair et correct ; références citées."),
            _l("Écrit rigoureux et fluide, au service de la démonstration."),
        ))


# The rubrics name the competencies of the module the deliverable's cohort follows with
# the placeholder "{module}" (the five slots of every module block, cohort/framework.py:
# 1 analyse, 2 situate in the environment, 3 préconisations, 4 co-élaboration, 5 the
# written account), and diploma domains' competencies by their codes: which of these an
# author is attested depends on their parcours (cohort/passport.py; docs/domain.md,
# "Competencies and the passeport compétences").

# the case study: a situation of a partner organisation, analysed by a team; collective
# (module 1.0: CAFERUIS for parcours I, DEIS for parcours III) or thematic (modules
# 2.1-2.6: DEIS for parcours III, no diploma for parcours II)
CASE_STUDY_RUBRIC = Rubric((
    Criterion(
        "analyse", _l("Analyse de la situation"), weight=3,
        competencies=("{module}-1", "{module}-2", "DEIS-DC3-1"),
        description=_l("Compréhension de la situation-problème et mobilisation des apports "
                       "de la formation pour l'analyser."),
        levels=levels(
            _l("La situation est décrite sans être analysée."),
            _l("Analyse amorcée, peu appuyée sur les apports de la formation."),
            _l("Analyse argumentée, qui mobilise les apports de la formation."),
            _l("Analyse approfondie, croisant plusieurs cadres et points de vue."),
        )),
    Criterion(
        "preconisations", _l("Préconisations"), weight=3, competencies=("{module}-3",),
        description=_l("Préconisations de résolution réalistes, argumentées et "
                       "hiérarchisées."),
        levels=levels(
            _l("Pas de préconisation, ou sans lien avec l'analyse."),
            _l("Préconisations générales, peu argumentées."),
            _l("Préconisations réalistes, argumentées et reliées à l'analyse."),
            _l("Préconisations créatives, priorisées, avec leurs conditions de mise en "
               "œuvre."),
        )),
    Criterion(
        "ancrage", _l("Ancrage dans le terrain partenaire"), weight=2,
        competencies=("{module}-2", "CAFERUIS-DC5-1"),
        description=_l("Prise en compte du contexte, des acteurs et des contraintes de la "
                       "structure partenaire."),
        levels=levels(
            _l("Le terrain partenaire est à peine évoqué."),
            _l("Contexte présenté mais peu exploité dans l'analyse."),
            _l("Contexte, acteurs et contraintes du terrain pris en compte."),
            _l("Travail nourri d'échanges avec le terrain, utile à la structure."),
        )),
    Criterion(
        "cooperation", _l("Coopération et co-élaboration"), weight=1,
        competencies=("{module}-4", "CAFERUIS-DC3-1", "DEIS-DC3-3"),
        description=_l("Travail réellement collectif : répartition, mise en commun, "
                       "cohérence de l'ensemble."),
        levels=levels(
            _l("Juxtaposition de contributions individuelles."),
            _l("Mise en commun partielle, cohérence inégale."),
            _l("Production co-élaborée et cohérente."),
            _l("Co-élaboration exemplaire, dont la démarche est explicitée."),
        )),
    _writing(("{module}-5", "DEIS-DC3-2")),
))

# the mini-diagnostic: individual, in a thematic cohort (parcours II and III)
# the thematic case study is assessed like the collective one, but no parcours that
# writes it (II, III) is capitalisable toward the CAFERUIS (cohort/framework.py): its
# criteria name no CAFERUIS competency nobody could earn
THEMATIC_CASE_STUDY_RUBRIC = Rubric(tuple(
    replace(c, competencies=tuple(code for code in c.competencies
                                  if not code.startswith("CAFERUIS-")))
    for c in CASE_STUDY_RUBRIC.criteria))

MINI_DIAGNOSTIC_RUBRIC = Rubric((
    Criterion(
        "enjeu", _l("Présentation de l'organisation et de l'enjeu"), weight=2,
        competencies=("{module}-2",),
        description=_l("L'organisation est située et l'enjeu retenu, lié à la thématique, "
                       "est clairement posé."),
        levels=levels(
            _l("Organisation ou enjeu non identifiés."),
            _l("Enjeu posé de façon vague ou sans lien avec la thématique."),
            _l("Organisation située, enjeu clair et relié à la thématique."),
            _l("Enjeu problématisé avec finesse, au regard de la stratégie de "
               "l'organisation."),
        )),
    Criterion(
        "diagnostic", _l("Diagnostic externe et interne"), weight=3,
        competencies=("{module}-1", "DEIS-DC3-1"),
        description=_l("Analyse de l'environnement et des ressources de l'organisation, "
                       "avec ses forces, faiblesses, opportunités et menaces."),
        levels=levels(
            _l("Diagnostic absent ou purement descriptif."),
            _l("Diagnostic partiel : un volet manque ou reste superficiel."),
            _l("Diagnostic externe et interne étayé, synthèse cohérente."),
            _l("Diagnostic précis et documenté, synthèse éclairante."),
        )),
    Criterion(
        "preconisations", _l("Préconisations"), weight=3, competencies=("{module}-3",),
        description=_l("Pistes d'action réalistes pour l'organisation, tirées du "
                       "diagnostic."),
        levels=levels(
            _l("Pas de préconisation, ou sans lien avec le diagnostic."),
            _l("Préconisations générales, peu applicables."),
            _l("Préconisations réalistes, tirées du diagnostic."),
            _l("Préconisations priorisées, avec moyens, étapes et indicateurs."),
        )),
    _writing(("{module}-5", "DEIS-DC3-2")),
))


class CaseStudiesPlugin(Plugin):
    name = "casestudies"

    def connect_signals(self, app) -> None:
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
            rubric=CASE_STUDY_RUBRIC,
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
            rubric=THEMATIC_CASE_STUDY_RUBRIC,
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
            rubric=MINI_DIAGNOSTIC_RUBRIC,
        )


def _load_demo(app, actor, **_kw) -> None:
    load_demo(actor)
    load_review_and_jury(actor)


plugin = CaseStudiesPlugin()
