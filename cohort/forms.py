"""Forms of the cohort plugin."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .models import EligibilityStatus, Funding


class CohortForm(FlaskForm):
    name = StringField(_l("Nom de la cohorte"), validators=[DataRequired(), Length(max=200)])
    module = SelectField(_l("Module"), coerce=int, validators=[DataRequired()])
    session = SelectField(_l("Session du programme"), coerce=int, validators=[Optional()])
    site = SelectField(_l("Site"), coerce=int, validators=[DataRequired()])
    start_date = DateField(_l("Début"), validators=[DataRequired()])
    end_date = DateField(_l("Fin"), validators=[DataRequired()])


class GatheringForm(FlaskForm):
    start_date = DateField(_l("Premier jour"), validators=[DataRequired()])
    end_date = DateField(_l("Dernier jour"), validators=[DataRequired()])
    site = SelectField(_l("Site"), coerce=int, validators=[Optional()])
    notes = StringField(_l("Précisions (salle, thème de la journée…)"),
                        validators=[Optional(), Length(max=500)])


class EnrolmentForm(FlaskForm):
    parcours = SelectField(_l("Parcours"), choices=[
        ("I", _l("Parcours I — module transversal")),
        ("II", _l("Parcours II — un module thématique")),
        ("III", _l("Parcours III — transversal et thématique")),
    ])
    # parcours III: the trainee's cohort of the other kind of module (its label and
    # choices are set by the view, from this cohort's kind)
    other_cohort = SelectField(_l("Autre cohorte du parcours III"), coerce=int,
                               validators=[Optional()])
    funding = SelectField(_l("Situation"), choices=[
        (Funding.EMPLOYED.value, _l("En emploi (reste à charge)")),
        (Funding.JOB_SEEKER.value, _l("En recherche d'emploi (gratuit)")),
        (Funding.OTHER.value, _l("Autre financement (reste à charge)")),
    ])
    notes = TextAreaField(_l("Personnalisation du parcours"),
                          validators=[Optional(), Length(max=2000)])


class EligibilityForm(FlaskForm):
    """The coordination's record of a trainee's eligibility to one diploma."""

    diploma = HiddenField(validators=[DataRequired()])
    status = RadioField(_l("Conditions d'accès au diplôme"), choices=[
        (EligibilityStatus.TO_CHECK.value, _l("À vérifier")),
        (EligibilityStatus.ELIGIBLE.value, _l("Remplies : la personne est éligible")),
        (EligibilityStatus.NOT_ELIGIBLE.value, _l("Non remplies : la personne n'est pas "
                                                  "éligible")),
    ], validators=[InputRequired(message=_l("Choisissez l'une des réponses proposées."))])
    note = TextAreaField(_l("Note (pièces vues, diplôme ou expérience retenus, démarche "
                            "à faire…)"), validators=[Optional(), Length(max=2000)])


class ModuleForm(FlaskForm):
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=300)])


class ParcoursForm(FlaskForm):
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=300)])
    welcome_days = IntegerField(_l("Journées d'accueil"), validators=[NumberRange(min=0, max=10)])
    training_days = IntegerField(_l("Jours de formation"),
                                 validators=[NumberRange(min=0, max=200)])
    hours = IntegerField(_l("Heures"), validators=[NumberRange(min=0, max=2000)])
    remaining_cost = DecimalField(_l("Reste à charge en emploi (euros)"), places=2,
                                  validators=[NumberRange(min=0, max=100000)])


class SiteForm(FlaskForm):
    name = StringField(_l("Nom du site"), validators=[DataRequired(), Length(max=200)])
    is_main = BooleanField(_l("Site principal"))


class SessionForm(FlaskForm):
    scope = SelectField(_l("Type de module"), choices=[
        ("transversal", _l("Module transversal")), ("thematic", _l("Modules thématiques"))])
    year_label = StringField(_l("Année de formation (ex. 2026-2027)"),
                             validators=[DataRequired(), Length(max=20)])
    number = IntegerField(_l("Numéro de session"), validators=[NumberRange(min=1, max=50)])
    start_date = DateField(_l("Début"), validators=[DataRequired()])
    end_date = DateField(_l("Fin"), validators=[DataRequired()])
    end_label = StringField(_l("Fin telle qu'annoncée, si imprécise (ex. « juin 2021 »)"),
                            validators=[Optional(), Length(max=50)])
