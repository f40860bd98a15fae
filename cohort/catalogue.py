"""The programme's reference data (modules, parcours, sites, costs), as docs/domain.md
gives it."""

from __future__ import annotations

from datetime import date

from coelab.api import ModuleScope

T, TH = ModuleScope.TRANSVERSAL, ModuleScope.THEMATIC

MODULES: list[tuple[str, str, ModuleScope]] = [
    ("1.0", "Comprendre l'organisation et son environnement pour construire un leadership "
            "vecteur de transformation", T),
    ("2.1", "Accompagner la montée en charge de l'ambition participative dans les "
            "organisations de l'ESS", TH),
    ("2.2", "Manager la digitalisation de l'intervention sociale et socioculturelle", TH),
    ("2.3", "Piloter l'ouverture de son établissement à l'environnement", TH),
    ("2.4", "Développer une organisation du travail fondée sur le partage de l'information "
            "et l'exigence de traçabilité de l'activité", TH),
    ("2.5", "Négocier et contractualiser le développement stratégique de son organisation", TH),
    ("2.6", "Piloter la stratégie de développement durable de son organisation", TH),
]

# code, title, welcome days, training days, hours, remaining cost (cents), transversal, thematic
PARCOURS: list[tuple[str, str, int, int, int, int, bool, bool]] = [
    ("I", "Module transversal", 1, 13, 98, 87200, True, False),
    ("II", "Un module thématique", 1, 9, 70, 62300, False, True),
    ("III", "Module transversal et un module thématique", 1, 22, 161, 143200, True, True),
]

# name, main site
SITES: list[tuple[str, bool]] = [
    ("Martigues", True),
    ("Avignon", False),
    ("Manosque – Sisteron", False),
    ("Marseille", False),
]

# scope, year, number, start, end, end as the programme words it when it gives a month only
SESSIONS: list[tuple[ModuleScope, str, int, date, date, str | None]] = [
    (T, "2020-2021", 1, date(2020, 12, 14), date(2021, 2, 19), None),
    (T, "2020-2021", 2, date(2021, 2, 15), date(2021, 4, 16), None),
    (T, "2020-2021", 3, date(2021, 4, 12), date(2021, 6, 30), "juin 2021"),
    (TH, "2020-2021", 1, date(2020, 11, 2), date(2021, 1, 29), None),
    (TH, "2020-2021", 2, date(2021, 3, 15), date(2021, 5, 28), None),
    (TH, "2020-2021", 3, date(2021, 5, 17), date(2021, 7, 9), None),
]
