"""Dates and times as people read them: "28 janvier 2027 à 10 h 00" in French, "January
28, 2027 at 10:00 AM" in English, in the user's timezone (Flask-Babel's
``BABEL_DEFAULT_TIMEZONE``). The templates use them through the ``date`` and
``datetime`` filters (:mod:`coelab.app`); messages sent by the operations call
:func:`when` directly."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _

#: French writes the hour as "10 h 00" (Lexique des règles typographiques), with plain
#: spaces as the admissions' dates have them (cohort/admissions/pipeline.py WHEN)
FRENCH_CLOCK = "H 'h' mm"


def clock(value: datetime) -> str:
    """The time of day alone: "10 h 00", "10:00 AM"."""
    locale = get_locale()
    if locale is None or locale.language == "fr":
        return format_time(value, FRENCH_CLOCK)
    return format_time(value, "short")


def when(value: datetime | None, *, short: bool = False) -> str:
    """The day and the time of a moment, without seconds or timezone: "28 janvier 2027 à
    10 h 00" (``short``: "28 janv. 2027 à 10 h 00"). Sentences add the article: "le
    %(when)s"."""
    if value is None:
        return ""
    return _("%(date)s à %(time)s", date=format_date(value, "medium" if short else "long"),
             time=clock(value))
