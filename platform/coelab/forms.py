"""The core's forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .models import CohortRole, ModuleScope, Parcours

PARCOURS_CHOICES = [
    ("", _l("— (formateur·rice)")),
    (Parcours.I.value, _l("Parcours I — module transversal")),
    (Parcours.II.value, _l("Parcours II — un module thématique")),
    (Parcours.III.value, _l("Parcours III — transversal et thématique")),
]


#: the top-level domain reserved so that no mail ever reaches it (RFC 2606): the demo's
#: people have addresses there (cohort/demo.py)
RESERVED_DOMAIN = ".invalid"


def email_address(form: FlaskForm, field) -> None:
    """A validator for the address of someone an account is made for or looked up by
    (an invitation, a jury, a candidate): an address mail can be sent to, trimmed.

    Outside production an address of the reserved ``.invalid`` domain is accepted too
    (it is checked with an ordinary name in its place): a newcomer trying the demo puts
    its people on a jury or a commission. In production no demo runs, and such an
    address would stand for someone who never gets their mail."""
    address = (field.data or "").strip()
    checked = address
    local, at, domain = address.rpartition("@")
    if (at and domain.lower().endswith(RESERVED_DOMAIN)
            and current_app.config.get("ENV_MODE") != "production"):
        checked = f"{local}@{domain[:-len(RESERVED_DOMAIN)]}.org"
    try:
        validate_email(checked, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_l("Cette adresse e-mail n'est pas valide : vérifiez-la "
                                 "(par exemple prenom.nom@exemple.fr).")) from None
    field.data = address


# Log-in and reset forms take the address as typed: an account exists or not, and a
# syntax check would only lock out addresses the validator happens to dislike.
class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()])
    remember = BooleanField(_l("Rester connecté·e sur cet appareil"))


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe"), validators=[DataRequired(), Length(max=200)]
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[DataRequired(), EqualTo("password", _l("Les deux mots de passe diffèrent."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])


class ProfileForm(FlaskForm):
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    # what the person does today: a practising professional on a jury counts as such
    # with it (coelab.jury.queries.composition)
    job_title = StringField(_l("Fonction actuelle"), validators=[Optional(), Length(max=200)])
    locale = SelectField(
        _l("Langue de l'interface"),
        choices=[("", _l("Celle de mon navigateur")), ("fr", "Français"), ("en", "English")],
        validators=[Optional()],
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Mot de passe actuel"), validators=[DataRequired()])
    password = PasswordField(
        _l("Nouveau mot de passe"), validators=[DataRequired(), Length(max=200)]
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[DataRequired(), EqualTo("password", _l("Les deux mots de passe diffèrent."))],
    )


class InviteMemberForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"),
                       validators=[DataRequired(), Length(max=254), email_address])
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(
        _l("Rôle dans la cohorte"),
        choices=[(CohortRole.TRAINEE.value, _l("Stagiaire")),
                 (CohortRole.TRAINER.value, _l("Formateur·rice"))],
    )
    parcours = SelectField(_l("Parcours (stagiaires)"), choices=PARCOURS_CHOICES,
                           validators=[Optional()])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.role.data == CohortRole.TRAINEE.value and not self.parcours.data:
            self.parcours.errors = [*self.parcours.errors,
                                    _l("Choisissez le parcours de la personne stagiaire.")]
            return False
        return ok


class InviteCoordinatorForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"),
                       validators=[DataRequired(), Length(max=254), email_address])
    first_name = StringField(_l("Prénom"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)])


class TeamForm(FlaskForm):
    name = StringField(_l("Nom de l'équipe"), validators=[DataRequired(), Length(max=100)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TeamMembersForm(FlaskForm):
    members = MultiCheckboxField(_l("Membres"), coerce=int, validate_choice=True)


class RolesForm(FlaskForm):
    coordinator = BooleanField(_l("Coordination"))
    admin = BooleanField(_l("Administration"))


class ConfirmForm(FlaskForm):
    """A bare form for buttons that change state (logout, remove): CSRF only."""


class CohortForm(FlaskForm):
    """A new cohort, as the core knows it (a plugin may ask for more: see
    :meth:`coelab.plugins.Plugin.cohort_creation`)."""

    name = StringField(_l("Nom de la cohorte"), validators=[DataRequired(), Length(max=200)])
    module_scope = SelectField(_l("Module suivi"), choices=[
        (ModuleScope.TRANSVERSAL.value, _l("Le module transversal")),
        (ModuleScope.THEMATIC.value, _l("Un module thématique")),
    ])
    start_date = DateField(_l("Début"), validators=[DataRequired()])
    end_date = DateField(_l("Fin"), validators=[DataRequired()])
