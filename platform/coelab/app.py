"""The application factory."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import date, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask_babel import format_date, format_datetime, lazy_gettext
from flask_login import current_user
from jinja2 import FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets, branding, frame, sessions
from . import config as config_module
from .core_plugin import CorePlugin
from .dates import clock, when
from .db import db
from .documents import fanout, frames, sockets  # the socket handlers register on import
from .documents.rooms import init_rooms
from .errors import register_error_handlers
from .extensions import babel, csrf, limiter, login_manager, socketio
from .headers import NO_STORE, SecurityHeaders, security_headers
from .i18n import select_locale
from .plugins import init_plugins, registry
from .policy import can_current

log = logging.getLogger(__name__)


def _templates_path() -> str:
    """The shared ``templates/`` folder, installed as the ``coelab_templates`` package."""
    return str(files("coelab_templates"))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a Coélab app; ``config`` overrides what the environment gives."""
    instance_path = Path(
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("COELAB_INSTANCE_PATH")
        or Path.cwd() / "instance"
    ).resolve()
    app = Flask(
        "coelab",
        instance_path=str(instance_path),
        instance_relative_config=True,
        static_folder=str(files("coelab") / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.jinja_loader = FileSystemLoader(_templates_path())
    overrides = dict(config or {})
    app.config.from_mapping(config_module.DEFAULTS)
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path), overrides))
    app.config.from_mapping(overrides)
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(
        days=app.config["SESSION_REMEMBER_DAYS"])
    # a request carrying the largest attachment allowed, with its form, must get through
    app.config["MAX_CONTENT_LENGTH"] = max(app.config["MAX_CONTENT_LENGTH"],
                                           app.config["ATTACHMENT_MAX_BYTES"] + 1024 * 1024)
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(files("coelab") / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    sessions.init_app(app)

    # in-process fan-out (no message queue): broadcasts framed once for every recipient
    manager = {} if app.config.get("MESSAGE_QUEUE") else {
        "client_manager": fanout.FramingManager()}
    socketio.init_app(
        app,
        **manager,
        message_queue=app.config.get("MESSAGE_QUEUE"),
        channel=app.config["MESSAGE_QUEUE_CHANNEL"],
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE") or _async_mode(),
        namespaces="*",
        # an engine.io message may hold a sync answer of the maximum size, base64 or
        # not: anything up to it reaches the handlers, which answer an oversized update
        # with an error event rather than a closed connection
        max_http_buffer_size=2 * max(app.config["YJS_MAX_UPDATE_BYTES"],
                                     app.config["YJS_MAX_SYNC_BYTES"]) + 64 * 1024,
    )
    if app.config.get("WORKER_INDEX"):
        _route_sessions_to(socketio.server.eio, app.config["WORKER_INDEX"])
    # engine.io's long-polling is answered by the Socket.IO middleware, in front of
    # Flask: its answers get the pages' security headers from this one
    app.wsgi_app = SecurityHeaders(app.wsgi_app, app.config)
    if app.config.get("PROXY_HOPS", 0) > 0:
        # behind nginx every request comes from 127.0.0.1: the per-address log-in limit
        # and the sessions' addresses need the client's, which nginx forwards
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    sockets.register_server_handlers(socketio.server)
    fanout.install(socketio.server)
    frames.install(socketio.server)  # after fanout: it wraps the transport fanout chose
    init_rooms(app)


    # the core's tables join the metadata in CorePlugin.import_models, as a plugin's do
    init_plugins(app, CorePlugin())
    register_error_handlers(app)
    # static files: compressed variants, content-hashed URLs cached for a year
    assets.init_app(app)
    branding.init_app(app)
    _template_helpers(app)
    app.jinja_env.add_extension("coelab.documents.ui_strings.UiStringsExtension")
    return app


def _route_sessions_to(eio, index: int) -> None:
    """Start every Engine.IO session id of this worker with ``w<index>.``: a long-polling
    client names its session in each request (``?sid=``), and nginx sends the request to
    the worker that holds it (deploy/nginx.conf, ``map $arg_sid``)."""
    generate = eio.generate_id
    prefix = f"w{index}."
    eio.generate_id = lambda: prefix + generate()


def _async_mode() -> str:
    """gevent when the process was patched for it (``coelab serve``), else threading
    (tests, shell commands)."""
    try:
        from gevent import monkey  # noqa: PLC0415 - gevent only where installed
    except ImportError:  # pragma: no cover - gevent is a dependency
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


@login_manager.user_loader
def _load_user(session_key: str):
    return sessions.load(session_key)


def _template_helpers(app: Flask) -> None:
    login_manager.login_message = lazy_gettext("Connectez-vous pour accéder à cette page.")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        if "nav" not in g:
            # a person's header links, kept like their counts (coelab.frame): they
            # change with their roles, seats and applications, that is with a write
            g.nav = (frame.kept("navigation", current_user.id,
                                lambda: tuple(registry().collect("navigation", current_user)))
                     if current_user.is_authenticated
                     else registry().collect("public_navigation"))
        nav = g.nav
        return {"can": can_current, "nav_links": nav, "current_locale": select_locale()}

    @app.template_filter("date")
    def _date(value: date | None, fmt: str = "long") -> str:
        return format_date(value, fmt) if value else ""

    @app.template_filter("datetime")
    def _datetime(value: datetime | None, fmt: str | None = None) -> str:
        """ "28 janvier 2027 à 10 h 00" (coelab.dates.when), ``fmt="short"`` for "28 janv.
        2027 à 10 h 00", or a Babel pattern."""
        if not value:
            return ""
        if fmt is None or fmt == "long":
            return when(value)
        if fmt == "short":
            return when(value, short=True)
        return format_datetime(value, fmt)

    @app.template_filter("time")
    def _time(value: datetime | None) -> str:
        return clock(value) if value else ""

    @app.before_request
    def _csp_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def _nonce() -> dict[str, Any]:
        return {"csp_nonce": g.get("csp_nonce", "")}

    @app.after_request
    def _security_headers(response):
        # the same headers as the answers made outside Flask (coelab.headers); the
        # editor (CodeMirror) injects its style sheets with this per-request nonce
        for name, value in security_headers(app.config, g.get("csp_nonce", "")):
            response.headers.setdefault(name, value)
        # a page may show someone's data, any answer may set the session cookie: none
        # is stored by the browser or a proxy, unless its view said how to cache it;
        # static files stay cacheable
        if request.endpoint != "static":
            response.headers.setdefault(*NO_STORE)
        return response
