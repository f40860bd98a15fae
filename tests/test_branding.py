"""The organisation's name and logo (coelab.branding): COELAB_ORGANISATION_NAME and a
logo file in the instance folder, on every page and in the printed records."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from coelab import branding
from coelab import config as config_module
from coelab.deliverables import export
from pypdf import PdfReader

from .test_export import meta

pytestmark = pytest.mark.one_backend

# the smallest PNG: 1 × 1, one transparent pixel
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
       b'<script>alert(1)</script><rect width="10" height="10" fill="teal"/></svg>')


@pytest.fixture
def app_config(app_config):
    return {**app_config, "ORGANISATION_NAME": "Collège coopératif <Provence>"}


def instance(app) -> Path:
    return Path(app.instance_path)


def header(html: str) -> str:
    return html.split('<header class="site">', 1)[1].split("</header>", 1)[0]


def test_the_name_is_on_every_page_escaped(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<title>" in html and "· Collège coopératif &lt;Provence&gt;</title>" in html
    brand = header(html)
    assert "Collège coopératif &lt;Provence&gt;" in brand
    assert "Coélab" in brand  # the product stays named beside the organisation
    assert "<Provence>" not in html
    assert "Collège coopératif &lt;Provence&gt;, avec Coélab" in html.split("<footer", 1)[1]


def test_without_a_name_the_site_is_coelab(app, client):
    app.config["ORGANISATION_NAME"] = ""
    html = client.get("/login").get_data(as_text=True)
    assert "· Coélab</title>" in html
    assert re.search(r'<span class="brand-name">Coélab</span>', header(html))
    assert "brand-product" not in header(html)


def test_a_png_logo_in_the_instance_folder_shows_and_is_cached_by_version(app, client):
    assert client.get("/organisation/logo").status_code == 404
    assert "brand-logo" not in header(client.get("/login").get_data(as_text=True))
    (instance(app) / "logo.png").write_bytes(PNG)
    html = client.get("/login").get_data(as_text=True)
    src = re.search(r'<img class="brand-logo" src="([^"]+)" alt="">', header(html)).group(1)
    assert src.startswith("/organisation/logo?v=")
    answer = client.get(src)
    assert answer.status_code == 200 and answer.data == PNG
    assert answer.mimetype == "image/png"
    assert "immutable" in answer.headers["Cache-Control"]
    # another version (a page from before the logo changed) is revalidated
    assert client.get("/organisation/logo?v=000000000000").headers["Cache-Control"] == "no-cache"
    assert client.get(src, headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304
    # a new logo file: a new URL, seen at the next page without a restart
    (instance(app) / "logo.png").write_bytes(PNG + b"\0")
    again = re.search(r'src="(/organisation/logo\?v=[^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    assert again != src and client.get(again).data == PNG + b"\0"


def test_an_svg_logo_is_an_image_that_runs_nothing(app, client):
    (instance(app) / "logo.svg").write_bytes(SVG)
    (instance(app) / "logo.png").write_bytes(PNG)  # the SVG comes first
    src = re.search(r'src="(/organisation/logo\?v=[^"]+)"',
                    client.get("/login").get_data(as_text=True)).group(1)
    answer = client.get(src)
    assert answer.mimetype == "image/svg+xml" and answer.data == SVG
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "script-src" not in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_logo_too_large_or_not_a_file_is_not_shown(app, client):
    (instance(app) / "logo.svg").mkdir()
    (instance(app) / "logo.png").write_bytes(PNG + b"\0" * branding.MAX_LOGO_BYTES)
    assert "brand-logo" not in client.get("/login").get_data(as_text=True)
    assert client.get("/organisation/logo").status_code == 404


def test_the_printed_records_carry_the_name(app):
    with app.test_request_context():
        data = export.export_pdf(meta(), "<p>Texte</p>")
    first = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Collège coopératif <Provence>" in first


def test_the_setting_is_one_line_of_at_most_120_characters(tmp_path, monkeypatch):
    monkeypatch.setenv("COELAB_ORGANISATION_NAME", "  IRTS\n  Provence  ")
    assert config_module.from_environment(tmp_path, {})["ORGANISATION_NAME"] == "IRTS Provence"
    monkeypatch.setenv("COELAB_ORGANISATION_NAME", "x" * 121)
    with pytest.raises(config_module.ConfigError, match="COELAB_ORGANISATION_NAME"):
        config_module.from_environment(tmp_path, {})
    monkeypatch.delenv("COELAB_ORGANISATION_NAME")
    assert config_module.from_environment(tmp_path, {})["ORGANISATION_NAME"] == ""
