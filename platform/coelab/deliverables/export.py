"""Export of a document (a version, or its current state) to PDF and to Markdown.

The PDF is printed by WeasyPrint from ``templates/coelab/export/print.html``: a title
page giving the programme, the kind of deliverable, its title, module, cohort, authors,
version and date, then the text. WeasyPrint is never allowed to fetch anything: every
URL (images, style sheets, fonts) is refused, so an image referenced from the text is
simply left out and rendering cannot be made to reach the network or the file system.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template
from flask_babel import format_date, format_time, to_user_timezone
from flask_babel import gettext as _

PROGRAMME_TITLE = (
    "Nouvelles compétences managériales des dirigeants des organisations sociales, "
    "médico-sociales et socioculturelles de l'ESS"
)
TEMPLATE = "coelab/export/print.html"
MAX_SLUG = 80


@dataclass(kw_only=True)
class ExportMeta:
    """What the title page and the front matter say about the exported text."""

    programme_title: str = PROGRAMME_TITLE
    kind_label: str  # e.g. "Étude de cas collective"
    title: str
    module: str | None = None  # e.g. "2.3 Piloter l'ouverture de son établissement à…"
    cohort_name: str
    authors: list[str] = field(default_factory=list)
    team_name: str | None = None
    version_label: str  # e.g. "Version 3 — Remise finale" or "État actuel, non versionné"
    version_number: int | None = None  # for the file name ("-v3"); None for the current state
    date: datetime  # naive datetimes are UTC, as everywhere in Coélab


def _fetch_nothing():
    """A WeasyPrint URL fetcher that refuses every URL (imported lazily: WeasyPrint
    loads Pango when imported)."""
    from weasyprint.urls import URLFetcher  # noqa: PLC0415 - WeasyPrint loads on the first PDF

    class RefusingFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"Coélab exports fetch no external resource ({url[:80]})")

    return RefusingFetcher(timeout=1, allowed_protocols=(), allow_redirects=False,
                           fail_on_errors=False)


def format_export_date(value: datetime) -> str:
    return _("%(date)s à %(time)s", date=format_date(value, "long"),
             time=format_time(value, "HH:mm"))


def render_print_html(meta: ExportMeta, html: str) -> str:
    """The HTML WeasyPrint prints (useful to check the layout in a browser)."""
    return render_template(TEMPLATE, meta=meta, body=html,
                           date_text=format_export_date(meta.date))


def export_pdf(meta: ExportMeta, html: str) -> bytes:
    """A printable PDF: title page, then ``html``, which must be the sanitised output of
    :func:`coelab.documents.render.render_markdown` (it is inserted as it is)."""
    return _print(render_print_html(meta, html))


def export_pdf_from_template(template: str, **context) -> bytes:
    """A PDF of one of the app's print templates (the jury's minutes...); the template
    escapes what it shows, as every Jinja template does."""
    return _print(render_template(template, **context))


def _print(page: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 - WeasyPrint loads on the first PDF

    document = HTML(string=page, base_url=None, url_fetcher=_fetch_nothing(),
                    media_type="print")
    return document.write_pdf()


def _yaml(value: str) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML): a title cannot end
    the front matter or add keys."""
    return json.dumps(value, ensure_ascii=False)


def export_markdown(meta: ExportMeta, markdown: str) -> str:
    """The Markdown text, after a YAML front matter giving the same metadata as the PDF."""
    lines = ["---",
             f"programme: {_yaml(meta.programme_title)}",
             f"type: {_yaml(meta.kind_label)}",
             f"titre: {_yaml(meta.title)}"]
    if meta.module:
        lines.append(f"module: {_yaml(meta.module)}")
    lines.append(f"promotion: {_yaml(meta.cohort_name)}")
    if meta.team_name:
        lines.append(f"equipe: {_yaml(meta.team_name)}")
    if meta.authors:
        lines.append("auteurs:")
        lines.extend(f"  - {_yaml(name)}" for name in meta.authors)
    lines.append(f"version: {_yaml(meta.version_label)}")
    lines.append(f"date: {_yaml(to_user_timezone(meta.date).isoformat(timespec='minutes'))}")
    lines.append("---")
    body = markdown.replace("\r\n", "\n").strip("\n")
    return "\n".join(lines) + "\n\n" + body + "\n"


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens ("Équipe Calanques" → "equipe-calanques")."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def export_filename(meta: ExportMeta, ext: str) -> str:
    """An ASCII file name: kind, then team (else the single author, else the cohort),
    then the version, e.g. ``etude-de-cas-collective-equipe-calanques-v3.pdf``."""
    who = meta.team_name or (meta.authors[0] if len(meta.authors) == 1 else meta.cohort_name)
    if meta.version_number is not None:
        version = f"v{meta.version_number}"
    else:
        version = to_user_timezone(meta.date).strftime("%Y-%m-%d")
    words = [slugify(meta.kind_label), slugify(who or "")]
    stem = "-".join(word for word in words if word)[:MAX_SLUG].strip("-") or "document"
    extension = slugify(ext.lstrip(".")) or "txt"
    return f"{stem}-{version}.{extension}"
