"""Forms of the coordination's side of the admissions: campaigns, the steps on a dossier,
the interview's scheduling and record (Flask-WTF: every form carries a CSRF token).

Dates and times are typed in Paris time, like the soutenance's scheduling form
(platform/coelab/jury/forms.py ``ScheduleForm``, platform/coelab/jury/views.py
``schedule``): the view makes them an aware datetime with :func:`paris_datetime`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .campaigns import NOTES_MAX, RETENTION_MAX, RETENTION_MIN, TITLE_MAX
from .interviews import DURATION_MAX, DURATION_MIN, PLACE_MAX, TEXT_MAX, VIDEO_MAX
from .models import VAE_DIPLOMAS, Opinion

PARIS = ZoneInfo("Europe/Paris")


def paris_datetime(day: date, at: time) -> datetime:
    """A day and a time typed in Paris time, as an aware datetime in UTC."""
    return datetime.combine(day, at).replace(tzinfo=PARIS).astimezone(UTC)


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes (like platform/coelab/deliverables/forms.py)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CampaignForm(FlaskForm):
    title = StringField(_l("Intitulé de la campagne"),
                        validators=[DataRequired(), Length(max=TITLE_MAX)],
                        description=_l("Par exemple : « Recrutement 2026-2027 »."))
    year_label = StringField(_l("Année de formation"),
                             validators=[DataRequired(), Length(max=20)],
                             description=_l("Les deux années des sessions recrutées, par "
                                            "exemple « 2026-2027 »."))
    opens_on = DateField(_l("Ouverture des candidatures"), validators=[InputRequired()])
    closes_on = DateField(_l("Clôture des candidatures"), validators=[InputRequired()],
                          description=_l("Les candidatures sont reçues jusqu'à ce jour "
                                         "inclus. Une seule campagne est ouverte à la fois."))
    retention_months = IntegerField(
        _l("Durée de conservation des candidatures non retenues (en mois)"), default=12,
        validators=[InputRequired(), NumberRange(RETENTION_MIN, RETENTION_MAX)],
        description=_l("Une candidature non admise est supprimée ce nombre de mois après "
                       "la clôture de la campagne ; seul un décompte anonyme est gardé. "
                       "12 mois par défaut."))
    notes = TextAreaField(_l("Informations pour les candidats"),
                          validators=[Optional(), Length(max=NOTES_MAX)],
                          description=_l("Affichées sur la page publique de la campagne : "
                                         "réunions d'information, contact, pièces à "
                                         "prévoir…"))


class AskMoreForm(FlaskForm):
    message = TextAreaField(_l("Ce que vous demandez au candidat ou à la candidate"),
                            validators=[DataRequired(), Length(max=TEXT_MAX)],
                            description=_l("Le dossier lui est rendu avec ce message, "
                                           "par e-mail et sur sa page."))


class ScheduleForm(FlaskForm):
    interviewer = SelectField(_l("Personne qui mène l'entretien"), coerce=int,
                              validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[InputRequired()])
    at = TimeField(_l("Heure (heure de Paris)"), validators=[InputRequired()])
    duration = IntegerField(_l("Durée (minutes)"), default=60,
                            validators=[InputRequired(), NumberRange(DURATION_MIN,
                                                                     DURATION_MAX)])
    place = StringField(_l("Lieu (site et salle)"),
                        validators=[Optional(), Length(max=PLACE_MAX)])
    video_url = StringField(_l("Ou lien de visioconférence"),
                            validators=[Optional(), Length(max=VIDEO_MAX)],
                            description=_l("Une adresse commençant par https://. Indiquez "
                                           "le lieu, le lien, ou les deux."))


OPINIONS = [
    (Opinion.FAVOURABLE.value, _l("Favorable")),
    (Opinion.RESERVED.value, _l("Réservé")),
    (Opinion.UNFAVOURABLE.value, _l("Défavorable")),
]


def _text(label, description=None):
    return TextAreaField(label, validators=[Optional(), Length(max=TEXT_MAX)],
                         description=description or "")


class RecordForm(FlaskForm):
    prerequisites = _text(_l("Prérequis vérifiés ensemble"),
                          _l("Obligatoire. Ce que vous avez vérifié avec la personne, en "
                             "particulier pour une entrée sur l'expérience professionnelle."))
    objectives = _text(_l("Objectifs de la personne"), _l("Obligatoire."))
    personalisation = _text(_l("Personnalisation du parcours"),
                            _l("Obligatoire. Repris à l'ouverture de son passeport "
                               "compétences si elle est admise."))
    immersion = _text(_l("Stages d'immersion"),
                      _l("Obligatoire pour une personne en recherche d'emploi ou en "
                         "mobilité professionnelle."))
    complementary_training = _text(_l("Formations complémentaires proposées"))
    vae_proposal = CheckboxesField(
        _l("Accompagnement à la VAE proposé vers"),
        choices=[(d, d) for d in VAE_DIPLOMAS], validate_choice=False,
        description=_l("Obligatoire (au moins un diplôme) pour une personne qui entre sur "
                       "son expérience professionnelle."))
    vae_note = _text(_l("Précisions sur la VAE"))
    funding_note = _text(_l("Financements complémentaires"))
    opinion = RadioField(_l("Avis sur l'admission"), choices=OPINIONS,
                         validators=[InputRequired(message=_l(
                             "Donnez votre avis sur l'admission."))])
    opinion_text = _text(_l("Motifs de l'avis"),
                         _l("Obligatoire pour un avis réservé ou défavorable."))
