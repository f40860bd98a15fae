"""French first, English complete: the catalogue covers every string and is compiled."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from .conftest import login, page, post

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "platform/coelab/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]


def source_messages() -> set[str]:
    found = set()
    for folder in ("platform", "cohort", "casestudies", "recommendations", "templates"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, METHODS, keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_english_catalogue_translates_every_string_of_the_source():
    catalogue = read_po(PO.open("rb"))
    translated = {}
    for m in catalogue:
        if not m.id:
            continue
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if strings and all(strings) and not m.fuzzy:
            translated[key] = strings
    missing = sorted(source_messages() - set(translated))
    assert missing == [], "run `make translations` and translate: " + "; ".join(missing[:10])


def test_placeholders_survive_translation():
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for m in read_po(PO.open("rb")):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        for string in m.string if isinstance(m.string, tuple) else (m.string,):
            assert set(placeholder.findall(string)) <= set(placeholder.findall(" ".join(ids))), m.id


def test_compiled_catalogue_is_up_to_date():
    def key(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    compiled = {key(m.id): key(m.string) for m in read_mo(MO.open("rb")) if m.id}
    source = [m for m in read_po(PO.open("rb")) if m.id and not m.fuzzy]
    assert len(compiled) == len(source)
    for m in source:
        assert compiled.get(key(m.id)) == key(m.string), f"recompile the catalogue: {m.id!r}"


def test_language_follows_the_browser_then_the_profile(client, make):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Sign in" in page(response) and 'lang="en"' in page(response)
    response = client.get("/login", headers={"Accept-Language": "de-DE"})
    assert "Connexion à Coélab" in page(response)
    user = make.user("Julie", "Perrin")
    login(client, user.email)
    post(client, "/profile", {"profile-submit": "1", "profile-first_name": "Julie",
                              "profile-last_name": "Perrin", "profile-locale": "fr"},
         token_from="/profile")
    html = page(client.get("/dashboard", headers={"Accept-Language": "en"}))
    assert "Bonjour Julie" in html


FR_PO = ROOT / "platform/coelab/translations/fr/LC_MESSAGES/messages.po"


def test_french_plurals_count_zero_as_one(app):
    """French, the source language, says "0 jour", "1 jour", "2 jours": its catalogue
    gives every plural message its forms and the French rule (coelab/i18n.py)."""
    plurals = [m for m in read_po(FR_PO.open("rb")) if m.id and m.pluralizable]
    assert plurals and all(m.string and m.string[0] == m.id[0] for m in plurals)
    compiled = {tuple(m.id) for m in read_mo(FR_PO.with_suffix(".mo").open("rb"))
                if isinstance(m.id, tuple | list)}
    assert compiled == {tuple(m.id) for m in plurals}, "run make translations"
    text = ("%(num)d livrable validé sur %(total)d", "%(num)d livrables validés sur %(total)d")
    for lang, n, expected in (("fr", 0, "0 livrable validé sur 3"),
                              ("fr", 1, "1 livrable validé sur 3"),
                              ("fr", 2, "2 livrables validés sur 3"),
                              ("en", 0, "0 deliverables validated out of 3")):
        with app.test_request_context(), force_locale(lang):
            assert ngettext(*text, n, total=3) == expected, (lang, n)
