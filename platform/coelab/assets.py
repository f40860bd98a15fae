"""Static files that load fast: compressed, and cached for a year under a versioned URL.

:func:`init_app` replaces the view of Flask's ``static`` endpoint and adds a URL default:

- ``url_for('static', filename=...)`` carries ``?v=<12 hex>``, the start of the SHA-256
  of the file's content (no template names it). An answer to the current version is
  ``Cache-Control: public, max-age=31536000, immutable``: the browser never asks again,
  and the next build, whose content differs, has another URL. Without ``v``, or with
  another one (a page rendered before a deployment), the answer is ``no-cache``: stored,
  revalidated at each use (its ETag, the content's hash, gets a 304).
- The answer is the variant the browser accepts (``Accept-Encoding``): brotli, gzip or
  the file itself, with ``Content-Encoding`` and ``Vary: Accept-Encoding``. The build
  (frontend/build.mjs) writes ``editor.js.br`` and ``editor.js.gz`` beside the bundle;
  any other text file (the style sheets) is gzipped here, once, and kept in memory.
  Nothing is compressed per request.

A file's hash and compressed copy are remembered with its size and modification time,
and computed again when they change (one ``stat`` per use): ``npm run build`` while
``coelab serve`` runs is seen at the next page. In production, nginx can serve the
same files (README, "Operations": ``gzip_static``, ``brotli_static``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import mimetypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, current_app, request, send_file
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
VERSION_ARG = "v"
# types worth compressing; images and fonts are compressed already
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
# files compressed in memory at most this large (the bundle comes precompressed)
MEMORY_LIMIT = 1024 * 1024
# how much older than its source a precompressed file may be (see _fresh_variant); the
# build removes them before it starts, so that no stale one lasts
COPY_TOLERANCE_NS = 10 * 10**9
# preferred first when the browser weighs them alike
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


@dataclass(frozen=True)
class _Entry:
    stamp: tuple[int, int]  # size, mtime in nanoseconds
    digest: str
    gzipped: bytes | None  # in-memory gzip for small text files without a .gz beside them


class StaticAssets:
    """What is known of the files of one static folder, keyed by their path."""

    def __init__(self, folder: str):
        self.folder = folder
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def path_of(self, filename: str) -> str | None:
        """The file's path in the folder, or None (outside it, absent, a directory)."""
        path = safe_join(self.folder, filename)
        return path if path and os.path.isfile(path) else None

    def entry(self, path: str) -> _Entry:
        stat = os.stat(path)
        stamp = (stat.st_size, stat.st_mtime_ns)
        entry = self._entries.get(path)
        if entry is None or entry.stamp != stamp:
            data = Path(path).read_bytes()
            gzipped = None
            if (compressible(path) and len(data) <= MEMORY_LIMIT
                    and not _fresh_variant(path + ".gz", stat.st_mtime_ns)):
                gzipped = gzip.compress(data, compresslevel=9, mtime=0)
            entry = _Entry(stamp, hashlib.sha256(data).hexdigest()[:12], gzipped)
            with self._lock:
                self._entries[path] = entry
        return entry

    def version(self, filename: str) -> str | None:
        path = self.path_of(filename)
        return self.entry(path).digest if path else None


def compressible(path: str) -> bool:
    mimetype, encoding = mimetypes.guess_type(path)
    # a compressed file itself (editor.js.br asked for by its name) is left as it is
    return encoding is None and (mimetype or "").startswith(COMPRESSIBLE)


def _mimetype(path: str) -> str:
    mimetype, encoding = mimetypes.guess_type(path)
    return mimetype if mimetype and encoding is None else "application/octet-stream"


def _fresh_variant(path: str, source_mtime_ns: int) -> bool:
    """Whether a precompressed file exists and is not older than its source (a bundle
    rebuilt by other means than frontend/build.mjs leaves stale ones behind). A few
    seconds older is still fresh: a copy of the folder (``cp -r``, in directory order)
    may write the compressed files just before the bundle."""
    try:
        return os.stat(path).st_mtime_ns >= source_mtime_ns - COPY_TOLERANCE_NS
    except OSError:
        return False


def _quality(encoding: str) -> float:
    """How much the request's ``Accept-Encoding`` wants ``encoding`` (0: not at all);
    werkzeug's parser never fails, whatever the header holds."""
    try:
        return request.accept_encodings.quality(encoding)
    except (ValueError, TypeError):  # pragma: no cover - defensive
        return 0.0


def _choose(path: str, entry: _Entry) -> tuple[str | None, str | bytes]:
    """The encoding to answer with (None: the file itself) and its file or bytes."""
    if not compressible(path):
        return None, path
    mtime = entry.stamp[1]
    best: tuple[float, str | None, str | bytes] = (0.0, None, path)
    for encoding, suffix in ENCODINGS:
        quality = _quality(encoding)
        if quality <= best[0]:
            continue
        if _fresh_variant(path + suffix, mtime):
            best = (quality, encoding, path + suffix)
        elif encoding == "gzip" and entry.gzipped is not None:
            best = (quality, encoding, entry.gzipped)
    return best[1], best[2]


def serve_static(filename: str) -> Response:
    """The ``static`` endpoint's view."""
    assets: StaticAssets = current_app.extensions["coelab_assets"]
    path = assets.path_of(filename)
    if path is None:
        abort(404)
    entry = assets.entry(path)
    encoding, body = _choose(path, entry)
    response = send_file(
        io.BytesIO(body) if isinstance(body, bytes) else body,
        mimetype=_mimetype(path),
        download_name=os.path.basename(path),
        # one ETag per variant: a cache never takes one encoding's 304 for another's
        etag=f"{entry.digest}-{encoding}" if encoding else entry.digest,
        last_modified=entry.stamp[1] / 1e9,
        conditional=True,
        max_age=None,
    )
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if compressible(path):
        response.vary.add("Accept-Encoding")
    current = request.args.get(VERSION_ARG) == entry.digest
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    response.headers.pop("Expires", None)
    return response


class _StaticFilesCookieless(SecureCookieSessionInterface):
    """Flask's session cookies, except on static files: their answers, kept by browsers
    (and shared caches: ``public``) for a year, never set a cookie, and do not vary by
    the cookie (Flask-Login reads the session after every request, which made every
    answer ``Vary: Cookie``: the cached bundle would be fetched again whenever the
    session cookie changed, at each new log-in)."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint != "static":
            super().save_session(app, session, response)


def init_app(app: Flask) -> StaticAssets | None:
    """Serve ``app``'s static folder through :func:`serve_static`, with versioned URLs."""
    if not app.has_static_folder or "static" not in app.view_functions:
        return None
    assets = StaticAssets(str(app.static_folder))
    app.extensions["coelab_assets"] = assets
    app.view_functions["static"] = serve_static
    app.url_defaults(_static_version)
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = _StaticFilesCookieless()
    return assets


def _static_version(endpoint: str, values: dict) -> None:
    """``url_for('static', filename=...)`` gets the file's version (none if no such file)."""
    if endpoint == "static" and VERSION_ARG not in values and "filename" in values:
        version = current_app.extensions["coelab_assets"].version(values["filename"])
        if version:
            values[VERSION_ARG] = version
