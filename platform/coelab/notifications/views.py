"""A person's notifications: the list, and marking them read."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import frame
from ..db import db
from . import operations as ops
from .models import Notification

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _unread() -> dict:
    def unread_notifications() -> int:
        """The header's count, only when a page shows it: kept between requests until
        the next write (coelab.frame; reading a notification is one)."""
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            user = current_user._get_current_object()
            g.unread_notifications = frame.kept("unread", user.id,
                                                lambda: ops.unread_count(user))
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


def _own(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.route("/notifications")
@login_required
def index():
    return render_template("coelab/notifications/index.html",
                           notifications=ops.notifications_of(current_user))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    notification = _own(notification_id)
    ops.mark_read(current_user, notification)
    target = notification.url if ops.is_app_path(notification.url) else None
    return redirect(request.script_root + target if target
                    else url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    ops.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
