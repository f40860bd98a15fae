"""The attestation de fin de formation on the passeport: issuing it, and its PDF. Routes of
the cohort blueprint (cohort/views.py ``bp``), registered when cohort/plugin.py imports
this module."""

from __future__ import annotations

from datetime import date, datetime

from coelab.api import (
    ConfirmForm,
    User,
    can,
    db,
    export_pdf_from_template,
    require,
    run_action,
    slugify,
)
from flask import Response, abort, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .attestation import attestation_of, issue_attestation, readiness
from .results import ParcoursResult
from .views import bp


def _person(user_id: int) -> User:
    """The trainee whose passeport this is; 404 for whoever may not see it."""
    person = db.get_or_404(User, user_id)
    if not can(current_user, "passport.view", person):
        abort(404)
    return person


@bp.route("/passeport/<int:user_id>/attestation", methods=["POST"])
@login_required
def attestation_issue(user_id: int):
    """The coordination issues the trainee's attestation (button of the passeport)."""
    person = _person(user_id)
    require("attestation.issue", person)
    back = url_for("cohort.passport", user_id=person.id)
    return run_action(
        ConfirmForm(), lambda: issue_attestation(current_user, person),
        done=_("L'attestation de fin de formation de %(name)s est délivrée.",
               name=person.full_name),
        next_url=back)


@bp.route("/passeport/<int:user_id>/attestation.pdf")
@login_required
def attestation_pdf(user_id: int):
    """The attestation as it was issued: the trainee, the coordination and the trainers
    of the trainee's cohorts (those who see the passeport)."""
    person = _person(user_id)
    attestation = attestation_of(person)
    if attestation is None:
        abort(404)
    pdf = export_pdf_from_template("cohort/attestation_print.html", attestation=attestation,
                                   c=attestation.content)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="attestation-{slugify(person.full_name)}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global()
def attestation_panel(person: User, result: ParcoursResult | None = None) -> dict:
    """For templates/cohort/_attestation.html: the attestation if issued, else the
    hours so far and why it cannot be issued yet (cohort/attestation.py, readiness)."""
    return readiness(person, result)


@bp.app_template_filter("hours_fmt")
def hours_fmt(value: float | int | None) -> str:
    """A number of hours as people write it (7, 10,5)."""
    return format_decimal(value or 0, "#,##0.##")


@bp.app_template_filter("isodate")
def isodate(value: str | None, fmt: str = "long") -> str:
    """A date stored as ISO text in an attestation's content, as people read it."""
    if not value:
        return ""
    try:
        # a datetime (when it was issued) is read in the programme's time zone
        day: date | datetime = (datetime.fromisoformat(value) if "T" in value
                                else date.fromisoformat(value))
    except ValueError:
        return value
    return format_date(day, fmt)
