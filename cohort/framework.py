"""The competency framework: the diplomas the programme's parcours are capitalisable
toward (docs/domain.md, "Diploma blocks"), and the blocks of competencies of the modules
and of those diplomas' domains, loaded with the catalogue (docs/domain.md, "Competencies
and the passeport compétences").

Parcours I is capitalisable in a course preparing the CAFERUIS and may, under the
diploma's eligibility conditions, lead to validating its domains DC3 and DC5;
parcours III is capitalisable toward the DEIS and may lead to validating its DC3. A
trainee's results count toward a diploma's blocks only on the parcours that names it,
and the passeport shows them as *capitalisable*, with whether the trainee meets the
diploma's access conditions (recorded by the coordination).
"""

from __future__ import annotations

from dataclasses import dataclass

from coelab.api import (
    BlockScope,
    CompetencyBlock,
    Parcours,
    User,
    competencies_by_code,
    create_block,
    create_competency,
    db,
    transaction,
)
from sqlalchemy import select

from .catalogue import MODULES


@dataclass(frozen=True)
class Diploma:
    """A diploma a parcours is capitalisable toward: ``code`` (``"CAFERUIS"``), its
    name as people say it, the parcours that counts toward it and the codes of its
    blocks (competency blocks of scope ``diploma`` in the framework)."""

    code: str
    label: str
    parcours: Parcours
    blocks: tuple[str, ...]


DIPLOMAS: tuple[Diploma, ...] = (
    Diploma("CAFERUIS", "CAFERUIS", Parcours.I, ("CAFERUIS-DC3", "CAFERUIS-DC5")),
    Diploma("DEIS", "DEIS", Parcours.III, ("DEIS-DC3",)),
)


def diplomas_for(parcours: Parcours | str | None) -> tuple[Diploma, ...]:
    """The diplomas a trainee on this parcours capitalises toward (parcours II: none)."""
    if parcours is None:
        return ()
    return tuple(d for d in DIPLOMAS if d.parcours == Parcours(parcours))


def diploma_of_block(block_code: str) -> Diploma | None:
    """The diploma a block belongs to, if it is a diploma's."""
    return next((d for d in DIPLOMAS if block_code in d.blocks), None)


def diploma_of_competency(code: str) -> Diploma | None:
    """The diploma a competency belongs to, from its code (a diploma block's
    competencies are coded ``<block>-<n>``: ``CAFERUIS-DC3-1``)."""
    return next((d for d in DIPLOMAS if any(code.startswith(f"{b}-") for b in d.blocks)),
                None)


# --- the competency framework -----------------------------------------------------------
#
# The programme does not word its modules' competencies (docs/domain.md, "Competencies
# and the passeport compétences"): every module block has the same five slots, worded
# for its module, so that a rubric written for every module names them relatively
# ("{module}-3", coelab.api.Criterion): 1 analyse or diagnose a situation of the
# module's field, 2 situate the organisation in its environment with respect to the
# module's theme, 3 formulate realistic, argued préconisations, 4 cooperate and
# co-elaborate, 5 render an account in a structured professional text.

MODULE_COMPETENCIES: dict[str, tuple[str, str, str, str, str]] = {
    "1.0": (
        "Analyser une situation organisationnelle complexe en mobilisant des repères "
        "théoriques",
        "Situer une organisation de l'ESS dans son environnement institutionnel, économique "
        "et territorial",
        "Formuler des préconisations réalistes, argumentées et priorisées",
        "Coopérer et co-élaborer une production collective",
        "Rendre compte d'une analyse par un écrit professionnel structuré",
    ),
    "2.1": (
        "Diagnostiquer les formes et le degré de participation des personnes accompagnées, "
        "des salariés et des bénévoles",
        "Situer l'ambition participative de l'organisation au regard du cadre légal, des "
        "attentes des financeurs et des pratiques du secteur",
        "Formuler des préconisations réalistes et argumentées pour développer la "
        "participation dans l'organisation",
        "Coopérer et co-élaborer une démarche participative avec les équipes, les personnes "
        "accompagnées et les bénévoles",
        "Rendre compte d'une démarche participative par un écrit professionnel structuré",
    ),
    "2.2": (
        "Analyser les effets du numérique sur les pratiques d'intervention sociale et "
        "socioculturelle et sur l'organisation du travail",
        "Situer la transformation numérique de l'organisation dans son environnement : "
        "politiques publiques, inclusion numérique, protection des données",
        "Formuler des préconisations réalistes et argumentées pour conduire la "
        "transformation numérique avec les équipes",
        "Coopérer et co-élaborer les usages du numérique avec les équipes et les personnes "
        "accompagnées",
        "Rendre compte d'un projet de transformation numérique par un écrit professionnel "
        "structuré",
    ),
    "2.3": (
        "Diagnostiquer les relations de l'établissement avec les partenaires et les "
        "ressources de son territoire",
        "Situer l'établissement dans son territoire et dans les réseaux d'acteurs "
        "institutionnels, associatifs et économiques",
        "Formuler des préconisations réalistes et argumentées pour ouvrir l'établissement "
        "et construire des partenariats durables",
        "Coopérer et co-élaborer des projets avec les partenaires du territoire",
        "Rendre compte d'une démarche d'ouverture de l'établissement par un écrit "
        "professionnel structuré",
    ),
    "2.4": (
        "Analyser les circuits d'information et les pratiques de traçabilité de l'activité "
        "d'un service",
        "Situer les exigences de traçabilité de l'organisation au regard du cadre "
        "réglementaire, des attentes des financeurs et des droits des personnes",
        "Formuler des préconisations réalistes et argumentées pour organiser le partage de "
        "l'information dans le respect des droits des personnes",
        "Coopérer et co-élaborer avec les équipes les règles de partage de l'information",
        "Rendre compte de l'activité et de son organisation par un écrit professionnel "
        "structuré",
    ),
    "2.5": (
        "Analyser les enjeux stratégiques, économiques et financiers d'un projet de "
        "développement de l'organisation",
        "Situer l'organisation face aux autorités de tarification, aux financeurs et aux "
        "cadres de contractualisation (CPOM, appels à projets)",
        "Formuler des préconisations réalistes et argumentées pour négocier et traduire le "
        "projet stratégique en engagements contractuels",
        "Coopérer et co-élaborer une stratégie de négociation avec la gouvernance, les "
        "équipes et les partenaires",
        "Rendre compte d'une stratégie de développement par un écrit professionnel structuré",
    ),
    "2.6": (
        "Réaliser un diagnostic de responsabilité sociale et environnementale de "
        "l'organisation",
        "Situer la stratégie de développement durable de l'organisation au regard des "
        "enjeux environnementaux, des politiques publiques et des attentes des parties "
        "prenantes",
        "Formuler des préconisations réalistes et argumentées pour un plan d'action de "
        "développement durable",
        "Coopérer et co-élaborer une démarche de développement durable avec les équipes, "
        "les personnes accompagnées et les partenaires",
        "Rendre compte d'une démarche de développement durable par un écrit professionnel "
        "structuré",
    ),
}

# the diploma domains (DIPLOMAS): the programme gives no content for them, so these
# wordings are indicative (docs/domain.md, "Diploma blocks")
DIPLOMA_COMPETENCIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "CAFERUIS-DC3": ("CAFERUIS — DC3", (
        "Animer et mobiliser une équipe autour d'un projet de service",
        "Organiser le travail et la communication au sein de l'équipe",
        "Accompagner les professionnels dans l'évolution de leurs pratiques",
    )),
    "CAFERUIS-DC5": ("CAFERUIS — DC5", (
        "Inscrire l'action du service dans un réseau de partenaires",
        "Représenter le service auprès des acteurs du territoire",
    )),
    "DEIS-DC3": ("DEIS — DC3", (
        "Conduire une démarche d'analyse et de diagnostic partagé",
        "Communiquer les résultats d'une analyse à des publics divers",
        "Animer une démarche de co-élaboration avec les acteurs",
    )),
}

DIPLOMA_NOTE = ("Intitulés indicatifs, à vérifier par la coordination auprès du référentiel "
                "officiel du diplôme.")


@dataclass(frozen=True)
class FrameworkBlock:
    """A block of the framework as the programme gives it: its code (a module's, or a
    diploma domain's), title, scope, competencies ``(code, title)`` and a note."""

    code: str
    title: str
    scope: BlockScope
    competencies: tuple[tuple[str, str], ...]
    description: str | None = None


def _framework() -> tuple[FrameworkBlock, ...]:
    modules = tuple(
        FrameworkBlock(code, f"Module {code} — {title}", BlockScope.MODULE,
                       tuple((f"{code}-{n}", wording) for n, wording in
                             enumerate(MODULE_COMPETENCIES[code], start=1)))
        for code, title, _scope in MODULES)
    diplomas = tuple(
        FrameworkBlock(block, DIPLOMA_COMPETENCIES[block][0], BlockScope.DIPLOMA,
                       tuple((f"{block}-{n}", wording) for n, wording in
                             enumerate(DIPLOMA_COMPETENCIES[block][1], start=1)),
                       DIPLOMA_NOTE)
        for diploma in DIPLOMAS for block in diploma.blocks)
    return modules + diplomas


#: the whole framework: one block per module of the catalogue (cohort/catalogue.py,
#: MODULES), then the blocks of the diplomas' domains
FRAMEWORK: tuple[FrameworkBlock, ...] = _framework()


def load_framework(actor: User | None = None) -> int:
    """Create the framework's blocks that are missing, with their competencies (a
    competency code already taken elsewhere is skipped); the blocks already there are
    left as the coordination may have edited them. Returns how many blocks were added.

    Run by ``coelab catalogue load`` (cohort/cli.py) and the demo (cohort/demo.py)."""
    added = 0
    with transaction():
        existing = set(db.session.scalars(select(CompetencyBlock.code)))
        taken = set(competencies_by_code([c for b in FRAMEWORK for c, _t in b.competencies]))
        for position, spec in enumerate(FRAMEWORK):
            if spec.code in existing:
                continue
            block = create_block(actor, code=spec.code, title=spec.title, scope=spec.scope,
                                 description=spec.description, position=position)
            for n, (code, title) in enumerate(spec.competencies):
                if code not in taken:
                    create_competency(actor, block, code=code, title=title, position=n)
            added += 1
    return added
