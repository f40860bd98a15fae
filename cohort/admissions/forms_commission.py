"""Forms of the admission commission's pages: partner organisations, sittings and their
members, decisions, the closing of the list and the enrolment
(cohort/admissions/commission_views.py)."""

from __future__ import annotations

from coelab.api import email_address
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
)

from .models import ApplicationState, CommissionRole

A = ApplicationState

class PartnerForm(FlaskForm):
    name = StringField(_l("Nom de l'organisation partenaire"),
                       validators=[DataRequired(), Length(max=200)])
    contact = StringField(_l("Contact (personne, téléphone ou adresse e-mail)"),
                          validators=[Optional(), Length(max=300)])


class CommissionForm(FlaskForm):
    campaign = SelectField(_l("Campagne de recrutement"), coerce=int,
                           validators=[InputRequired()])
    sits_at = DateTimeLocalField(_l("Date et heure (heure de Paris)"),
                                 format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    place = StringField(_l("Lieu (site et salle, ou visioconférence)"),
                        validators=[Optional(), Length(max=300)])
    chair = SelectField(_l("Présidence de la commission"), coerce=int,
                        validators=[InputRequired()])
    chair_role = SelectField(_l("La présidence siège en tant que"), choices=[
        (CommissionRole.PROGRAMME_LEAD.value, _l("Responsable de l'action de formation")),
        (CommissionRole.DIRECTOR.value, _l("Direction de l'organisme de formation")),
    ])


ROLE_CHOICES = [
    (CommissionRole.PARTNER.value, _l("Représentant·e d'une organisation partenaire")),
    (CommissionRole.PROGRAMME_LEAD.value, _l("Responsable de l'action de formation")),
    (CommissionRole.DIRECTOR.value, _l("Direction de l'organisme de formation")),
]


class MemberForm(FlaskForm):
    user = SelectField(_l("Personne (compte existant)"), coerce=int,
                       validators=[InputRequired()])
    role = SelectField(_l("Rôle dans la commission"), choices=ROLE_CHOICES)
    partner = SelectField(_l("Organisation partenaire représentée"), coerce=int,
                          validators=[Optional()],
                          description=_l("Seulement pour une ou un représentant."))


class InviteMemberForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254),
                                                         email_address])
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)])
    partner = SelectField(_l("Organisation partenaire représentée"), coerce=int,
                          validators=[InputRequired()])


class PlaceForm(FlaskForm):
    application = SelectField(_l("Candidature à présenter"), coerce=int,
                              validators=[InputRequired()])


OUTCOME_CHOICES = [
    (A.ADMITTED.value, _l("Admis·e")),
    (A.ADMITTED_DEROGATION.value, _l("Admis·e par dérogation (motif obligatoire)")),
    (A.WAITING_LIST.value, _l("Liste d'attente")),
    (A.REFUSED.value, _l("Refusé·e (motif obligatoire)")),
]


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Décision de la commission"), choices=OUTCOME_CHOICES,
                         validators=[InputRequired(_l("Choisissez une décision."))])
    reason = TextAreaField(_l("Motif (obligatoire pour une admission par dérogation ou un "
                              "refus)"), validators=[Optional(), Length(max=5000)])


class ReviseForm(FlaskForm):
    outcome = RadioField(_l("Nouvelle décision"), choices=OUTCOME_CHOICES,
                         validators=[InputRequired(_l("Choisissez une décision."))])
    reason = TextAreaField(_l("Motif de la modification (obligatoire)"),
                           validators=[DataRequired(_l("Indiquez le motif de la nouvelle "
                                                       "décision.")), Length(max=5000)])
    # the decision the person saw: refused if it changed meanwhile
    seen = HiddenField()
    confirm = BooleanField(_l("Je confirme : cette nouvelle décision remplace la précédente, "
                              "qui reste inscrite au procès-verbal."),
                           validators=[DataRequired(_l("Cochez la case pour confirmer la "
                                                       "modification."))])


class CloseForm(FlaskForm):
    confirm = BooleanField(_l("Je confirme : la liste est arrêtée et les décisions deviennent "
                              "définitives."),
                           validators=[DataRequired(_l("Cochez la case pour confirmer que la "
                                                       "liste est arrêtée."))])


class EnrolForm(FlaskForm):
    transversal = SelectField(_l("Cohorte du module transversal"), coerce=int,
                              validators=[Optional()])
    thematic = SelectField(_l("Cohorte du module thématique"), coerce=int,
                           validators=[Optional()])


class EnrolAllForm(FlaskForm):
    confirm = BooleanField(_l("Je confirme l'inscription de toutes les personnes admises dans "
                              "les cohortes proposées."),
                           validators=[DataRequired(_l("Cochez la case pour confirmer."))])
