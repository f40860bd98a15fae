"""The text of the co-editor's script comes from the page, translated by the server."""

from __future__ import annotations

import json
import re
from pathlib import Path

from coelab.db import db
from coelab.documents.ui_strings import ui_strings

from .conftest import login, page
from .test_realtime import team_doc  # noqa: F401 - fixture

SOURCE = Path(__file__).resolve().parents[1] / "frontend" / "src"
# keys the script builds from a connection state: 'status.' + state
BUILT = {f"status.{state}" for state in ("connected", "connecting", "reconnecting", "offline")}


def keys_the_script_uses() -> set[str]:
    """Every quoted 'group.name' of the script's sources, the groups being ui_strings'."""
    with_groups = re.compile(r"'((?:status|error|stop|editor|preview|presence|comments)\.\w+)'")
    keys = set()
    for path in SOURCE.glob("*.js"):
        keys |= set(with_groups.findall(path.read_text(encoding="utf-8")))
    return keys | BUILT


def strings_of(html: str) -> dict[str, str]:
    block = re.search(r'<script type="application/json" id="coelab-i18n">(.*?)</script>',
                      html, re.S)
    assert block, "no #coelab-i18n block on the page"
    return json.loads(block.group(1))


def test_every_key_the_script_uses_is_given(app):
    with app.test_request_context():
        given = set(ui_strings())
    used = keys_the_script_uses()
    assert len(used) > 25
    assert sorted(used - given) == []
    assert sorted(given - used) == []


def test_editor_page_gives_the_strings_in_the_reader_language(client, team_doc):  # noqa: F811
    document = team_doc["document"]
    login(client, team_doc["amandine"].email)
    html = page(client.get(f"/documents/{document.id}"))
    strings = strings_of(html)
    assert strings["presence.self"] == "(vous)"
    # placeholders are left to the script, which fills them
    assert "%(max)s" in strings["error.pasteTooLarge"]
    assert 'data-max-update-size="' in html and "data-msg-" not in html
    team_doc["amandine"].locale = "en"
    db.session.commit()
    strings = strings_of(page(client.get(f"/documents/{document.id}")))
    assert strings["presence.self"] == "(you)"
    assert strings["comments.resolvedBy"] == "Resolved by %(name)s"

