"""Forms of co-edited documents."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class NewDocumentForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(), Length(max=300)])
    team = SelectField(_l("Écrit par"), coerce=int, validators=[Optional()])


class VersionForm(FlaskForm):
    label = StringField(_l("Nom de la version"), validators=[Optional(), Length(max=200)])
