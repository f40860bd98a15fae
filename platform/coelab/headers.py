"""The security headers of every answer, computed in one place.

Flask's pages get them from an ``after_request`` hook (:func:`coelab.app.create_app`);
what python-socketio's WSGI middleware answers in front of Flask (engine.io's
long-polling under ``/socket.io/``) gets them from :class:`SecurityHeaders`, which wraps
the whole WSGI stack and adds whichever of them an answer lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

# dynamic answers (pages, polling) show someone's data: no browser or proxy keeps them
# (static files keep their own caching)
NO_STORE = ("Cache-Control", "no-store")


def security_headers(config: Mapping[str, Any], nonce: str = "") -> list[tuple[str, str]]:
    """The headers every answer carries; ``nonce`` is the page's CSP nonce for the style
    sheets the editor (CodeMirror) injects, absent outside Flask's pages."""
    styles = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy",
         "default-src 'self'; script-src 'self'; "
         f"style-src {styles}; img-src 'self' data:; "
         "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
         "form-action 'self'; base-uri 'self'"),
        # no window the app opens keeps a handle on it, and no page asks for devices
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ]
    if config.get("SESSION_COOKIE_SECURE"):
        # served over HTTPS only (that is what secure cookies say): browsers must never
        # try plain HTTP again
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


class SecurityHeaders:
    """WSGI middleware: adds to an answer each security header it does not carry yet,
    and ``Cache-Control: no-store`` when it says nothing of caching. Flask's answers
    already carry them all (the hook), so this only completes the Socket.IO
    middleware's answers, or any other made outside Flask."""

    def __init__(self, wsgi_app: Callable, config: Mapping[str, Any]):
        self.wsgi_app = wsgi_app
        self.config = config  # read at each answer: HSTS follows the live configuration

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            present = {name.lower() for name, _ in headers}
            missing = [(name, value) for name, value in
                       [*security_headers(self.config), NO_STORE]
                       if name.lower() not in present]
            return start_response(status, [*headers, *missing], exc_info)

        return self.wsgi_app(environ, start)
