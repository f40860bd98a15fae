"""What the demo's works say once their authors wrote them (casestudies/demo.py): the
sections of each kind's template, in the words of trainees of the programme. Every
organisation, person and figure here is fictitious. ``{partner}`` and
``{organisation}`` are replaced by the work's own (its details)."""

from __future__ import annotations

FUSION = {
    "Contexte": (
        "{partner} accompagne 240 personnes en situation de handicap sur trois sites de "
        "l'étang de Berre. Au 1er janvier, elle a fusionné avec une association voisine de "
        "taille comparable : deux conseils d'administration, deux conventions d'entreprise "
        "et deux cultures professionnelles doivent désormais former une seule organisation."
    ),
    "Situation-problème": (
        "Six mois après la fusion, les équipes éducatives des deux anciennes associations "
        "travaillent côte à côte sans travailler ensemble : les réunions de service se "
        "tiennent séparément, les arrêts maladie augmentent et deux cadres intermédiaires "
        "ont demandé une mobilité. La direction générale attend des chefs de service qu'ils "
        "« fassent vivre le projet commun », sans que ce projet ait été écrit avec eux."
    ),
    "Analyse": (
        "La fusion a été pensée comme une opération juridique et financière ; sa dimension "
        "humaine est restée implicite. Trois apports de la formation éclairent la "
        "situation :\n\n"
        "- la conduite du changement : les résistances observées sont moins un refus "
        "qu'une demande de sens et de reconnaissance des savoir-faire de chacun ;\n"
        "- le leadership partagé : les cadres intermédiaires, placés entre la direction et "
        "les équipes, n'ont ni mandat clair ni espace pour élaborer ;\n"
        "- la qualité de vie au travail : l'absentéisme signale une perte de repères "
        "collectifs plutôt qu'une surcharge."
    ),
    "Préconisations": (
        "1. Réunir les chefs de service des deux anciennes associations en un comité de "
        "cadres, avec un mandat écrit et un calendrier.\n"
        "2. Co-écrire le projet associatif avec des représentants des équipes, des "
        "personnes accompagnées et des familles, en six mois.\n"
        "3. Organiser des binômes inter-sites sur les pratiques éducatives, et en faire le "
        "bilan au comité de cadres.\n"
        "4. Suivre trois indicateurs chaque trimestre : absentéisme, mobilités demandées, "
        "participation aux instances communes."
    ),
    "Références": (
        "- Autissier D., Moutot J.-M., *Méthode de conduite du changement*, Dunod.\n"
        "- Notes du regroupement « Leadership et transformation », module transversal."
    ),
}

CONFIDENTIALITY = {
    "Contexte": (
        "{partner} réunit un service d'accueil de jour, un service d'accompagnement à "
        "domicile et une équipe mobile. Depuis l'an dernier, les trois services partagent "
        "un dossier de l'usager informatisé, consultable par une quarantaine de "
        "professionnels aux métiers différents."
    ),
    "Situation-problème": (
        "Un usager a découvert qu'une information confiée à son éducatrice référente était "
        "connue de l'équipe de l'accueil de jour. Il a retiré son accord au partage "
        "d'informations. Les équipes se divisent : les unes veulent tout noter « pour la "
        "continuité », les autres ne notent plus rien « par prudence »."
    ),
    "Analyse": (
        "Le partage d'informations entre professionnels est encadré : il n'est possible "
        "que pour ce qui est strictement nécessaire à la continuité de l'accompagnement, "
        "et la personne doit en être informée. Le logiciel a rendu tout visible par "
        "défaut, sans que l'organisation ait défini qui a besoin de savoir quoi. La "
        "traçabilité, qui devait protéger la personne, a fragilisé sa confiance."
    ),
    "Préconisations": (
        "1. Définir avec les équipes, service par service, les catégories d'informations "
        "partagées, et paramétrer les droits du logiciel en conséquence.\n"
        "2. Expliquer à chaque personne accompagnée ce qui est partagé, avec qui et "
        "pourquoi, et recueillir son accord par écrit.\n"
        "3. Former les professionnels aux écrits professionnels : des faits, des "
        "observations, pas de jugements.\n"
        "4. Faire le bilan en conseil de la vie sociale au bout d'un an."
    ),
    "Références": (
        "- Article L. 1110-4 du code de la santé publique : le partage d'informations "
        "entre professionnels.\n"
        "- Recommandations de bonnes pratiques sur le partage d'informations, Haute "
        "Autorité de santé."
    ),
}

DIAGNOSTIC = {
    "Présentation de l'organisation": (
        "{organisation} accueille une soixantaine de personnes et emploie quarante-cinq "
        "salariés, dont une équipe de nuit. L'établissement relève d'une association "
        "gestionnaire de quatre structures dans les Bouches-du-Rhône."
    ),
    "Enjeu retenu": (
        "Organiser la traçabilité de l'accompagnement sans alourdir le travail des "
        "équipes : les transmissions se font encore sur des cahiers par unité, que "
        "l'équipe de nuit ne consulte pas toujours."
    ),
    "Diagnostic externe": (
        "- L'évaluation de la qualité attend des écrits qui montrent la continuité du "
        "parcours de chaque personne.\n"
        "- Le financeur a annoncé un dossier de l'usager informatisé commun aux "
        "structures de l'association d'ici deux ans.\n"
        "- Les familles demandent à être mieux informées des événements de la journée."
    ),
    "Diagnostic interne": (
        "- Des professionnels attachés à l'écrit, mais peu formés aux écrits "
        "professionnels.\n"
        "- Un temps de transmission entre équipes de jour et de nuit réduit à dix "
        "minutes.\n"
        "- Un encadrement de proximité disponible et reconnu par les équipes."
    ),
    "Synthèse forces / faiblesses / opportunités / menaces": (
        "Forces : un encadrement reconnu, des équipes stables. Faiblesses : des écrits "
        "hétérogènes, des transmissions trop brèves. Opportunités : le futur dossier "
        "informatisé, l'évaluation à venir. Menaces : un outil imposé sans que les "
        "pratiques aient été repensées."
    ),
    "Préconisations": (
        "1. Allonger le temps de transmission du soir à vingt minutes, en binôme jour et "
        "nuit.\n"
        "2. Former l'ensemble des équipes aux écrits professionnels avant l'arrivée du "
        "logiciel.\n"
        "3. Associer deux professionnels de l'établissement au groupe de travail de "
        "l'association sur le dossier informatisé."
    ),
}

#: the sections of each kind's text, in the template's order, by the work's theme
TEXTS: dict[str, dict[str, str]] = {
    "collective_case_study": FUSION,
    "thematic_case_study": CONFIDENTIALITY,
    "mini_diagnostic": DIAGNOSTIC,
}

#: the first line of each kind's text
TITLES: dict[str, str] = {
    "collective_case_study": "# Étude de cas : la fusion vue par ses équipes",
    "thematic_case_study": "# Étude de cas : partager sans trahir la confiance",
    "mini_diagnostic": "# Mini-diagnostic stratégique : {organisation}",
}
