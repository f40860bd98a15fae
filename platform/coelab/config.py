"""Configuration read from ``COELAB_*`` environment variables, with safe local defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _worker_index(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"COELAB_WORKER_INDEX must be a whole number from 1, got {raw!r}")
    return int(raw)


def _organisation_name(raw: str | None) -> str:
    """The training organisation's name (coelab.branding): one line of at most 120
    characters, or empty for none."""
    name = " ".join((raw or "").split())
    if len(name) > 120:
        raise ConfigError(f"COELAB_ORGANISATION_NAME is at most 120 characters, got {len(name)}")
    return name


def _local_secret(instance_path: Path) -> str:
    """A secret kept in the instance folder so that local sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def from_environment(instance_path: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """The settings, from the environment; nothing secret is ever read from the repo.

    ``overrides`` are the values the caller of the factory gives explicitly; a secret
    key among them satisfies the production check.
    """
    env = os.environ
    mode = str(overrides.get("ENV_MODE") or env.get("COELAB_ENV", "local")).strip().lower()
    if mode not in {"local", "production"}:
        raise ConfigError(f"COELAB_ENV must be 'local' or 'production', got {mode!r}")
    production = mode == "production"
    secret = overrides.get("SECRET_KEY") or env.get("COELAB_SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError(
                "COELAB_SECRET_KEY is not set. In production Coélab refuses to start without "
                "a secret key: set COELAB_SECRET_KEY to a long random value "
                '(python -c "import secrets; print(secrets.token_hex(32))").'
            )
        secret = _local_secret(instance_path)
    database_url = env.get("COELAB_DATABASE_URL") or f"sqlite:///{instance_path / 'coelab.db'}"
    return {
        "ENV_MODE": mode,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": env.get("COELAB_UPLOAD_FOLDER") or str(instance_path / "uploads"),
        "BASE_URL": env.get("COELAB_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_BACKEND": env.get("COELAB_MAIL_BACKEND", "smtp" if production else "console"),
        "MAIL_SENDER": env.get("COELAB_MAIL_SENDER", "Coélab <no-reply@coelab.invalid>"),
        # who signs the attestations de fin de formation, "Name, function" (cohort
        # plugin, cohort/attestation.py); unset: the issuing coordinator
        "PROGRAMME_LEAD": env.get("COELAB_PROGRAMME_LEAD", "").strip(),
        # the organisation running the site, named on every page (coelab.branding)
        "ORGANISATION_NAME": _organisation_name(env.get("COELAB_ORGANISATION_NAME")),
        "SMTP_HOST": env.get("COELAB_SMTP_HOST", "localhost"),
        "SMTP_PORT": _int("COELAB_SMTP_PORT", 25),
        "SMTP_USER": env.get("COELAB_SMTP_USER"),
        "SMTP_PASSWORD": env.get("COELAB_SMTP_PASSWORD"),
        "SMTP_STARTTLS": _bool(env.get("COELAB_SMTP_STARTTLS"), production),
        "MESSAGE_QUEUE": env.get("COELAB_MESSAGE_QUEUE"),
        "MESSAGE_QUEUE_CHANNEL": env.get("COELAB_MESSAGE_QUEUE_CHANNEL", "coelab"),
        # set by ``coelab serve --processes N`` for each of its workers (1..N): Engine.IO
        # session ids then start with "w<index>." so that nginx routes a session's
        # long-polling requests to the process that holds it (deploy/nginx.conf)
        "WORKER_INDEX": _worker_index(env.get("COELAB_WORKER_INDEX")),
        # how many proxies in front of the app set X-Forwarded-For/-Proto (nginx: 1);
        # 0 trusts none, so a client cannot forge its address when nothing is in front
        "PROXY_HOPS": _int("COELAB_PROXY_HOPS", 0),
        "RATELIMIT_STORAGE_URI": env.get("COELAB_RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": env.get("COELAB_LOGIN_RATE_LIMIT", "5 per minute"),
        "LOGIN_ADDRESS_RATE_LIMIT": env.get("COELAB_LOGIN_ADDRESS_RATE_LIMIT", "200 per hour"),
        "INVITATION_DAYS": _int("COELAB_INVITATION_DAYS", 14),
        # uploaded soutenance materials (coelab.deliverables.files): largest file accepted
        # (the whole request may be 1 MiB more: see create_app)
        "ATTACHMENT_MAX_BYTES": _int("COELAB_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024),
        "YJS_MAX_UPDATE_BYTES": _int("COELAB_YJS_MAX_UPDATE_BYTES", 2 * 1024 * 1024),
        # a client's answer to the server's sync request carries everything the server
        # lacks (a refused burst, offline work): bounded separately, and above any
        # single update (see coelab.documents.sockets)
        "YJS_MAX_SYNC_BYTES": _int("COELAB_YJS_MAX_SYNC_BYTES", 16 * 1024 * 1024),
        "YJS_UPDATES_PER_SECOND": _int("COELAB_YJS_UPDATES_PER_SECOND", 100),
        "YJS_UPDATES_BURST": _int("COELAB_YJS_UPDATES_BURST", 400),
        "YJS_COMPACT_EVERY": _int("COELAB_YJS_COMPACT_EVERY", 500),
        "SOCKET_TOKEN_SECONDS": _int("COELAB_SOCKET_TOKEN_SECONDS", 600),
        "PASSWORD_RESET_HOURS": _int("COELAB_PASSWORD_RESET_HOURS", 2),
        # server-side sessions (coelab.sessions): idle limit without "remember me", and
        # the whole life of a remembered one (its cookie lasts as long)
        "SESSION_IDLE_HOURS": _int("COELAB_SESSION_IDLE_HOURS", 12),
        "SESSION_REMEMBER_DAYS": _int("COELAB_SESSION_REMEMBER_DAYS", 30),
        # each juror's score and comments stay within the panel and the coordination;
        # an organisation may publish them to the authors once the result is released
        # (coelab.assessments.rules)
        "PUBLISH_JUROR_SCORES": _bool(env.get("COELAB_PUBLISH_JUROR_SCORES"), False),
        "SESSION_COOKIE_SECURE": _bool(env.get("COELAB_SECURE_COOKIES"), production),
        "REMEMBER_COOKIE_SECURE": _bool(env.get("COELAB_SECURE_COOKIES"), production),
    }


DEFAULTS: dict[str, Any] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    # said outright: Flask-Limiter's one limiter keeps the last app's value otherwise
    # (an app built with the limits off, in a test, left them off for the next apps)
    "RATELIMIT_ENABLED": True,
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
    "LANGUAGES": {"fr": "Français", "en": "English"},
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    "PASSWORD_MIN_LENGTH": 10,
    # argon2id parameters (RFC 9106 "second recommended" is the library default)
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    # co-editing (limits, compaction and token lifetime come from the environment):
    # limits are per user and generous, since a classroom shares one address
    "YJS_PRESENCE_TIMEOUT": 30,
    "YJS_PRESENCE_SWEEP_SECONDS": 5,
    "YJS_ROOM_IDLE_SECONDS": 600,
    "PLUGINS_EXTRA": (),
    "PLUGINS_DISABLED": (),
}
