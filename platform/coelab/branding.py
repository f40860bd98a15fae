"""The training organisation's name and logo on every page.

Coélab is the product; the organisation that runs it names itself with
``COELAB_ORGANISATION_NAME`` (header, window titles, footer, the printed records) and
shows its logo by putting one image file in the instance folder: ``logo.svg``,
``logo.png``, ``logo.jpg``/``logo.jpeg`` or ``logo.webp`` (the first found, in that order).
Nothing to restart for the logo: its file is looked at (one ``stat``) at each page, like
the static files of :mod:`coelab.assets`.

The logo is served at ``/organisation/logo?v=<hash>``, cached for a year under that URL.
It is an image, never a document: an SVG answer carries a CSP that runs nothing and
loads nothing, so a logo file with a script in it cannot act on the site. A file over
:data:`MAX_LOGO_BYTES` is not shown (and said once in the log): a logo is small.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    has_request_context,
    request,
    url_for,
)

from .assets import IMMUTABLE, REVALIDATE

log = logging.getLogger(__name__)

LOGO_NAMES = (("logo.svg", "image/svg+xml"), ("logo.png", "image/png"),
              ("logo.jpg", "image/jpeg"), ("logo.jpeg", "image/jpeg"),
              ("logo.webp", "image/webp"))
MAX_LOGO_BYTES = 512 * 1024
# an SVG opened by itself is a document: it may draw, never run or fetch anything
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
PRODUCT = "Coélab"

bp = Blueprint("organisation", __name__)


@dataclass(frozen=True)
class Logo:
    path: Path
    mimetype: str
    data: bytes
    version: str  # the start of the content's SHA-256


_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int], Logo | None]] = {}


def _read(path: Path, mimetype: str, stamp: tuple[int, int]) -> Logo | None:
    if stamp[0] > MAX_LOGO_BYTES:
        log.warning("the logo %s is %d bytes, over %d: not shown", path, stamp[0], MAX_LOGO_BYTES)
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return Logo(path, mimetype, data, hashlib.sha256(data).hexdigest()[:12])


def current_logo(instance_path: str | Path) -> Logo | None:
    """The instance folder's logo, or None (none there, or too large to be one)."""
    folder = Path(instance_path)
    for name, mimetype in LOGO_NAMES:
        path = folder / name
        try:
            info = path.stat()
        except OSError:
            continue
        if not path.is_file():
            continue
        stamp = (info.st_size, info.st_mtime_ns)
        with _lock:
            known = _cache.get(path)
        if known and known[0] == stamp:
            return known[1]
        logo = _read(path, mimetype, stamp)
        with _lock:
            _cache[path] = (stamp, logo)
        return logo
    return None


def organisation_name() -> str:
    return current_app.config.get("ORGANISATION_NAME") or ""


@bp.route("/organisation/logo")
def logo() -> Response:
    found = current_logo(current_app.instance_path)
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.mimetype)
    current = request.args.get("v") == found.version
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    response.set_etag(found.version)
    if found.mimetype == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _organisation() -> dict[str, object]:
        name = organisation_name()
        found = current_logo(app.instance_path)
        return {"organisation": {
            "name": name,
            # what the window titles and the header call the site
            "site": name or PRODUCT,
            # (a record printed outside a request, by a command, has no URL to name)
            "logo_url": (url_for("organisation.logo", v=found.version)
                         if found and has_request_context() else None),
        }}
