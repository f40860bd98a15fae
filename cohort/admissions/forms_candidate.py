"""Forms of the candidate's side: signing up, the dossier, its attachments, withdrawing.

What a form accepts is checked again by the operations (cohort/admissions/candidacy.py);
the form's part is to say, next to each field, what is wrong, and to keep what was typed.
"""

from __future__ import annotations

from typing import Any

from coelab.api import email_address
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..models import Funding
from .candidacy import MONTHS_MAX, TEXT_MAX
from .models import AttachmentCategory


def no_nul(value: Any) -> Any:
    """PostgreSQL refuses NUL characters in text, and no one types them."""
    return value.replace("\x00", "") if isinstance(value, str) else value


def int_or_none(value: Any) -> int | None:
    """A select's value: "" is no answer."""
    if value is None or value == "":
        return None
    return int(value)


class ApplyForm(FlaskForm):
    first_name = StringField(_l("Prénom"), filters=[no_nul],
                             validators=[DataRequired(_l("Indiquez votre prénom.")),
                                         Length(max=100)])
    last_name = StringField(_l("Nom"), filters=[no_nul],
                            validators=[DataRequired(_l("Indiquez votre nom.")),
                                        Length(max=100)])
    email = EmailField(_l("Adresse e-mail"), filters=[no_nul],
                       validators=[DataRequired(_l("Indiquez votre adresse e-mail.")),
                                   Length(max=254), email_address])


YES_NO = [("yes", _l("Oui")), ("no", _l("Non"))]
PARCOURS_CHOICES = [
    ("I", _l("Parcours I — le module transversal")),
    ("II", _l("Parcours II — un module thématique")),
    ("III", _l("Parcours III — le module transversal et un module thématique")),
]
FUNDING_CHOICES = [
    (Funding.EMPLOYED.value, _l("Je suis salarié·e (mon employeur ou moi-même payons le "
                                "reste à charge)")),
    (Funding.JOB_SEEKER.value, _l("Je suis demandeur·se d'emploi (la formation est "
                                  "gratuite)")),
    (Funding.OTHER.value, _l("Autre situation (financement personnel, compte personnel "
                             "de formation…)")),
]
LEVEL_CHOICES = [
    ("", _l("— Choisissez —")),
    ("3", _l("Niveau 3 (CAP, BEP) ou pas de diplôme")),
    ("4", _l("Niveau 4 (baccalauréat, brevet professionnel, BPJEPS…)")),
    ("5", _l("Niveau 5 (BTS, DUT, DEUST…)")),
    ("6", _l("Niveau 6 (licence, licence professionnelle, bachelor, CAFERUIS…)")),
    ("7", _l("Niveau 7 (master, diplôme d'ingénieur, CAFDES…)")),
    ("8", _l("Niveau 8 (doctorat)")),
]
SESSION_CHOICES = [("", _l("Pas de préférence")), ("1", _l("Session 1")),
                   ("2", _l("Session 2")), ("3", _l("Session 3"))]

TEXT = [Optional(), Length(max=TEXT_MAX, message=_l(
    "%(max)d caractères au plus : raccourcissez votre texte."))]
YEARS = [Optional(), NumberRange(min=0, max=50, message=_l("Entre 0 et 50 ans."))]
MONTHS = [Optional(), NumberRange(min=0, max=11, message=_l("Entre 0 et 11 mois."))]

#: the dossier's fields as the form names them → the application's columns
COLUMNS = {
    "situation": "situation", "employer": "employer", "job_title": "job_title",
    "career": "career", "education": "education", "highest_diploma": "highest_diploma",
    "motivation": "motivation", "parcours": "parcours",
    "thematic_module": "thematic_module_id", "site": "site_id",
    "session_number": "session_number", "funding": "funding", "in_sector": "in_sector",
    "diploma_level": "diploma_level", "job_seeker": "job_seeker", "mobility": "mobility",
    "derogation_project": "derogation_project",
}
#: durations typed as years and months → months
DURATIONS = {"management_months": ("management_years", "management_extra_months"),
             "volunteering_months": ("volunteering_years", "volunteering_extra_months")}
BOOLEAN_FIELDS = ("in_sector", "job_seeker", "mobility")


class DossierForm(FlaskForm):
    """The dossier, section by section (templates/cohort/admissions/candidate/dossier.html).
    The view sets the choices of the thematic module and of the site."""

    # 1. the fiche descriptive
    situation = TextAreaField(
        _l("Votre situation actuelle"), filters=[no_nul], validators=TEXT,
        description=_l("Votre poste et vos missions aujourd'hui, ou votre situation si "
                       "vous n'êtes pas en poste."))
    employer = StringField(
        _l("Votre employeur, ou votre statut"), filters=[no_nul],
        validators=[Optional(), Length(max=200)],
        description=_l("Le nom de votre structure, ou par exemple « demandeuse d'emploi "
                       "depuis mars »."))
    job_title = StringField(_l("Votre fonction (facultatif)"), filters=[no_nul],
                            validators=[Optional(), Length(max=200)])
    career = TextAreaField(
        _l("Votre parcours professionnel"), filters=[no_nul], validators=TEXT,
        description=_l("Les postes que vous avez occupés, avec les années, et les "
                       "responsabilités d'encadrement que vous avez exercées."))
    education = TextAreaField(
        _l("Votre formation initiale et continue"), filters=[no_nul], validators=TEXT,
        description=_l("Vos études, vos diplômes et les formations suivies au cours de "
                       "votre vie professionnelle."))
    highest_diploma = StringField(
        _l("L'intitulé de votre diplôme le plus élevé"), filters=[no_nul],
        validators=[Optional(), Length(max=300)],
        description=_l("Par exemple « Licence de sciences de l'éducation (2012) ». Si "
                       "vous n'avez pas de diplôme, écrivez « aucun »."))
    # 2. the lettre de motivation
    motivation = TextAreaField(_l("Votre lettre de motivation"), filters=[no_nul],
                               validators=TEXT)
    # 3. the training wanted
    parcours = RadioField(_l("Le parcours que vous souhaitez suivre"),
                          choices=PARCOURS_CHOICES, validators=[Optional()])
    thematic_module = SelectField(
        _l("Le module thématique choisi (parcours II et III)"), coerce=int_or_none,
        validators=[Optional()],
        description=_l("Seulement pour les parcours II et III ; il n'est pas gardé pour "
                       "le parcours I."))
    site = SelectField(_l("Le site où vous souhaitez vous former"), coerce=int_or_none,
                       validators=[Optional()])
    session_number = SelectField(_l("La session souhaitée"), coerce=int_or_none,
                                 choices=SESSION_CHOICES, validators=[Optional()])
    funding = RadioField(_l("Votre situation pour le financement"),
                         choices=FUNDING_CHOICES, validators=[Optional()])
    # 4. the facts the access profiles read
    in_sector = RadioField(
        _l("Travaillez-vous dans le champ de l'intervention sociale, médicosociale ou "
           "socioculturelle ?"), choices=YES_NO, validators=[Optional()])
    management_years = IntegerField(_l("Années"), validators=YEARS)
    management_extra_months = IntegerField(_l("et mois"), validators=MONTHS)
    diploma_level = SelectField(_l("Le niveau de votre diplôme le plus élevé"),
                                coerce=int_or_none, choices=LEVEL_CHOICES,
                                validators=[Optional()])
    job_seeker = RadioField(_l("Êtes-vous demandeur·se d'emploi ?"), choices=YES_NO,
                            validators=[Optional()])
    mobility = RadioField(
        _l("Êtes-vous en mobilité professionnelle (un changement de métier ou de "
           "secteur) ?"), choices=YES_NO, validators=[Optional()])
    volunteering_years = IntegerField(_l("Années"), validators=YEARS)
    volunteering_extra_months = IntegerField(_l("et mois"), validators=MONTHS)
    derogation_project = TextAreaField(
        _l("Votre projet professionnel ou bénévole"), filters=[no_nul], validators=TEXT,
        description=_l("Expliquez ce que vous voulez faire après la formation et en quoi "
                       "elle vous y aidera : la commission d'admission en tient compte "
                       "pour accorder la dérogation."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for years_name, extra_name in DURATIONS.values():
            years, extra = getattr(self, years_name), getattr(self, extra_name)
            total = _months(years.data, extra.data)
            if not years.errors and not extra.errors and total is not None \
                    and total > MONTHS_MAX:
                years.errors = [*years.errors, _l("50 ans au plus.")]
                ok = False
        return ok

    def fill(self, application: Any) -> None:
        """Show the application as saved (on a GET)."""
        for name, column in COLUMNS.items():
            value = getattr(application, column)
            if name in BOOLEAN_FIELDS:
                value = None if value is None else ("yes" if value else "no")
            elif hasattr(value, "value"):  # an enum
                value = value.value
            getattr(self, name).data = value
        for column, (years_name, extra_name) in DURATIONS.items():
            months = getattr(application, column)
            getattr(self, years_name).data = None if months is None else months // 12
            getattr(self, extra_name).data = None if months is None else months % 12

    def valid_values(self) -> dict[str, Any]:
        """The answers that passed their checks, by column, for the draft: a wrong
        answer is left as it was saved, shown with its error, the rest is kept."""
        values: dict[str, Any] = {}
        for name, column in COLUMNS.items():
            field = getattr(self, name)
            if field.errors:
                continue
            value = field.data
            if name in BOOLEAN_FIELDS:
                value = {"yes": True, "no": False}.get(value)
            elif isinstance(value, str) and not value.strip():
                value = None
            values[column] = value
        for column, (years_name, extra_name) in DURATIONS.items():
            years, extra = getattr(self, years_name), getattr(self, extra_name)
            if not years.errors and not extra.errors:
                values[column] = _months(years.data, extra.data)
        return values


def _months(years: int | None, months: int | None) -> int | None:
    """Years and months as months; None when neither is given."""
    if years is None and months is None:
        return None
    return (years or 0) * 12 + (months or 0)


CATEGORY_CHOICES = [
    (AttachmentCategory.CV.value, _l("CV")),
    (AttachmentCategory.DIPLOMA.value, _l("Diplôme ou attestation de formation")),
    (AttachmentCategory.OTHER.value, _l("Autre pièce")),
]


class AttachmentForm(FlaskForm):
    category = SelectField(_l("Type de pièce"), choices=CATEGORY_CHOICES)
    file = FileField(_l("Fichier"), validators=[FileRequired(_l("Choisissez un fichier."))])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Pourquoi retirez-vous votre candidature ? (facultatif)"),
                           filters=[no_nul], validators=[Optional(), Length(max=2000)])
