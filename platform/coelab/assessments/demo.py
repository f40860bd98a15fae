"""The demo competency framework (``coelab demo``): the programme's modules, and the
diploma domains the programme says its parcours may lead to validating (docs/domain.md,
"Diploma blocks").

The diploma blocks' wordings are indicative, written for the demo: the coordination
checks them against the official frameworks before any real use.
"""

from __future__ import annotations

from sqlalchemy import select

from ..db import db
from .models import CompetencyBlock
from .operations import create_block, create_competency

# (code, title, [(code, title)]) — criteria of the default rubrics refer to these codes
FRAMEWORK: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("1.0", "Module 1.0 — Comprendre l'organisation et son environnement pour construire "
     "un leadership vecteur de transformation", [
        ("1.0-1", "Analyser une situation organisationnelle complexe en mobilisant des "
                  "repères théoriques"),
        ("1.0-2", "Situer une organisation de l'ESS dans son environnement institutionnel, "
                  "économique et territorial"),
        ("1.0-3", "Formuler des préconisations réalistes, argumentées et priorisées"),
        ("1.0-4", "Coopérer et co-élaborer une production collective"),
        ("1.0-5", "Rendre compte d'une analyse par un écrit professionnel structuré"),
    ]),
    ("2.1", "Module 2.1 — Accompagner la montée en charge de l'ambition participative dans "
     "les organisations de l'ESS", [
        ("2.1-1", "Diagnostiquer les formes de participation des personnes accompagnées, "
                  "des salariés et des bénévoles"),
        ("2.1-2", "Concevoir des dispositifs de participation adaptés à l'organisation"),
    ]),
    ("2.2", "Module 2.2 — Manager la digitalisation de l'intervention sociale et "
     "socioculturelle", [
        ("2.2-1", "Évaluer les effets du numérique sur les pratiques d'intervention"),
        ("2.2-2", "Conduire un projet de transformation numérique avec les équipes"),
    ]),
    ("2.3", "Module 2.3 — Piloter l'ouverture de son établissement à l'environnement", [
        ("2.3-1", "Cartographier les partenaires et les ressources du territoire"),
        ("2.3-2", "Construire et animer des partenariats durables"),
    ]),
    ("2.4", "Module 2.4 — Développer une organisation du travail fondée sur le partage de "
     "l'information et l'exigence de traçabilité de l'activité", [
        ("2.4-1", "Analyser les circuits d'information d'un service"),
        ("2.4-2", "Organiser la traçabilité de l'activité dans le respect des droits des "
                  "personnes"),
    ]),
    ("2.5", "Module 2.5 — Négocier et contractualiser le développement stratégique de son "
     "organisation", [
        ("2.5-1", "Préparer et conduire une négociation avec les autorités de tarification "
                  "et les financeurs"),
        ("2.5-2", "Traduire un projet stratégique en engagements contractuels"),
    ]),
    ("2.6", "Module 2.6 — Piloter la stratégie de développement durable de son "
     "organisation", [
        ("2.6-1", "Réaliser un diagnostic de responsabilité sociale et environnementale"),
        ("2.6-2", "Conduire un plan d'action de développement durable"),
    ]),
    ("CAFERUIS-DC3", "CAFERUIS — DC3", [
        ("CAFERUIS-DC3-1", "Animer et mobiliser une équipe autour d'un projet de service"),
        ("CAFERUIS-DC3-2", "Organiser le travail et la communication au sein de l'équipe"),
        ("CAFERUIS-DC3-3", "Accompagner les professionnels dans l'évolution de leurs "
                           "pratiques"),
    ]),
    ("CAFERUIS-DC5", "CAFERUIS — DC5", [
        ("CAFERUIS-DC5-1", "Inscrire l'action du service dans un réseau de partenaires"),
        ("CAFERUIS-DC5-2", "Représenter le service auprès des acteurs du territoire"),
    ]),
    ("DEIS-DC3", "DEIS — DC3", [
        ("DEIS-DC3-1", "Conduire une démarche d'analyse et de diagnostic partagé"),
        ("DEIS-DC3-2", "Communiquer les résultats d'une analyse à des publics divers"),
        ("DEIS-DC3-3", "Animer une démarche de co-élaboration avec les acteurs"),
    ]),
]

NOTE = ("Intitulés indicatifs, à vérifier par la coordination auprès du référentiel "
        "officiel du diplôme.")


def load_demo(app=None, actor=None, **_kw) -> None:
    """Create the demo framework, leaving alone the blocks that already exist."""
    existing = set(db.session.scalars(select(CompetencyBlock.code)))
    for position, (code, title, competencies) in enumerate(FRAMEWORK):
        if code in existing:
            continue
        block = create_block(actor, code=code, title=title, position=position,
                             description=NOTE if "-DC" in code else None)
        for i, (c_code, c_title) in enumerate(competencies):
            create_competency(actor, block, code=c_code, title=c_title, position=i)
