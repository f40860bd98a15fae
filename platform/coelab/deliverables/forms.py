"""Forms of deliverables; the detail fields are built from each kind's declaration."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from ..plugins import DeliverableKind, DetailField, Theme

FIELD_PREFIX = "detail_"


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes (easier than a multiple select, by keyboard
    and on a phone)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _module_field(field: DetailField, module: Theme, required: list[Any]) -> SelectField:
    """A ``"theme"`` field in a cohort whose thematic module is known: that module only,
    chosen already (``clean_details``, deliverables/operations.py, holds the rule; this
    says it on the form, by the field, for a post that names another)."""
    hint = _l("Le module thématique que suit la cohorte : c'est la thématique de ce travail.")
    return SelectField(
        field.label, choices=[(module.code, f"{module.code} — {module.label}")],
        validate_choice=False, description=f"{field.help} {hint}" if field.help else hint,
        validators=[*required, AnyOf([module.code], message=_l(
            "Seul le module thématique que suit la cohorte est possible : %(values)s."))])


def _wtf_field(field: DetailField, themes: list[Theme], module: Theme | None = None) -> Any:
    required = [DataRequired()] if field.required else [Optional()]
    kw: dict[str, Any] = {"description": field.help or ""}
    if field.type == "theme" and module is not None:
        return _module_field(field, module, required)
    if field.type == "text":
        return StringField(field.label, validators=[*required, Length(max=field.max_length)],
                           **kw)
    if field.type == "textarea":
        return TextAreaField(field.label,
                             validators=[*required, Length(max=field.max_length)], **kw)
    if field.type == "themes":
        return CheckboxesField(field.label, choices=[(t.code, f"{t.code} — {t.label}")
                                                     for t in themes],
                               validators=required, **kw)
    if field.type == "theme":
        choices = [(t.code, f"{t.code} — {t.label}") for t in themes]
    else:
        choices = list(field.choices)
    return SelectField(field.label, choices=[("", _l("— choisir —")), *choices],
                       validators=required, **kw)


def details_form(kind: DeliverableKind, themes: list[Theme], *, with_title: bool = True,
                 data: dict[str, Any] | None = None,
                 module: Theme | None = None) -> FlaskForm:
    """A form with the deliverable's title and its kind's detail fields. ``module``: the
    thematic module the cohort follows (``cohort_theme``, deliverables/operations.py),
    the only choice of a ``"theme"`` field when known."""

    class DetailsForm(FlaskForm):
        pass

    if with_title:
        DetailsForm.title = StringField(_l("Titre"), validators=[DataRequired(),
                                                                   Length(max=300)])
    for field in kind.fields:
        setattr(DetailsForm, FIELD_PREFIX + field.name, _wtf_field(field, themes, module))
    initial = {FIELD_PREFIX + k: v for k, v in (data or {}).items() if k != "title"}
    if module is not None:
        # a value stored before the rule held shows (and saves) as the cohort's module
        initial.update({FIELD_PREFIX + f.name: module.code for f in kind.fields
                        if f.type == "theme"})
    if data and "title" in data:
        initial["title"] = data["title"]
    return DetailsForm(data=initial)


def details_of(form: FlaskForm, kind: DeliverableKind) -> dict[str, Any]:
    return {f.name: getattr(form, FIELD_PREFIX + f.name).data for f in kind.fields}


def grouped_fields(form: FlaskForm, kind: DeliverableKind) -> list[tuple[Any, list[Any]]]:
    """The form's detail fields in (group heading, fields) blocks, in the kind's order."""
    groups: list[tuple[Any, list[Any]]] = []
    for field in kind.fields:
        if not groups or groups[-1][0] != field.group:
            groups.append((field.group, []))
        groups[-1][1].append(getattr(form, FIELD_PREFIX + field.name))
    return groups


class StartForm(FlaskForm):
    """Staff starting a deliverable for a team or a trainee choose whom for."""

    authors = SelectField(_l("Pour"), coerce=str, validators=[InputRequired()])


class ScheduleForm(FlaskForm):
    due_date = DateField(_l("Échéance"), validators=[Optional()])
    authorship = SelectField(_l("Rédigé"), validators=[Optional()])
    reason = StringField(_l("Motif du changement d'échéance"),
                         validators=[Optional(), Length(max=500)])


class ExtensionForm(FlaskForm):
    due_date = DateField(_l("Nouvelle échéance"), validators=[InputRequired()])
    reason = TextAreaField(_l("Motif du report"), validators=[DataRequired(),
                                                              Length(max=2000)])


class AttachmentForm(FlaskForm):
    file = FileField(_l("Fichier"), validators=[FileRequired(_l("Choisissez un fichier."))])


class SubmitForm(FlaskForm):
    """The confirmation of a submission: the co-authors as listed, and the statement."""

    authors = StringField(widget=widgets.HiddenInput())
    statement = BooleanField(_l("J'accepte cette déclaration"))


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Message aux auteurs"), validators=[Optional(),
                                                                  Length(max=5000)])
