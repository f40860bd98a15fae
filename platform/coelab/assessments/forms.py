"""Forms of the competency framework, rubric editing and assessments."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class BlockForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    position = IntegerField(_l("Ordre d'affichage"), default=0,
                            validators=[Optional(), NumberRange(min=0, max=10000)])


class CompetencyForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


def criterion_form(criterion: dict[str, Any], formdata: Any = None) -> FlaskForm:
    """The form of one criterion of a rubric: its texts, weight, competencies, and the
    label and description of each of its levels."""

    class CriterionForm(FlaskForm):
        title = StringField(_l("Intitulé"), validators=[DataRequired(), Length(max=300)])
        description = TextAreaField(_l("Description"),
                                    validators=[Optional(), Length(max=2000)])
        weight = IntegerField(_l("Poids"), validators=[DataRequired(),
                                                       NumberRange(min=1, max=100)])
        competencies = StringField(
            _l("Compétences évaluées (codes séparés par des virgules)"),
            validators=[Optional(), Length(max=1000)])

    for i, _level in enumerate(criterion["levels"]):
        setattr(CriterionForm, f"level_{i}_label", StringField(
            _l("Niveau %(n)s : intitulé", n=i + 1),
            validators=[DataRequired(), Length(max=100)]))
        setattr(CriterionForm, f"level_{i}_description", TextAreaField(
            _l("Niveau %(n)s : description", n=i + 1),
            validators=[Optional(), Length(max=2000)]))
    data = {"title": criterion["title"], "description": criterion.get("description", ""),
            "weight": criterion["weight"],
            "competencies": ", ".join(criterion.get("competencies", []))}
    for i, level in enumerate(criterion["levels"]):
        data[f"level_{i}_label"] = level["label"]
        data[f"level_{i}_description"] = level.get("description", "")
    kwargs = {} if formdata is not None else {"formdata": None}
    return CriterionForm(prefix=f"c-{criterion['key']}", data=data, **kwargs)


def assessment_form(criteria: list[dict[str, Any]], data: dict[str, Any] | None = None,
                    formdata: bool = True) -> FlaskForm:
    """A level (radio buttons) and an optional comment per criterion, and an overall
    comment. Levels are optional here: submitting checks that none is missing."""

    class AssessmentForm(FlaskForm):
        overall = TextAreaField(_l("Appréciation générale"),
                                validators=[Optional(), Length(max=10000)])

    for c in criteria:
        setattr(AssessmentForm, f"level_{c['key']}", RadioField(
            c["title"], choices=[(str(i), lv["label"]) for i, lv in enumerate(c["levels"])],
            validators=[Optional()]))
        setattr(AssessmentForm, f"comment_{c['key']}", TextAreaField(
            _l("Commentaire (facultatif)"), validators=[Optional(), Length(max=5000)]))
    kwargs = {} if formdata else {"formdata": None}
    return AssessmentForm(prefix="a", data=data or {}, **kwargs)
