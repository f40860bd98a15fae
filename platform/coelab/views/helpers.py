"""Small helpers shared by the views of the core and of the plugins.

Every view that changes something goes through one of two helpers:

- :func:`submit_form` for a form shown on its own page: a refusal is shown on the form
  again, with what the user typed;
- :func:`run_action` for a button or a small form posted from another page: whatever
  happens, the outcome is flashed and the browser is redirected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, redirect
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from ..db import db
from ..models import Cohort, Membership, Team
from ..operations import OperationError

T = TypeVar("T")


def _outcome(value: str | Callable[[T], str], result: T) -> str:
    # str(): the message may be a lazy translation, which the session cannot store
    return str(value(result) if callable(value) else value)


def submit_form(
    form: FlaskForm,
    operation: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    next_url: str | Callable[[T], str],
    valid: bool | None = None,
) -> Response | None:
    """Run ``operation`` when ``form`` was posted and is valid.

    On success the ``done`` message is flashed and a redirect to ``next_url`` returned
    (post/redirect/get); when the operation refuses the change, its message joins the
    form's errors and None is returned, so that the view shows the form again with what
    the user typed. A view that checks more than the form's validators passes the
    outcome of its own validation as ``valid``.
    """
    if not (form.validate_on_submit() if valid is None else valid):
        return None
    try:
        result = operation()
    except OperationError as exc:
        form.form_errors.append(str(exc))
        return None
    flash(_outcome(done, result), "success")
    return redirect(_outcome(next_url, result))


def flash_errors(form: FlaskForm, *, labelled: bool = False) -> None:
    """Flash every error of an invalid form, to be read on the page redirected to;
    ``labelled`` puts the field's label before each of its errors."""
    for name, errors in form.errors.items():
        # the form's own errors come under None
        field = getattr(form, name, None) if isinstance(name, str) else None
        label = field.label.text if labelled and field is not None else ""
        for error in errors:
            flash(f"{label} : {error}" if label else error, "error")


def run_action(
    form: FlaskForm,
    operation: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    next_url: str | Callable[[T], str],
    failed_url: str | None = None,
    invalid: str | Callable[[FlaskForm], object] | None = flash_errors,
) -> Response:
    """Run ``operation`` for a POST-only action (a button, a small form posted from
    another page), flash the outcome and redirect: to ``next_url`` on success, to
    ``failed_url`` (by default ``next_url``) otherwise.

    When the operation refuses, its message is flashed as an error. When ``form`` is
    not valid, ``invalid`` says what to do: by default its errors are flashed; a string
    is flashed as an error instead; None says nothing; a callable receives the form (and
    may abort).
    """
    back = failed_url if failed_url is not None else next_url
    if callable(back):
        raise TypeError("run_action needs a failed_url when next_url depends on the result")
    if not form.validate_on_submit():
        if callable(invalid):
            invalid(form)
        elif invalid is not None:
            flash(str(invalid), "error")
        return redirect(back)
    try:
        result = operation()
    except OperationError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(_outcome(done, result), "success")
    return redirect(_outcome(next_url, result))


def cohort_or_404(cohort_id: int, *, teams: bool = False) -> Cohort:
    """The cohort with its memberships and their people, read in one query: the pages
    that list a cohort's trainees and trainers walk them (``Cohort.members``);
    ``teams``: its teams and their members too, in one more (the workspace lists them)."""
    query = select(Cohort).where(Cohort.id == cohort_id).options(
        joinedload(Cohort.memberships).joinedload(Membership.user))
    if teams:
        query = query.options(selectinload(Cohort.teams).joinedload(Team.members))
    cohort = next(iter(db.session.scalars(query).unique().all()), None)
    if cohort is None:
        abort(404)
    return cohort
