"""Language choice: the user's profile setting, else the browser's, else French.

French is the source language: its strings need no catalogue, except for plurals.
Without a French catalogue gettext falls back to "one is singular, everything else
plural", which reads "0 jours"; French says "0 jour". The French catalogue therefore
holds only the plural messages, each translated by itself, and carries the French
plural rule (0 and 1 are singular); ``make translations`` refills it
(:func:`fill_source_plurals`).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po
from flask import current_app, request
from flask_login import current_user


def fill_source_plurals(po_path: str | Path) -> int:
    """Give every plural message of the source-language catalogue at ``po_path`` its
    own forms (singular, plural) and leave the others untranslated; returns how many
    plural messages it holds."""
    path = Path(po_path)
    with path.open("rb") as f:
        catalog = read_po(f)
    count = 0
    for message in catalog:
        if message.id and message.pluralizable:
            singular, plural = message.id
            # CLDR's French rule: 0 and 1 singular, then plural (and a third form,
            # for millions, that takes the plural too)
            message.string = (singular, *[plural] * (catalog.num_plurals - 1))
            count += 1
        elif message.id:
            message.string = ""
    with path.open("wb") as f:
        write_po(f, catalog, width=76, sort_output=True, no_location=True)
    return count


def select_locale() -> str:
    languages = list(current_app.config["LANGUAGES"])
    user = current_user
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
    if request:
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]
