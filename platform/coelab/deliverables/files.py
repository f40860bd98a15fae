"""Safe storage of uploaded soutenance materials (slides, documents, images).

An upload is accepted only when its *content* is one of the allowed formats and its
extension agrees with that content. Files are stored under generated names in
``<instance_path>/attachments/<2 hex>/<32 hex>``; the user's file name is kept only for
display and for the download's ``Content-Disposition``, never in a path.

Typical use in a view::

    data = files.read_upload(storage.stream)          # stops as soon as the limit is passed
    kind = files.check_file(data, storage.filename)   # FileType, or AttachmentError
    stored = files.store(data)                        # StoredFile(stored_name, size, sha256)
    ... save stored.stored_name, kind.content_type, files.display_name(storage.filename)

(:func:`accept_upload` does the three steps.)
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Response, abort, current_app, send_file
from flask_babel import format_decimal
from flask_babel import gettext as _

from ..operations import OperationError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK_SIZE = 64 * 1024
# an office file with more members, or that would expand to more than this, is refused
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_UNCOMPRESSED = 512 * 1024 * 1024
MAX_DISPLAY_NAME = 150
FALLBACK_NAME = "fichier"
STORED_NAME = re.compile(r"[0-9a-f]{32}")

ODP_TYPE = "application/vnd.oasis.opendocument.presentation"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class AttachmentError(OperationError):
    """An uploaded file that cannot be accepted; the message is for the user."""


class InvalidStoredName(ValueError):
    """A stored name that Coélab cannot have generated (tampering or a bug)."""


@dataclass(frozen=True)
class FileType:
    """An accepted format: canonical media type and extension, label shown to users."""

    label: str
    content_type: str
    extension: str
    other_extensions: tuple[str, ...] = ()
    inline: bool = False  # may be shown in the browser (PDF and raster images only)

    @property
    def extensions(self) -> tuple[str, ...]:
        return (self.extension, *self.other_extensions)


PDF = FileType("PDF", "application/pdf", "pdf", inline=True)
ODP = FileType("ODP", ODP_TYPE, "odp")
PPTX = FileType("PPTX", PPTX_TYPE, "pptx")
DOCX = FileType("DOCX", DOCX_TYPE, "docx")
ODT = FileType("ODT", ODT_TYPE, "odt")
PNG = FileType("PNG", "image/png", "png", inline=True)
JPEG = FileType("JPEG", "image/jpeg", "jpg", ("jpeg", "jpe"), inline=True)
GIF = FileType("GIF", "image/gif", "gif", inline=True)
WEBP = FileType("WebP", "image/webp", "webp", inline=True)

ALLOWED: tuple[FileType, ...] = (PDF, ODP, PPTX, DOCX, ODT, PNG, JPEG, GIF, WEBP)
BY_CONTENT_TYPE = {kind.content_type: kind for kind in ALLOWED}
INLINE_TYPES = frozenset(kind.content_type for kind in ALLOWED if kind.inline)
ACCEPT = ",".join(f".{ext}" for kind in ALLOWED for ext in kind.extensions)  # <input accept>


@dataclass(frozen=True)
class StoredFile:
    stored_name: str  # 32 hex digits; the only thing that leads to the file
    size: int
    sha256: str  # hex digest


# --- limits and messages ----------------------------------------------------------------


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def _not_accepted() -> AttachmentError:
    labels = ", ".join(kind.label for kind in ALLOWED)
    return AttachmentError(
        _("Ce type de fichier n'est pas accepté : formats acceptés %(formats)s.", formats=labels)
    )


def _too_large(limit: int) -> AttachmentError:
    megabytes = format_decimal(max(limit / (1024 * 1024), 0.01), format="#,##0.##")
    return AttachmentError(_("Le fichier dépasse la taille maximale de %(max)s Mo.", max=megabytes))


def _empty() -> AttachmentError:
    return AttachmentError(_("Le fichier est vide."))


# --- reading ----------------------------------------------------------------------------


def _chunks(data_or_stream: bytes | bytearray | memoryview | BinaryIO) -> Iterator[bytes]:
    if isinstance(data_or_stream, bytes | bytearray | memoryview):
        view = memoryview(data_or_stream)
        for start in range(0, len(view), CHUNK_SIZE):
            yield bytes(view[start:start + CHUNK_SIZE])
        return
    while chunk := data_or_stream.read(CHUNK_SIZE):
        yield chunk


def read_upload(stream: BinaryIO, limit: int | None = None) -> bytes:
    """The content of an uploaded stream, read in chunks: refused (without reading on)
    as soon as it passes the limit, or when it is empty."""
    limit = max_bytes() if limit is None else limit
    buffer = io.BytesIO()
    size = 0
    for chunk in _chunks(stream):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        buffer.write(chunk)
    if size == 0:
        raise _empty()
    return buffer.getvalue()


# --- detection --------------------------------------------------------------------------


def _detect_zip(data: bytes) -> FileType | None:
    # a ZIP must start with a local header: zipfile would also accept data (HTML...)
    # prepended to an archive, which is how polyglot files are made
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if not members or len(members) > MAX_ZIP_MEMBERS:
                return None
            if sum(member.file_size for member in members) > MAX_ZIP_UNCOMPRESSED:
                return None
            first = members[0]
            if first.filename == "mimetype":
                if first.file_size > 100:
                    return None
                with archive.open(first) as handle:
                    media_type = handle.read(101)
                names = {member.filename for member in members}
                if "content.xml" not in names:
                    return None
                return {ODP_TYPE.encode(): ODP, ODT_TYPE.encode(): ODT}.get(media_type)
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names:
                return None
            if "ppt/presentation.xml" in names:
                return PPTX
            if "word/document.xml" in names:
                return DOCX
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            ValueError, OSError, EOFError, KeyError):
        return None


def detect(data: bytes) -> FileType | None:
    """The allowed format ``data`` is, judged by its content only; None if none."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return _detect_zip(data)


def extension_of(filename: str | None) -> str:
    name = display_name(filename)
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def check_file(data: bytes, filename: str | None, limit: int | None = None) -> FileType:
    """The format of an upload, checked by content; its extension must agree.

    Raises :class:`AttachmentError` for an empty or too large file, a format that is not
    allowed (HTML, SVG, executables... whatever their name) or a misleading extension.
    """
    limit = max_bytes() if limit is None else limit
    if not data:
        raise _empty()
    if len(data) > limit:
        raise _too_large(limit)
    kind = detect(data)
    if kind is None:
        raise _not_accepted()
    if extension_of(filename) not in kind.extensions:
        raise AttachmentError(_(
            "Le contenu du fichier (%(label)s) ne correspond pas à son extension : "
            "renommez-le en .%(ext)s ou choisissez un autre fichier.",
            label=kind.label, ext=kind.extension,
        ))
    return kind


# --- storage ----------------------------------------------------------------------------


def root() -> Path:
    """The folder of attachments, under ``COELAB_UPLOAD_FOLDER`` (default: the instance
    folder's ``uploads``)."""
    return Path(current_app.config["UPLOAD_FOLDER"]) / "attachments"


def path_for(stored_name: str) -> Path:
    """Where a stored file lives; anything but a name :func:`store` made is refused."""
    if not isinstance(stored_name, str) or not STORED_NAME.fullmatch(stored_name):
        raise InvalidStoredName(f"not a stored file name: {stored_name!r}")
    return root() / stored_name[:2] / stored_name


def store(data_or_stream: bytes | bytearray | memoryview | BinaryIO,
          limit: int | None = None) -> StoredFile:
    """Write a file under a new random name, atomically (a temporary file in the same
    folder, then :func:`os.replace`): readers never see half a file.

    A stream is copied in chunks and refused as soon as it passes the limit.
    """
    limit = max_bytes() if limit is None else limit
    stored_name = uuid.uuid4().hex
    target = path_for(stored_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(data_or_stream):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                out.write(chunk)
            if size == 0:
                raise _empty()
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return StoredFile(stored_name=stored_name, size=size, sha256=digest.hexdigest())


def accept_upload(stream: BinaryIO, filename: str | None) -> tuple[FileType, StoredFile]:
    """Read, check and store an upload: its format and where it was stored."""
    data = read_upload(stream)
    kind = check_file(data, filename)
    return kind, store(data)


def delete(stored_name: str) -> None:
    """Remove a stored file; a file already gone is not an error."""
    path_for(stored_name).unlink(missing_ok=True)


# --- names and downloads ----------------------------------------------------------------

_UNSAFE = re.compile(r'[<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")


def display_name(filename: str | None) -> str:
    """A safe version of the user's file name, for display and downloads: no folders,
    no control or invisible characters (such as right-to-left overrides), accents kept,
    at most :data:`MAX_DISPLAY_NAME` characters with the extension kept."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAFE.sub("_", name)
    name = _SPACES.sub(" ", name).strip(" .")
    if len(name) > MAX_DISPLAY_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= 10:
            name = stem[:MAX_DISPLAY_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_DISPLAY_NAME].rstrip(" .")
    return name or FALLBACK_NAME


def send(stored_name: str, filename: str | None, content_type: str,
         inline: bool = False) -> Response:
    """The stored file as a download. Shown in the browser (``inline``) only for PDF and
    raster images; always with ``nosniff`` and a sandboxing Content-Security-Policy so
    that a file can never run script in Coélab's origin."""
    try:
        path = path_for(stored_name)
    except InvalidStoredName:
        abort(404)
    if not path.is_file():
        abort(404)
    if content_type not in BY_CONTENT_TYPE:
        content_type = "application/octet-stream"
    show_inline = inline and content_type in INLINE_TYPES
    response = send_file(
        path,
        mimetype=content_type,
        as_attachment=not show_inline,
        download_name=display_name(filename),
        conditional=True,
        etag=True,
        max_age=None,
    )
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
