"""Small helpers shared by the views of the core and of the plugins."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..db import db
from ..operations import OperationError

T = TypeVar("T")


def get_or_404(model: type[T], object_id: int) -> T:
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def submit_form(
    form: FlaskForm,
    operation: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    next_url: str | Callable[[T], str],
) -> Response | None:
    """Run ``operation`` when ``form`` was posted and is valid.

    On success the ``done`` message is flashed and a redirect to ``next_url`` returned
    (post/redirect/get); when the operation refuses the change, its message joins the
    form's errors and None is returned, so that the view shows the form again with what
    the user typed.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = operation()
    except OperationError as exc:
        form.form_errors.append(str(exc))
        return None
    flash(done(result) if callable(done) else done, "success")
    return redirect(next_url(result) if callable(next_url) else next_url)


