"""Forms of juries: composing a panel, declarations, soutenances and the decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import email_address


class PanelForm(FlaskForm):
    title = StringField(_l("Nom du jury"), validators=[DataRequired(), Length(max=200)])


class MemberForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail d'une personne inscrite"),
                       validators=[DataRequired(), Length(max=254), email_address])
    role = SelectField(_l("Rôle"), choices=[("member", _l("Membre")),
                                            ("president", _l("Président·e"))])


class ExternalForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"),
                       validators=[DataRequired(), Length(max=254), email_address])
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)])
    # what makes them count as a practising professional of the panel, with where they
    # practise (coelab.jury.queries.composition)
    job_title = StringField(_l("Fonction actuelle"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Structure où la personne exerce"),
                               validators=[DataRequired(), Length(max=200)])


class AssignForm(FlaskForm):
    deliverable = SelectField(_l("Livrable prêt pour le jury"), coerce=int,
                              validators=[InputRequired()])


class DeclarationForm(FlaskForm):
    decision = RadioField(_l("Votre déclaration"), choices=[
        ("accept", _l("Je déclare n'avoir aucun lien avec les auteurs ni avec les travaux "
                      "qui mettrait en cause mon impartialité.")),
        ("decline", _l("Je me récuse.")),
    ], validators=[InputRequired()])
    reason = TextAreaField(_l("Raison de la récusation"), validators=[Optional(),
                                                                      Length(max=2000)])
    # a practising professional confirms what they do today and where (jury.operations
    # declare): the panel counts them as such only with both
    job_title = StringField(_l("Votre fonction actuelle"),
                            validators=[Optional(), Length(max=200)])
    organisation = StringField(_l("Structure où vous exercez"),
                               validators=[Optional(), Length(max=200)])


class ScheduleForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Date et heure (heure de Paris)"),
                                   format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    duration = IntegerField(_l("Durée (minutes)"), default=45,
                            validators=[InputRequired(), NumberRange(10, 480)])
    place = StringField(_l("Site et salle"), validators=[Optional(), Length(max=300)])
    video_link = StringField(_l("Ou lien de visioconférence"),
                             validators=[Optional(), Length(max=500)])


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Décision"), choices=[
        ("validated", _l("Validé")), ("not_validated", _l("Non validé"))],
        validators=[InputRequired()])
    reasons = TextAreaField(_l("Motifs de la décision"), validators=[DataRequired(),
                                                                     Length(max=5000)])
    resubmission = BooleanField(_l("Le jury autorise une nouvelle remise"))
