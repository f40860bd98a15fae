"""Static files (coelab.assets): compressed variants, versioned URLs, caching.

Most tests serve a static folder of their own (a bundle with its precompressed copies
as frontend/build.mjs writes them, a style sheet), so that they hold whatever the real
bundle is; one checks the real build's output. Brotli is node's (no Python package).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import subprocess
from pathlib import Path

import pytest
from coelab import assets as assets_module
from coelab.assets import IMMUTABLE, StaticAssets

from .conftest import login

STATIC = Path(assets_module.__file__).parent / "static"
BUNDLE = b"".join(b"(function(){var a%d=document.getElementById('x%d');a%d&&a%d.focus()})();\n"
                  % (i, i, i, i) for i in range(2000))
CSS = b"".join(b".rule-%d { color: #123456; margin: 0 auto; }\n" % i for i in range(300))


def brotli(data: bytes, decompress: bool = False) -> bytes:
    how = "brotliDecompressSync" if decompress else "brotliCompressSync"
    script = f"process.stdout.write(require('zlib').{how}(require('fs').readFileSync(0)))"
    return subprocess.run(["node", "-e", script], input=data, capture_output=True,
                          check=True).stdout


def version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


@pytest.fixture(scope="module")
def bundle_br() -> bytes:
    return brotli(BUNDLE)


@pytest.fixture
def static(app, tmp_path, bundle_br) -> Path:
    """The app's static files, from a folder of the test's own."""
    folder = tmp_path / "static"
    (folder / "dist").mkdir(parents=True)
    (folder / "dist" / "editor.js").write_bytes(BUNDLE)
    (folder / "dist" / "editor.js.br").write_bytes(bundle_br)
    (folder / "dist" / "editor.js.gz").write_bytes(gzip.compress(BUNDLE, 9))
    (folder / "site.css").write_bytes(CSS)
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    app.extensions["coelab_assets"] = StaticAssets(str(folder))
    return folder


def get(client, path: str, encoding: str | None = None, **headers):
    if encoding is not None:
        headers["Accept-Encoding"] = encoding
    return client.get(path, headers=headers)


def test_brotli_is_served_when_accepted_and_is_the_bundle(client, static, bundle_br):
    r = get(client, "/static/dist/editor.js", "gzip, deflate, br, zstd")
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "br"
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert r.data == bundle_br
    assert int(r.headers["Content-Length"]) == len(bundle_br) < len(BUNDLE) / 5
    assert brotli(r.data, decompress=True) == BUNDLE


def test_gzip_is_served_when_only_gzip_is_accepted(client, static):
    r = get(client, "/static/dist/editor.js", "gzip")
    assert r.headers["Content-Encoding"] == "gzip"
    assert int(r.headers["Content-Length"]) == len(r.data)
    assert gzip.decompress(r.data) == BUNDLE


@pytest.mark.parametrize("accepted", [None, "", "identity", "br;q=0, gzip;q=0", "deflate",
                                      "compress, zstd"])
def test_the_file_itself_is_served_without_an_accepted_encoding(client, static, accepted):
    r = get(client, "/static/dist/editor.js", accepted)
    assert r.status_code == 200
    assert "Content-Encoding" not in r.headers
    assert r.data == BUNDLE
    assert int(r.headers["Content-Length"]) == len(BUNDLE)
    # a cache between browser and server keeps one answer per encoding asked for
    assert "Accept-Encoding" in r.headers["Vary"]


def test_the_browser_s_preference_is_followed(client, static):
    assert get(client, "/static/dist/editor.js",
               "br;q=0.5, gzip;q=1").headers["Content-Encoding"] == "gzip"
    assert get(client, "/static/dist/editor.js",
               "*").headers["Content-Encoding"] == "br"


@pytest.mark.parametrize("accepted", [
    "br;q=abc", "gzip;q=", ";;;,,,", "br;q=1e999", "gzip;q=-1", "\x00\x01",
    "br" * 3000, "gzip, br;q=0.5;foo=bar", "*;q=0", "BR", "x" * 100 + ";q=0.5",
])
def test_an_odd_accept_encoding_never_fails(client, static, accepted):
    r = get(client, "/static/dist/editor.js", accepted)
    assert r.status_code == 200
    encoding = r.headers.get("Content-Encoding")
    if encoding == "br":
        assert brotli(r.data, decompress=True) == BUNDLE
    elif encoding == "gzip":
        assert gzip.decompress(r.data) == BUNDLE
    else:
        assert encoding is None and r.data == BUNDLE


def test_a_style_sheet_is_gzipped_once_in_memory(client, static, monkeypatch):
    calls = []
    real = gzip.compress
    monkeypatch.setattr(assets_module.gzip, "compress",
                        lambda data, **kw: calls.append(len(data)) or real(data, **kw))
    for _ in range(3):
        r = get(client, "/static/site.css", "gzip, deflate, br")
        assert r.headers["Content-Encoding"] == "gzip"
        assert r.headers["Content-Type"] == "text/css; charset=utf-8"
        assert gzip.decompress(r.data) == CSS
    plain = get(client, "/static/site.css")
    assert plain.data == CSS and "Content-Encoding" not in plain.headers
    assert calls == [len(CSS)]


def test_an_image_is_not_compressed_again(client, static):
    r = get(client, "/static/logo.png", "gzip, br")
    assert r.status_code == 200
    assert "Content-Encoding" not in r.headers
    assert "Accept-Encoding" not in r.headers.get("Vary", "")
    assert r.headers["Content-Type"] == "image/png"


def test_a_stale_precompressed_copy_is_never_served(client, static):
    """A bundle rebuilt by other means than frontend/build.mjs: its old .br stays."""
    newer = BUNDLE + b"console.log('rebuilt');\n"
    (static / "dist" / "editor.js").write_bytes(newer)
    future = os.stat(static / "dist" / "editor.js.br").st_mtime_ns + 3600 * 10**9
    os.utime(static / "dist" / "editor.js", ns=(future, future))
    r = get(client, "/static/dist/editor.js", "gzip, br")
    assert r.headers.get("Content-Encoding") == "gzip"  # gzipped in memory instead
    assert gzip.decompress(r.data) == newer


def test_precompressed_files_copied_just_before_the_bundle_are_served(client, static):
    """`cp -r` writes a folder's files in directory order: the .br may come first."""
    bundle = static / "dist" / "editor.js"
    later = os.stat(bundle).st_mtime_ns + 2 * 10**9
    os.utime(bundle, ns=(later, later))
    assert get(client, "/static/dist/editor.js", "br").headers["Content-Encoding"] == "br"


def test_the_rendered_page_names_versioned_static_files(client, app):
    """The real app and its real files: no template names a version."""
    html = client.get("/login").get_data(as_text=True)
    css = (STATIC / "coelab.css").read_bytes()
    assert f'/static/coelab.css?v={version(css)}"' in html
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
    r = client.get(f"/static/coelab.css?v={version(css)}",
                   headers={"Accept-Encoding": "gzip"})
    assert r.headers["Cache-Control"] == IMMUTABLE
    assert gzip.decompress(r.data) == css


def test_the_current_version_is_cached_for_a_year_and_others_revalidated(client, static, app):
    with app.test_request_context():
        from flask import url_for

        url = url_for("static", filename="dist/editor.js")
        missing = url_for("static", filename="dist/nothing.js")
    assert url == f"/static/dist/editor.js?v={version(BUNDLE)}"
    assert missing == "/static/dist/nothing.js"
    current = get(client, url, "br")
    assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for other in ("/static/dist/editor.js", "/static/dist/editor.js?v=000000000000",
                  f"/static/dist/editor.js?v={version(BUNDLE).upper()}"):
        r = get(client, other, "br")
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "no-cache", other
        assert r.headers["ETag"]


def test_a_changed_file_gets_a_new_version(client, static, app):
    from flask import url_for

    with app.test_request_context():
        before = url_for("static", filename="site.css")
    changed = CSS + b".new { color: red; }\n"
    (static / "site.css").write_bytes(changed)
    later = os.stat(static / "site.css").st_mtime_ns + 10**9
    os.utime(static / "site.css", ns=(later, later))
    with app.test_request_context():
        after = url_for("static", filename="site.css")
    assert after == f"/static/site.css?v={version(changed)}" != before
    # the old version is not the file any more: revalidated, never kept a year
    assert get(client, before).headers["Cache-Control"] == "no-cache"
    assert get(client, after).headers["Cache-Control"] == IMMUTABLE
    assert gzip.decompress(get(client, after, "gzip").data) == changed


@pytest.mark.parametrize("accepted", ["br", "gzip", None])
def test_if_none_match_gets_a_304(client, static, accepted):
    url = f"/static/dist/editor.js?v={version(BUNDLE)}"
    first = get(client, url, accepted)
    etag = first.headers["ETag"]
    again = get(client, url, accepted, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert "Accept-Encoding" in again.headers["Vary"]
    # another encoding's ETag is another representation: the whole answer
    if accepted:
        other = get(client, url, "identity", **{"If-None-Match": etag})
        assert other.status_code == 200 and other.data == BUNDLE


def test_head_answers_the_headers_of_the_variant(client, static, bundle_br):
    r = client.head("/static/dist/editor.js", headers={"Accept-Encoding": "br"})
    assert r.status_code == 200
    assert r.data == b""
    assert r.headers["Content-Encoding"] == "br"
    assert int(r.headers["Content-Length"]) == len(bundle_br)


def test_a_range_is_a_range_of_the_variant_sent(client, static):
    gz = (static / "dist" / "editor.js.gz").read_bytes()
    r = get(client, "/static/dist/editor.js", "gzip", Range="bytes=10-19")
    assert r.status_code == 206
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.headers["Content-Range"] == f"bytes 10-19/{len(gz)}"
    assert r.data == gz[10:20]
    whole = get(client, "/static/dist/editor.js", None, Range=f"bytes=0-{len(BUNDLE) + 5}")
    assert whole.data == BUNDLE
    assert get(client, "/static/site.css", None,
               Range=f"bytes={len(CSS) + 10}-").status_code == 416


@pytest.mark.parametrize("path", [
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/dist/../../assets.py",
    "/static/..%2fassets.py", "/static/dist", "/static/dist/", "/static/nothing.css",
    "/static/%00.css", "/static//etc/passwd", "/static/\\..\\app.py",
])
def test_nothing_outside_the_folder_and_no_directory_is_served(client, static, path):
    # (werkzeug first redirects a doubled slash to the single one)
    r = client.get(path, headers={"Accept-Encoding": "gzip, br"}, follow_redirects=True)
    assert r.status_code == 404


def test_static_answers_keep_the_security_headers(client, static):
    r = get(client, "/static/dist/editor.js", "br")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_static_answers_set_no_cookie_and_do_not_vary_by_it(client, static, make):
    """Kept a year, by shared caches too: the same for everyone, whoever asks."""
    user = make.user(email="someone@example.org")
    login(client, user.email)
    page = client.get("/dashboard")
    assert "Cookie" in page.headers.get("Vary", "")  # pages still do
    for path in ("/static/dist/editor.js", f"/static/dist/editor.js?v={version(BUNDLE)}",
                 "/static/site.css", "/static/logo.png"):
        r = get(client, path, "gzip, br")
        assert r.status_code == 200
        assert "Set-Cookie" not in r.headers, path
        assert "Cookie" not in r.headers.get("Vary", ""), path
    # the session goes on
    assert client.get("/dashboard").status_code == 200


def test_the_build_wrote_the_precompressed_bundle():
    """frontend/build.mjs (`make setup`, `npm run build`) writes both beside the bundle."""
    bundle = STATIC / "dist" / "editor.js"
    if not bundle.exists():
        pytest.skip("the editor bundle is not built: run `make setup`")
    data = bundle.read_bytes()
    assert brotli((STATIC / "dist" / "editor.js.br").read_bytes(), decompress=True) == data
    assert gzip.decompress((STATIC / "dist" / "editor.js.gz").read_bytes()) == data


def test_every_page_names_an_icon_that_is_served(client):
    """Browsers ask for /favicon.ico when a page names no icon: a 404 in every console."""
    html = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon"[^>]* href="(/static/[^"]+)"', html)
    assert icon, "no icon named by the page"
    r = client.get(icon.group(1))
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data
