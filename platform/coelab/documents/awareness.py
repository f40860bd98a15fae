"""The Yjs awareness wire format (y-protocols ``encodeAwarenessUpdate``).

An update is a lib0 varuint count, then per client: varuint client id, varuint clock,
varstring of the JSON state (``"null"`` when the client left).

The server relays each entry as it was sent, once stamped, so it encodes and decodes
entries rather than holding states: pycrdt 0.14.13's ``Awareness`` keeps its own states
(it drops entries whose clock is not newer, rewrites the JSON, adds the server as a
client), its ``Encoder.write_var_string`` writes a string's length in characters where
lib0 counts UTF-8 bytes (any accented name would be misread) and its ``Decoder`` does not
notice a truncated string. Integers are read by :func:`.yencoding.read_uint` and written
by pycrdt's ``write_var_uint``.

The server relays presence only under the identity it knows: :func:`stamp` replaces the
``user`` field of every state a socket sends by its person's name and colour, and marks
a reader's presence as a reader's (without a cursor).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pycrdt import write_var_uint

from .yencoding import UpdateFormatError, read_uint


class AwarenessError(ValueError):
    """Bytes that are not an awareness update."""


@dataclass(frozen=True)
class Entry:
    client: int
    clock: int
    state: str  # the JSON text, "null" when the client left

    @property
    def left(self) -> bool:
        return self.state == "null"


def decode(data: bytes) -> list[Entry]:
    entries = []
    try:
        count, pos = read_uint(data, 0)
        for _ in range(count):
            client, pos = read_uint(data, pos)
            clock, pos = read_uint(data, pos)
            length, pos = read_uint(data, pos)
            if pos + length > len(data):
                raise AwarenessError("truncated awareness state")
            try:
                state = data[pos:pos + length].decode()
                json.loads(state)
            except (UnicodeDecodeError, ValueError) as exc:
                raise AwarenessError("awareness state is not JSON") from exc
            pos += length
            entries.append(Entry(client, clock, state))
    except IndexError:
        raise AwarenessError("truncated awareness update") from None
    except UpdateFormatError as exc:
        raise AwarenessError(str(exc)) from None
    if pos != len(data):
        raise AwarenessError("trailing bytes after awareness update")
    return entries


def encode(entries: list[Entry]) -> bytes:
    out = bytearray(write_var_uint(len(entries)))
    for entry in entries:
        state = entry.state.encode()
        out += write_var_uint(entry.client) + write_var_uint(entry.clock)
        out += write_var_uint(len(state)) + state
    return bytes(out)


# accessible colours (contrast >= 4.5:1 on white), one per person, stable
PALETTE = ["#1f5fa8", "#a3333d", "#1d6b3a", "#7a4a9e", "#8a5a00", "#00707a", "#b3261e",
           "#4d5d00", "#5b4fc4", "#9c3f7a"]


def user_colour(user_id: int) -> str:
    return PALETTE[user_id % len(PALETTE)]


def identity(user_id: int, name: str) -> dict:
    """The ``user`` field of a person's presence, as the editor draws it."""
    colour = user_colour(user_id)
    return {"id": user_id, "name": name, "color": colour, "colorLight": colour + "33"}


def stamp(state: str, who: dict, reader: bool) -> str | None:
    """The presence state ``state`` (JSON) as relayed: its ``user`` is ``who``; a
    reader's has ``reader: true`` and no cursor. None when the state names another
    person: a Yjs provider sends back the presence of others it receives (an echo,
    stamped with their identity when it was first relayed), and nobody may show up
    under someone else's name."""
    try:
        value = json.loads(state)
    except ValueError:
        return None
    if not isinstance(value, dict):
        value = {}
    claimed = value.get("user")
    if isinstance(claimed, dict) and "id" in claimed and claimed["id"] != who["id"]:
        return None
    value["user"] = {**who, "reader": True} if reader else who
    if reader:
        value.pop("cursor", None)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
