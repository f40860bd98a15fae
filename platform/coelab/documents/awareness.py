"""The Yjs awareness wire format (y-protocols ``encodeAwarenessUpdate``).

An update is a lib0 varuint count, then per client: varuint client id, varuint clock,
varstring of the JSON state (``"null"`` when the client left).
"""

from __future__ import annotations

import json
from dataclasses import dataclass


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


def _read_varuint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise AwarenessError("truncated awareness update")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise AwarenessError("varuint too long")


def _write_varuint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def decode(data: bytes) -> list[Entry]:
    count, pos = _read_varuint(data, 0)
    entries = []
    for _ in range(count):
        client, pos = _read_varuint(data, pos)
        clock, pos = _read_varuint(data, pos)
        length, pos = _read_varuint(data, pos)
        if pos + length > len(data):
            raise AwarenessError("truncated awareness state")
        try:
            state = data[pos:pos + length].decode()
            json.loads(state)
        except (UnicodeDecodeError, ValueError) as exc:
            raise AwarenessError("awareness state is not JSON") from exc
        pos += length
        entries.append(Entry(client, clock, state))
    if pos != len(data):
        raise AwarenessError("trailing bytes after awareness update")
    return entries


def encode(entries: list[Entry]) -> bytes:
    out = bytearray(_write_varuint(len(entries)))
    for entry in entries:
        state = entry.state.encode()
        out += _write_varuint(entry.client) + _write_varuint(entry.clock)
        out += _write_varuint(len(state)) + state
    return bytes(out)
