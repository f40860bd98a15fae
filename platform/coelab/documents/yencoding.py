"""Reading the identities a Yjs v1 update carries: which clock ranges of which client it
inserts, and which it deletes.

pycrdt applies updates but does not say what they contain. Authorship needs only the
structs' identities and lengths and the delete set, read here from the documented
binary format of Yjs (lib0 encoding) without integrating anything: the cost is that of
the update, never that of the document.

Lengths are Yjs clock units: a string counts its UTF-16 code units (as Yjs and the
editor count characters), every other content its number of entries, or one.
"""

from __future__ import annotations

from dataclasses import dataclass


class UpdateFormatError(ValueError):
    """The bytes are not a Yjs v1 update this reader understands."""


@dataclass(frozen=True)
class Inserted:
    client: int
    clock: int
    length: int
    # an item: inserted by its client (even if deleted before it was sent, as an
    # offline edit typed and erased arrives); not a range garbage-collected away
    item: bool


@dataclass(frozen=True)
class Deleted:
    client: int
    clock: int
    length: int


# content references (the low five bits of an item's info byte)
_GC, _DELETED, _JSON, _BINARY, _STRING, _EMBED, _FORMAT, _TYPE, _ANY, _DOC, _SKIP = range(11)
_XML_ELEMENT, _XML_HOOK = 3, 5  # type references that carry a name


def read_uint(data: bytes, pos: int) -> tuple[int, int]:
    """The lib0 variable-length unsigned integer at ``pos`` of ``data``, and the position
    after it (for updates, state vectors and awareness updates alike). IndexError if
    ``data`` ends inside it; UpdateFormatError past ten bytes."""
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    value, shift = b & 0x7F, 7
    while True:
        pos += 1
        b = data[pos]
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos + 1
        shift += 7
        if shift > 70:
            raise UpdateFormatError("variable-length integer too long")


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        try:
            value = self.data[self.pos]
        except IndexError:
            raise UpdateFormatError("unexpected end of update") from None
        self.pos += 1
        return value

    def uint(self) -> int:
        try:
            value, self.pos = read_uint(self.data, self.pos)
        except IndexError:
            raise UpdateFormatError("unexpected end of update") from None
        return value

    def int(self) -> None:
        b = self.byte()
        while b & 0x80:
            b = self.byte()

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > len(self.data):
            raise UpdateFormatError("unexpected end of update")
        self.pos += n

    def bytes(self) -> bytes:
        n = self.uint()
        start = self.pos
        self.skip(n)
        return self.data[start:self.pos]

    def string(self) -> str:
        try:
            return self.bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise UpdateFormatError("a string is not UTF-8") from None

    def any(self, depth: int = 0) -> None:
        """Skip one lib0 "any" value."""
        if depth > 100:
            raise UpdateFormatError("value nested too deeply")
        tag = self.byte()
        if tag in (127, 126, 121, 120):  # undefined, null, false, true
            return
        if tag == 125:
            self.int()
        elif tag == 124:
            self.skip(4)
        elif tag in (123, 122):
            self.skip(8)
        elif tag == 119:
            self.bytes()
        elif tag == 118:
            for _ in range(self.uint()):
                self.bytes()
                self.any(depth + 1)
        elif tag == 117:
            for _ in range(self.uint()):
                self.any(depth + 1)
        elif tag == 116:
            self.bytes()
        else:
            raise UpdateFormatError(f"unknown value tag {tag}")


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def _content(reader: _Reader, ref: int) -> int:
    """Skip an item's content; return its length in clock units."""
    if ref == _DELETED:
        return reader.uint()
    if ref == _JSON:
        n = reader.uint()
        for _ in range(n):
            reader.bytes()
        return n
    if ref == _STRING:
        return _utf16_length(reader.string())
    if ref in (_BINARY, _EMBED):  # bytes, or an embed's JSON
        reader.bytes()
        return 1
    if ref == _FORMAT:
        reader.bytes()
        reader.bytes()
        return 1
    if ref == _TYPE:
        if reader.uint() in (_XML_ELEMENT, _XML_HOOK):
            reader.bytes()
        return 1
    if ref == _ANY:
        n = reader.uint()
        for _ in range(n):
            reader.any()
        return n
    if ref == _DOC:
        reader.bytes()
        reader.any()
        return 1
    raise UpdateFormatError(f"unknown content type {ref}")


# What one struct of an update needs before it can be integrated: (clock, length,
# the ids (client, clock) of other clients' items it refers to: its origin, its right
# origin, or the nested type it belongs to)
Struct = tuple[int, int, tuple[tuple[int, int], ...]]


def read_update(update: bytes, structs: dict[int, list[Struct]] | None = None
                ) -> tuple[list[Inserted], list[Deleted]]:
    """The ranges a Yjs v1 update inserts and those it deletes.

    With ``structs``, also fills it with each client's structs in order and what they
    refer to, for :func:`integrate`.
    """
    reader = _Reader(bytes(update))
    inserted: list[Inserted] = []
    for _ in range(reader.uint()):
        count, client, clock = reader.uint(), reader.uint(), reader.uint()
        run: list | None = None  # the range being read: clock, length, item
        mine: list[Struct] | None = None
        if structs is not None:
            mine = structs.setdefault(client, [])
        for _ in range(count):
            info = reader.byte()
            ref = info & 0x1F
            needs: list[tuple[int, int]] = []
            if ref == _GC:
                length, item = reader.uint(), False
            elif ref == _SKIP:
                clock += reader.uint()  # a gap: nothing of it is in this update
                continue
            else:
                if info & 0x80:  # origin
                    needs.append((reader.uint(), reader.uint()))
                if info & 0x40:  # right origin
                    needs.append((reader.uint(), reader.uint()))
                if not info & 0xC0:  # no origin: the parent is written
                    if reader.uint():
                        reader.bytes()  # a root type's name
                    else:
                        needs.append((reader.uint(), reader.uint()))  # a nested type's id
                    if info & 0x20:
                        reader.bytes()  # the key in a map
                length, item = _content(reader, ref), True
            if mine is not None:
                # a client's own earlier items always come first: only others' count
                mine.append((clock, length, tuple(n for n in needs if n[0] != client)))
            if length:
                if run is not None and run[2] == item and run[0] + run[1] == clock:
                    run[1] += length  # consecutive structs: one range (a snapshot
                    # holds tens of thousands of them)
                else:
                    if run is not None:
                        inserted.append(Inserted(client, *run))
                    run = [clock, length, item]
            clock += length
        if run is not None:
            inserted.append(Inserted(client, *run))
    deleted: list[Deleted] = []
    for _ in range(reader.uint()):
        client = reader.uint()
        for _ in range(reader.uint()):
            clock, length = reader.uint(), reader.uint()
            if length:
                deleted.append(Deleted(client, clock, length))
    return inserted, deleted


def integrate(state: dict[int, int], structs: dict[int, list[Struct]],
              deleted: list[Deleted]) -> dict[int, int] | None:
    """Whether an update can be integrated whole into a document whose state vector is
    ``state`` (client -> next clock), as Yjs integrates it; None if anything of it would
    be kept aside waiting for what it refers to (Yjs's "pending" structs or delete set).
    Otherwise the clocks it moves forward (client -> new next clock).

    A struct can be integrated when its client's earlier clocks are known (it starts at
    or before the state) and the other clients' items it refers to are known, in the
    document or earlier in the same update; a deletion when the range it deletes is.
    """
    moved: dict[int, int] = {}
    at = dict.fromkeys(structs, 0)
    progress = True
    while progress:
        progress = False
        for client, items in structs.items():
            i = at[client]
            while i < len(items):
                clock, length, needs = items[i]
                known = moved.get(client, state.get(client, 0))
                if clock > known:
                    break  # a gap: earlier clocks of this client are missing
                if clock + length > known:
                    if any(k >= moved.get(c, state.get(c, 0)) for c, k in needs):
                        break  # refers to something not (yet) known
                    moved[client] = clock + length
                i += 1
            if i != at[client]:
                at[client] = i
                progress = True
    if any(at[client] < len(items) for client, items in structs.items()):
        return None
    for piece in deleted:
        if piece.clock + piece.length > moved.get(piece.client, state.get(piece.client, 0)):
            return None
    return moved


def read_state_vector(data: bytes) -> dict[int, int]:
    """A document's state vector (``Doc.get_state()``): client -> next clock."""
    reader = _Reader(bytes(data))
    state = {}
    for _ in range(reader.uint()):
        client = reader.uint()
        state[client] = reader.uint()
    return state
