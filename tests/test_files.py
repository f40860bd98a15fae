"""Uploaded soutenance materials: type checked by content, safe storage, safe downloads."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from urllib.parse import quote

import pytest
from coelab import create_app
from coelab.deliverables import files
from coelab.operations import OperationError

from .conftest import base_config

LIMIT = 64 * 1024


@pytest.fixture
def app(tmp_path):
    """No database is needed here: a light app, inside a request context."""
    app = create_app(base_config(tmp_path, "sqlite://", ATTACHMENT_MAX_BYTES=LIMIT))
    with app.test_request_context():
        yield app


# --- minimal real files -----------------------------------------------------------------


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8 bits, RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
            b"trailer <</Root 1 0 R>>\n%%EOF\n")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00"
       b"\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"  # noqa: E501


def odf_bytes(media_type: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), media_type)  # first, stored
        archive.writestr("content.xml", "<office:document-content/>",
                         compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buffer.getvalue()


def ooxml_bytes(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(main_part, "<document/>")
    return buffer.getvalue()


ACCEPTED = [
    ("slides.pdf", pdf_bytes, "application/pdf", "pdf", "PDF"),
    ("Présentation.odp", lambda: odf_bytes(files.ODP_TYPE), files.ODP_TYPE, "odp", "ODP"),
    ("slides.PPTX", lambda: ooxml_bytes("ppt/presentation.xml"), files.PPTX_TYPE, "pptx", "PPTX"),
    ("rapport.docx", lambda: ooxml_bytes("word/document.xml"), files.DOCX_TYPE, "docx", "DOCX"),
    ("rapport.odt", lambda: odf_bytes(files.ODT_TYPE), files.ODT_TYPE, "odt", "ODT"),
    ("schéma.png", png_bytes, "image/png", "png", "PNG"),
    ("photo.jpeg", lambda: JPEG, "image/jpeg", "jpg", "JPEG"),
    ("photo.JPG", lambda: JPEG, "image/jpeg", "jpg", "JPEG"),
    ("anim.gif", lambda: GIF, "image/gif", "gif", "GIF"),
    ("image.webp", lambda: WEBP, "image/webp", "webp", "WebP"),
]


@pytest.mark.parametrize(("name", "make", "content_type", "ext", "label"), ACCEPTED,
                         ids=[case[0] for case in ACCEPTED])
def test_allowed_types_are_accepted_by_content(app, name, make, content_type, ext, label):
    kind = files.check_file(make(), name)
    assert (kind.content_type, kind.extension, kind.label) == (content_type, ext, label)


def test_a_pdf_made_by_weasyprint_is_accepted(app):
    from weasyprint import HTML

    data = HTML(string="<p>Soutenance</p>").write_pdf()
    assert files.check_file(data, "support.pdf") is files.PDF


@pytest.mark.parametrize(("name", "make"), [
    ("slides.pptx", pdf_bytes),  # a PDF under an office name
    ("photo.pdf", png_bytes),
    ("rapport.docx", lambda: ooxml_bytes("ppt/presentation.xml")),  # a PPTX named .docx
    ("rapport.odt", lambda: odf_bytes(files.ODP_TYPE)),  # an ODP named .odt
    ("slides", pdf_bytes),  # no extension
    ("slides.pdf.exe", pdf_bytes),
])
def test_the_extension_must_agree_with_the_content(app, name, make):
    with pytest.raises(files.AttachmentError, match="ne correspond pas à son extension"):
        files.check_file(make(), name)


@pytest.mark.parametrize(("name", "data"), [
    ("page.html", b"<!doctype html><script>alert(1)</script>"),
    ("slides.pdf", b"<html><body>not a pdf</body></html>"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
    ("slides.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
    ("notes.txt", "Du texte accentué".encode()),
])
def test_other_formats_are_refused_whatever_their_name(app, name, data):
    with pytest.raises(files.AttachmentError) as refused:
        files.check_file(data, name)
    assert str(refused.value) == (
        "Ce type de fichier n'est pas accepté : formats acceptés "
        "PDF, ODP, PPTX, DOCX, ODT, PNG, JPEG, GIF, WebP."
    )
    assert isinstance(refused.value, OperationError)


def plain_zip(**members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"PK\x03\x04" + b"\x00" * 200,  # a local header and nothing valid after it
    ooxml_bytes("ppt/presentation.xml")[:-40],  # truncated: no central directory
    plain_zip(**{"readme.txt": "hello"}),  # a valid zip of nothing we accept
    plain_zip(**{"[Content_Types].xml": "<Types/>"}),  # OOXML without its main part
    plain_zip(mimetype="application/zip", **{"content.xml": "<x/>"}),
    plain_zip(mimetype=files.ODT_TYPE),  # ODF without content
    b"<html>" + ooxml_bytes("ppt/presentation.xml"),  # a polyglot: HTML before the zip
], ids=["header-only", "truncated", "other-zip", "no-main-part", "wrong-mimetype",
        "no-content", "polyglot"])
def test_fake_or_broken_zips_are_refused_without_crashing(app, data):
    with pytest.raises(files.AttachmentError, match="n'est pas accepté"):
        files.check_file(data, "slides.pptx")


def test_a_zip_bomb_is_refused_without_being_expanded(app, monkeypatch):
    monkeypatch.setattr(files, "MAX_ZIP_UNCOMPRESSED", 4 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p/>")
        for index in range(5):
            archive.writestr(f"ppt/media/bomb{index}.bin", bytes(1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < LIMIT
    with pytest.raises(files.AttachmentError, match="n'est pas accepté"):
        files.check_file(data, "slides.pptx")


def test_a_zip_of_too_many_members_is_refused(app, monkeypatch):
    monkeypatch.setattr(files, "MAX_ZIP_MEMBERS", 10)
    members = {"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"}
    members.update({f"ppt/slides/slide{index}.xml": "<s/>" for index in range(10)})
    with pytest.raises(files.AttachmentError, match="n'est pas accepté"):
        files.check_file(plain_zip(**members), "slides.pptx")


def test_an_odf_mimetype_member_that_expands_is_refused(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", files.ODT_TYPE + " " * 10_000)
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(files.AttachmentError):
        files.check_file(buffer.getvalue(), "rapport.odt")


def test_oversize_is_refused_by_check_and_while_reading(app):
    big = pdf_bytes() + b"0" * LIMIT
    with pytest.raises(files.AttachmentError, match="dépasse la taille maximale de 0,06 Mo"):
        files.check_file(big, "slides.pdf")

    class Endless(io.RawIOBase):
        """A 2 GB upload, as far as the reader can tell; counts what was read."""

        read_bytes = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            self.read_bytes += len(buffer)
            buffer[:] = b"x" * len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(files.AttachmentError, match="taille maximale"):
        files.read_upload(stream)
    assert stream.read_bytes <= LIMIT + files.CHUNK_SIZE

    stream = Endless()
    with pytest.raises(files.AttachmentError, match="taille maximale"):
        files.store(stream)
    assert stream.read_bytes <= LIMIT + files.CHUNK_SIZE
    assert not [p for p in files.root().rglob("*") if p.is_file()]


def test_the_limit_comes_from_the_configuration(app, monkeypatch, tmp_path):
    assert files.max_bytes() == LIMIT
    monkeypatch.setenv("COELAB_ATTACHMENT_MAX_BYTES", "1234")
    other = create_app(base_config(tmp_path / "other", "sqlite://"))
    assert other.config["ATTACHMENT_MAX_BYTES"] == 1234
    monkeypatch.delenv("COELAB_ATTACHMENT_MAX_BYTES")
    default = create_app(base_config(tmp_path / "default", "sqlite://"))
    assert default.config["ATTACHMENT_MAX_BYTES"] == 20 * 1024 * 1024


def test_empty_is_refused(app):
    with pytest.raises(files.AttachmentError, match="^Le fichier est vide.$"):
        files.check_file(b"", "slides.pdf")
    with pytest.raises(files.AttachmentError, match="vide"):
        files.read_upload(io.BytesIO(b""))
    with pytest.raises(files.AttachmentError, match="vide"):
        files.store(io.BytesIO(b""))
    assert not [p for p in files.root().rglob("*") if p.is_file()]


def test_store_writes_under_a_random_name(app):
    data = pdf_bytes()
    first = files.store(data)
    second = files.store(io.BytesIO(data))
    assert first.stored_name != second.stored_name
    for stored in (first, second):
        assert len(stored.stored_name) == 32 and int(stored.stored_name, 16) >= 0
        assert stored.size == len(data)
        assert stored.sha256 == hashlib.sha256(data).hexdigest()
        path = files.path_for(stored.stored_name)
        assert path == files.root() / stored.stored_name[:2] / stored.stored_name
        assert path.read_bytes() == data
        assert path.is_relative_to(app.instance_path)
    # only the two files: no temporary file left behind
    assert sorted(p.name for p in files.root().rglob("*") if p.is_file()) == sorted(
        [first.stored_name, second.stored_name])


def test_a_failed_write_leaves_no_temporary_file(app):
    class Broken:
        """An upload whose connection drops after the first chunk."""

        calls = 0

        def read(self, size=-1):
            self.calls += 1
            if self.calls > 1:
                raise OSError("connection reset")
            return b"y" * 1000

    with pytest.raises(OSError, match="connection reset"):
        files.store(Broken())
    assert not [p for p in files.root().rglob("*") if p.is_file()]


@pytest.mark.parametrize("name", [
    "../secret_key", "../../etc/passwd", "/etc/passwd", "ab/../../x", "",
    "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcde",
    "0123456789abcdef0123456789abcdef\n", "0123456789abcdef0123456789abcdef/..",
    "..", "%2e%2e%2fsecret_key", None,
])
def test_path_traversal_is_impossible(app, name):
    with pytest.raises(files.InvalidStoredName):
        files.path_for(name)
    with pytest.raises(files.InvalidStoredName):
        files.delete(name)


def test_delete_tolerates_a_missing_file(app):
    stored = files.store(png_bytes())
    files.delete(stored.stored_name)
    assert not files.path_for(stored.stored_name).exists()
    files.delete(stored.stored_name)  # again: nothing to do


def test_accept_upload_checks_then_stores(app):
    kind, stored = files.accept_upload(io.BytesIO(png_bytes()), "schéma.png")
    assert kind is files.PNG
    assert files.path_for(stored.stored_name).read_bytes() == png_bytes()
    with pytest.raises(files.AttachmentError):
        files.accept_upload(io.BytesIO(b"<svg/>"), "schéma.png")
    assert len([p for p in files.root().rglob("*") if p.is_file()]) == 1


@pytest.mark.parametrize(("raw", "shown"), [
    ("Présentation finale.pptx", "Présentation finale.pptx"),
    ("C:\\Users\\Élodie\\Documents\\Diagnostic.docx", "Diagnostic.docx"),
    ("../../etc/passwd", "passwd"),
    ("slides\x00\x1b[31m.pdf", "slides[31m.pdf"),
    ("photo\u202egnp.exe", "photognp.exe"),  # right-to-left override removed
    ('a"b<c>|d?.pdf', "a_b_c__d_.pdf"),
    ("  ..hidden.pdf  ", "hidden.pdf"),
    ("Pre\u0301sentation.odp", "Présentation.odp"),  # decomposed accents recomposed
    ("", "fichier"),
    (None, "fichier"),
    ("../..", "fichier"),
])
def test_display_name(raw, shown):
    assert files.display_name(raw) == shown


def test_display_name_is_limited_and_keeps_the_extension():
    shown = files.display_name("é" * 500 + ".pdf")
    assert len(shown) == files.MAX_DISPLAY_NAME
    assert shown.endswith("é.pdf")


def test_send_sets_safe_headers(app):
    data = pdf_bytes()
    stored = files.store(data)
    response = files.send(stored.stored_name, "Soutenance — équipe Calanques.pdf",
                          "application/pdf", inline=True)
    response.direct_passthrough = False
    assert response.get_data() == data
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''" + quote("Soutenance — équipe Calanques.pdf") in disposition
    assert "private" in response.headers["Cache-Control"]

    attached = files.send(stored.stored_name, "Soutenance.pdf", "application/pdf")
    assert attached.headers["Content-Disposition"] == "attachment; filename=Soutenance.pdf"


def test_office_files_are_always_downloaded(app):
    stored = files.store(ooxml_bytes("ppt/presentation.xml"))
    response = files.send(stored.stored_name, "Présentation.pptx", files.PPTX_TYPE, inline=True)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Pr%C3%A9sentation.pptx" in response.headers["Content-Disposition"]
    assert response.mimetype == files.PPTX_TYPE
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    response.close()


def test_an_unknown_content_type_is_never_served(app):
    stored = files.store(b"<html><script>alert(1)</script></html>")
    response = files.send(stored.stored_name, "page.html", "text/html", inline=True)
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    response.close()


def test_send_of_a_missing_or_invalid_name_is_not_found(app):
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        files.send("0" * 32, "x.pdf", "application/pdf")
    with pytest.raises(NotFound):
        files.send("../secret_key", "x.pdf", "application/pdf")


def test_send_through_a_view_keeps_the_headers(tmp_path):
    app = create_app(base_config(tmp_path, "sqlite://"))
    with app.app_context():
        stored = files.store(png_bytes())

    @app.get("/_test/file")
    def _file():
        return files.send(stored.stored_name, "Schéma d'équipe.png", "image/png", inline=True)

    response = app.test_client().get("/_test/file")
    assert response.status_code == 200
    assert response.data == png_bytes()
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # the app's own page policy does not replace the file's
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Content-Disposition"].startswith("inline;")
