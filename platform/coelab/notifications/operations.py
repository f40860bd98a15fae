"""Telling people: a row in their notifications, and the same by e-mail.

:func:`notify` is called once the step it tells about has committed: neither a failed
row nor a failed mail ever undoes that step; both are logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..db import db, transaction, utcnow
from ..mail import send_mail
from ..models import User
from .models import Notification

log = logging.getLogger(__name__)


def app_path(endpoint: str, **values) -> str:
    """The path of a page inside the app, for a notification's link."""
    return current_app.url_map.bind("coelab.invalid").build(endpoint, values)


def is_app_path(url: str) -> bool:
    return (isinstance(url, str) and url.startswith("/") and not url.startswith("//")
            and "\\" not in url and len(url) <= 500)


def notify(people: Iterable[User], subject: str, body: str, url: str,
           mail: bool = True) -> list[Notification]:
    """One notification per person (each once), then the e-mail to each whose account
    is active (an invited juror finds theirs when they first log in)."""
    if not is_app_path(url):
        raise ValueError(f"a notification links to a path inside the app, not {url!r}")
    recipients: dict[int, User] = {}
    for person in people:
        if person is not None and person.id not in recipients:
            recipients[person.id] = person
    if not recipients:
        return []
    subject, body = subject.strip()[:300], (body or "").strip()
    rows = [Notification(user_id=uid, subject=subject, body=body, url=url)
            for uid in recipients]
    try:
        with transaction():
            db.session.add_all(rows)
    except Exception:  # noqa: BLE001 - the step stands; the failure is logged
        log.exception("could not store the notification %r", subject)
        rows = []
    if mail:
        link = current_app.config["BASE_URL"] + url
        text = "\n\n".join(p for p in (body, _("Voir sur Coélab : %(url)s", url=link)) if p)
        for person in recipients.values():
            if not person.active:
                continue
            try:
                send_mail(person.email, subject, text)
            except Exception:  # noqa: BLE001 - the step stands; the mail is logged
                log.exception("could not mail %s", person.email)
    return rows


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def notifications_of(user: User, limit: int = 200) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.created_at.desc(),
                                                  Notification.id.desc()).limit(limit)))


def mark_read(user: User, notification: Notification) -> None:
    if notification.user_id != user.id:
        raise PermissionError("someone else's notification")
    if notification.read_at is not None:
        return
    with transaction():
        db.session.execute(update(Notification).where(
            Notification.id == notification.id, Notification.read_at.is_(None))
            .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.refresh(notification)


def mark_all_read(user: User) -> int:
    with transaction():
        result = db.session.execute(update(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount
