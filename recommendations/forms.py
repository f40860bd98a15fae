"""Forms of the recommendations plugin (Flask-WTF: posted forms carry a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .operations import MESSAGE_MAX, REASON_MAX, TITLE_MAX


class ProposeForm(FlaskForm):
    title = StringField(_l("Intitulé de la recommandation"),
                        validators=[DataRequired(), Length(max=TITLE_MAX)])
    theme = SelectField(_l("Thématique"), validators=[DataRequired()])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Votre message"), validators=[DataRequired(), Length(max=MESSAGE_MAX)])


class SetAsideForm(FlaskForm):
    reason = TextAreaField(_l("Pourquoi l'écarter ?"),
                           validators=[DataRequired(), Length(max=REASON_MAX)])


class CorpusSearchForm(FlaskForm):
    """Read from the query string: a search changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Rechercher"), validators=[Optional(), Length(max=200)])
    theme = SelectField(_l("Thématique"), validators=[Optional()])
