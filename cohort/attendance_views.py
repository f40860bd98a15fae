"""The attendance sheet of a gathering: a page of the cohort blueprint (cohort/views.py
``bp``), registered when cohort/plugin.py imports this module."""

from __future__ import annotations

from datetime import date

from coelab.api import Cohort, ConfirmForm, db, local_today, require, submit_form
from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .attendance import attendance_of, gathering_days, record_attendance, trainees_of
from .models import AttendanceStatus, Gathering
from .operations import setup_of
from .views import bp

FIELD_PREFIX = "mark-"


def mark_name(user_id: int, day: date) -> str:
    """The name of the radio group of one trainee on one day."""
    return f"{FIELD_PREFIX}{user_id}-{day.isoformat()}"


def posted_marks(form) -> tuple[dict[tuple[int, date], str], str | None]:
    """The marks of a posted sheet, ``{(user id, day): status}``, and an error when a
    field's name is not one the page writes (the operation checks the rest)."""
    marks: dict[tuple[int, date], str] = {}
    for name, value in form.items(multi=True):
        if not name.startswith(FIELD_PREFIX):
            continue
        user_id, _sep, day = name.removeprefix(FIELD_PREFIX).partition("-")
        try:
            key = (int(user_id), date.fromisoformat(day))
        except ValueError:
            return {}, _("La feuille envoyée est illisible : rechargez la page et "
                         "recommencez.")
        if key in marks and marks[key] != value:
            return {}, _("La feuille envoyée donne deux choix pour la même journée : "
                         "rechargez la page et recommencez.")
        marks[key] = value
    return marks, None


@bp.route("/cohorts/<int:cohort_id>/gatherings/<int:gathering_id>/attendance",
          methods=["GET", "POST"])
@login_required
def attendance(cohort_id: int, gathering_id: int):
    """Who attended each day of the gathering: the coordination records it, the
    cohort's trainers read it."""
    cohort = db.get_or_404(Cohort, cohort_id)
    require("attendance.view", cohort)
    gathering = db.session.scalar(select(Gathering).where(Gathering.id == gathering_id)
                                  .options(joinedload(Gathering.site)))
    if gathering is None or gathering.cohort_id != cohort.id:
        abort(404)
    form = ConfirmForm()
    chosen = {key: status.value for key, status in attendance_of(gathering).items()}
    if request.method == "POST":
        require("attendance.record", cohort)
        marks, error = posted_marks(request.form)
        if error:
            form.form_errors.append(error)
        else:
            chosen.update(marks)  # shown again as chosen when the sheet is refused
        done = submit_form(
            form, lambda: record_attendance(current_user, gathering, marks),
            done=lambda changed: _("Feuille de présence enregistrée.") if changed
            else _("Rien n'a changé : la feuille de présence était déjà à jour."),
            next_url=url_for("cohort.attendance", cohort_id=cohort.id,
                             gathering_id=gathering.id),
            valid=error is None and form.validate_on_submit())
        if done:
            return done
    site = gathering.site
    if site is None:  # held at the cohort's site
        setup = setup_of(cohort)
        site = setup.site if setup else None
    return render_template(
        "cohort/attendance.html", cohort=cohort, gathering=gathering, form=form,
        site=site,
        days=gathering_days(gathering), trainees=trainees_of(cohort), chosen=chosen,
        statuses=list(AttendanceStatus), today=local_today(), mark_name=mark_name)


@bp.app_template_global()
def attendance_label(status: AttendanceStatus | str | None, short: bool = False) -> str:
    """How a day's attendance reads on the pages (``short``: beside a radio button, so
    that the three choices hold on one line of a phone)."""
    labels = {
        AttendanceStatus.PRESENT: _("Présent·e"),
        AttendanceStatus.ABSENT: _("Absent·e"),
        AttendanceStatus.EXCUSED: _("Excusé·e") if short else _("Absent·e excusé·e"),
    }
    return labels.get(status, _("Non noté")) if status else _("Non noté")
