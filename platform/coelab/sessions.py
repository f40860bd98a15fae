"""Server-side sessions: what the session and "remember me" cookies stand for.

Flask keeps its session in a signed cookie, which the server cannot take back: a copy
made before logout would stay valid. So the cookies carry only the key of a
``UserSession`` row (Flask-Login's "alternative id": ``User.get_id`` returns it), and
every request looks the row up. Ending the row ends every cookie that carries its key,
wherever they were copied. The README ("Security: sessions and accounts") states the rules:

- logging out ends the browser's session; the profile lists the open sessions and ends
  any of them, or all ("Se déconnecter partout");
- a password change ends every session and the browser that made it starts a new one;
  a password reset ends every session; deactivating an account ends all of them;
- a session without "remember me" lasts as long as the browser keeps its cookie and at
  most ``SESSION_IDLE_HOURS`` without a request; a remembered one at most
  ``SESSION_REMEMBER_DAYS`` after logging in.

Ended sessions are kept ``ENDED_KEPT_DAYS`` for the record, then purged.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload

from .audit import record
from .db import db, transaction, utcnow
from .models import SessionEnd, User, UserSession

log = logging.getLogger(__name__)

KEY_PREFIX = "s1."  # the format of the key in cookies, so that a bare user id never matches
ENDED_KEPT_DAYS = 30
# a script logging in again and again must not pile up sessions (nor rows): beyond this
# many, the least recently used ones end
MAX_OPEN = 30
TOUCH_EVERY = timedelta(minutes=1)  # last-seen is written at most this often per session


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _lifetime(remember: bool) -> timedelta:
    cfg = current_app.config
    if remember:
        return timedelta(days=cfg["SESSION_REMEMBER_DAYS"])
    return timedelta(hours=cfg["SESSION_IDLE_HOURS"])


def _still_valid(row: UserSession, now: datetime) -> bool:
    if row.ended_at is not None or row.expires_at <= now:
        return False
    if row.remember:
        return True
    return row.last_seen_at + _lifetime(False) > now


# --- starting and ending ----------------------------------------------------------------


def start(user: User, *, remember: bool, user_agent: str | None,
          ip_address: str | None) -> UserSession:
    """A new session for ``user``; its key is left on ``user.session_key`` for
    Flask-Login's ``login_user`` (only its hash is stored)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    with transaction():
        db.session.execute(delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.ended_at < now - timedelta(days=ENDED_KEPT_DAYS),
                UserSession.expires_at < now - timedelta(days=ENDED_KEPT_DAYS))))
        still_open = list(db.session.scalars(select(UserSession).where(
            UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))
        _end([r for r in still_open if not _still_valid(r, now)], SessionEnd.EXPIRED)
        _end([r for r in still_open if _still_valid(r, now)][MAX_OPEN - 1:],
             SessionEnd.EXPIRED)
        row = UserSession(
            user_id=user.id, key_hash=_hash(key), remember=remember, created_at=now,
            last_seen_at=now,
            # an idle session is also bounded by last-seen (see _still_valid)
            expires_at=now + (_lifetime(True) if remember else timedelta(days=ENDED_KEPT_DAYS)),
            user_agent=(user_agent or "")[:300] or None,
            ip_address=(ip_address or "")[:45] or None)
        db.session.add(row)
    user.session_key = key
    return row


def _end(rows: list[UserSession], reason: SessionEnd) -> int:
    now = utcnow()
    for row in rows:
        row.ended_at = now
        row.ended_reason = reason
    return len(rows)


def end(row: UserSession, reason: SessionEnd, actor: User | None = None) -> None:
    """End one session (logout, or its owner ending it from the profile)."""
    with transaction():
        if row.ended_at is None:
            _end([row], reason)
            if reason != SessionEnd.LOGOUT:
                record("user.session_ended", row.user, actor=actor,
                       after={"session": row.id, "reason": reason.value})


def end_all(user: User, reason: SessionEnd, actor: User | None = None) -> int:
    """End every open session of ``user``; part of the caller's transaction."""
    with transaction():
        rows = list(db.session.scalars(select(UserSession).where(
            UserSession.user_id == user.id, UserSession.ended_at.is_(None))))
        count = _end(rows, reason)
        if count and reason in (SessionEnd.LOGOUT_EVERYWHERE, SessionEnd.ENDED_BY_USER):
            record("user.sessions_ended", user, actor=actor,
                   after={"sessions": count, "reason": reason.value})
    return count


def open_sessions(user: User) -> list[UserSession]:
    now = utcnow()
    rows = db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc()))
    return [row for row in rows if _still_valid(row, now)]


# --- each request -------------------------------------------------------------------------


def load(key: str) -> User | None:
    """The active person whose open session has this key (Flask-Login's user loader)."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    # the person comes with their session and their memberships (the policy's facts
    # and the header's links read them on every page): one query for all three
    row = db.session.scalars(
        select(UserSession).where(UserSession.key_hash == _hash(key))
        .options(joinedload(UserSession.user).joinedload(User.memberships))
    ).unique().first()
    if row is None or not _still_valid(row, utcnow()):
        return None
    user = row.user
    if user is None or not user.active:
        return None
    user.session_key = key
    g.coelab_session = row
    return user


def current() -> UserSession | None:
    """The session of this request, if someone is signed in."""
    return g.get("coelab_session")


def is_open(session_id: int | None) -> bool:
    """Whether a session is still open, read afresh (sockets ask this)."""
    if session_id is None:
        return True  # no session to end: the caller authenticated otherwise
    row = db.session.get(UserSession, session_id, populate_existing=True)
    return row is not None and _still_valid(row, utcnow())


def touch() -> None:
    """Note the request on its session, at most once a minute (idle timeout, and the
    "last activity" the profile shows). Outside the request's own transaction."""
    row = current()
    if row is None or row.id is None:
        return
    now = utcnow()
    if now - row.last_seen_at < TOUCH_EVERY:
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(update(UserSession).where(
                UserSession.id == row.id, UserSession.ended_at.is_(None))
                .values(last_seen_at=now))
    except Exception:  # a busy database must not fail the page for a timestamp
        log.warning("could not note the activity of session %s", row.id, exc_info=True)


def init_app(app) -> None:
    @app.after_request
    def _touch(response):
        touch()
        return response


# --- what the profile shows ----------------------------------------------------------------

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def describe(user_agent: str | None) -> str:
    """A browser and system a person recognises ("Firefox sur Windows")."""
    agent = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in agent), None)
    system = next((name for token, name in _SYSTEMS if token in agent), None)
    if browser and system:
        return _("%(browser)s sur %(system)s", browser=browser, system=system)
    if browser or system:
        return browser or system
    short = re.sub(r"\s+", " ", agent).strip()[:60]
    return short or _("Navigateur inconnu")
