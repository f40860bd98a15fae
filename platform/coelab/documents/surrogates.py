"""Text cut inside an emoji: the server's document held as every Yjs client holds it.

Yjs counts text in UTF-16 code units, so a character outside the Basic Multilingual Plane
(most emoji) takes two clocks, a surrogate pair. An edit can refer to the point between
the two: an insertion at that index, the deletion of one half. Yjs then splits the item
holding the pair and, a string being unable to hold half a character, replaces both
halves with U+FFFD (``ContentString.splice``, yjs#248): every Yjs client shows "�X�".
yrs, under pycrdt, keeps strings in UTF-8 and, asked to split inside a character, keeps
the whole character on the left and an empty string on the right: the left item then
holds one clock's worth more text than its clocks, the right one nothing, and what
later edits say of these clocks lands one character off. With yjs 13.6.27 and pycrdt
0.14.13 (the case of ``tests/test_surrogates.py``):

- "😀", "X" inserted at index 1: Yjs "�X�", pycrdt "😀X";
- "a😀b", the low half deleted: Yjs "a�b", pycrdt "a😀" (it deleted the "b"), and a
  client loading pycrdt's state shows "a�";
- "a😀b", the high half deleted: Yjs "a�b", pycrdt "ab".

So yrs is never asked to split inside a pair. :class:`Pairs` keeps, per client, the
clocks at which a string of the document has the second half of a pair; an update whose
origins, right origins or deleted ranges fall on one of them (a few set look-ups) is
applied after the document has been rewritten as Yjs holds it: the state is encoded,
each string holding such a pair is written as the items Yjs splits it into (U+FFFD on
both sides of the cut, the same identities and origins), and a new ``Doc`` is loaded
from that. The updates are stored and relayed as they came: every Yjs client splits
them itself, and the log replayed through :class:`Pairs` gives the same document. The
text, its export, the snapshot and what new clients load are then what Yjs clients show.

Costs: a document holding no character outside the Basic Multilingual Plane pays one
regular-expression search per update (about a microsecond); otherwise each update is
read (a few microseconds for a keystroke), and a client's pairs are read from the
document the first time an update refers to that client's text (proportional to what
that client wrote). Cutting a pair costs the size of the document, once per pair cut
(a cut pair is two U+FFFD, never cut again).
"""

from __future__ import annotations

import re

import pycrdt

from .yencoding import UpdateFormatError, _content, _Reader, read_state_vector, read_uint

_GC, _STRING, _SKIP = 0, 4, 10  # content references (see yencoding)

# four-byte UTF-8 sequences: what a string of a character outside the BMP is written as
# (the bytes of a variable-length integer can match too: then the update is read)
_MAYBE_ASTRAL = re.compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_EMPTY_STATE = b"\x00"  # the state vector of a document holding nothing

# a string struct to cut: its clock, its length, where it starts, where its string's
# length prefix starts, where it ends, its info byte, its string, where its right
# origin is written (or None)
_Struct = tuple[int, int, int, int, int, int, str, "int | None"]
# a client's structs in an update: client, first clock, clock after the last, count,
# where its header starts, where its first struct starts, where it ends, the strings to cut
_Group = tuple[int, int, int, int, int, int, int, list[_Struct]]


class Pairs:
    """Where cutting a string of a document would separate the two halves of a surrogate
    pair (``points``: client -> clocks of the second halves), and the updates' way into
    the document that keeps yrs from doing it.

    A client's pairs are read from the document the first time an update refers to that
    client's text (``indexed``), then kept up to date from the updates: opening a room,
    exporting or answering a sync reads nothing, and a document that holds no character
    outside the Basic Multilingual Plane (``clean``) reads no update at all.
    """

    __slots__ = ("points", "indexed", "clean")

    def __init__(self) -> None:
        self.points: dict[int, set[int]] = {}
        self.indexed: set[int] = set()
        self.clean = False  # whether the document is known to hold no pair

    def load(self, doc: pycrdt.Doc, state: bytes) -> pycrdt.Doc:
        """Apply a document's whole state (its snapshot) to the empty ``doc``, reading
        nothing of it: its pairs are read when updates refer to them."""
        doc.apply_update(state)
        self.clean = not _MAYBE_ASTRAL.search(state)
        return doc

    def apply(self, doc: pycrdt.Doc, updates: list[bytes]) -> pycrdt.Doc:
        """Apply ``updates`` to ``doc`` in order, as Yjs would integrate them. Returns the
        document now holding them: ``doc``, or a copy rebuilt (same client id) when one
        of them cuts a pair ``doc`` holds whole."""
        if not self.clean and doc.get_state() == _EMPTY_STATE:
            self.clean = True  # a new document: every pair it will hold is indexed
        cuts = self._cuts(doc, updates)
        if cuts:
            doc = _rebuilt(doc, cuts)
            updates = [_cut(update, cuts)[0] for update in updates]
            for client, clocks in cuts.items():
                if client in self.points:
                    self.points[client] -= clocks
        if len(updates) == 1:
            doc.apply_update(updates[0])
        else:
            with doc.transaction():
                for update in updates:
                    doc.apply_update(update)
        return doc

    def _cuts(self, doc: pycrdt.Doc, updates: list[bytes]) -> dict[int, set[int]]:
        """Index the pairs the updates bring; return the pairs they cut (client ->
        clocks of the second halves)."""
        cuts: dict[int, set[int]] = {}
        state: dict[int, int] | None = None
        for update in updates:
            if self.clean and not self.points and not _MAYBE_ASTRAL.search(update):
                continue
            try:
                pairs, refs, _, _ = _read(update)
            except UpdateFormatError:
                continue  # not read here: pycrdt decides
            if not self.clean:
                for client in {client for client, _ in refs} - self.indexed:
                    self._index(doc, client)
            if pairs:
                if state is None:
                    state = read_state_vector(doc.get_state())
                for client, clock in pairs:
                    known = state.get(client, 0)
                    if clock > known:  # new text
                        self.points.setdefault(client, set()).add(clock)
                    elif clock == known:  # its first half is known, not its second:
                        cuts.setdefault(client, set()).add(clock)  # integrated from there
            for client, clock in refs:
                points = self.points.get(client)
                if points and clock in points:
                    cuts.setdefault(client, set()).add(clock)
        return cuts

    def _index(self, doc: pycrdt.Doc, client: int) -> None:
        """Read the pairs of ``client``'s text in ``doc`` (yrs encodes that client's
        structs alone when asked for what a peer lacking only them misses)."""
        self.indexed.add(client)
        state = read_state_vector(doc.get_state())
        if self.indexed.issuperset(state):
            self.clean = True  # every client's pairs are known (once this one's are)
        if not state.get(client):
            return
        state[client] = 0
        vector = bytearray()
        vector += pycrdt.write_var_uint(len(state))
        for c, clock in state.items():
            vector += pycrdt.write_var_uint(c)
            vector += pycrdt.write_var_uint(clock)
        part = doc.get_update(bytes(vector))
        if not _MAYBE_ASTRAL.search(part):
            return
        try:
            pairs, _, _, _ = _read(part, refs=False)
        except UpdateFormatError:
            return  # content this reader does not know (not Yjs text): no pair of text
        for c, clock in pairs:
            if c == client:
                self.points.setdefault(client, set()).add(clock)


def _rebuilt(doc: pycrdt.Doc, cuts: dict[int, set[int]]) -> pycrdt.Doc:
    """``doc``, its pairs at ``cuts`` cut as Yjs cuts them (a new Doc if any was)."""
    state = doc.get_update()
    rewritten, changed = _cut(state, cuts)
    if not changed:
        return doc
    fresh = pycrdt.Doc(client_id=doc.client_id)
    fresh.apply_update(rewritten)
    return fresh


_TWO_UINTS = re.compile(rb"[\x80-\xff]{0,10}[\x00-\x7f][\x80-\xff]{0,10}[\x00-\x7f]")


def _read(data: bytes, refs: bool = True, cuts: dict[int, set[int]] | None = None
          ) -> tuple[list[tuple[int, int]], list[tuple[int, int]], list[_Group], int]:
    """Read a Yjs v1 update: the pairs of its strings (client, clock of the second
    half); with ``refs``, the points at which integrating it cuts an item (client, clock
    of the first unit after the cut: after each origin, at each right origin, at both
    ends of each deleted range); with ``cuts``, its client groups and in each the
    strings holding one of these points; and where its delete set starts.

    Written for speed (integers read inline: a client's whole text is read when its
    pairs are first needed); what it cannot read raises UpdateFormatError.
    """
    data = bytes(data)
    pairs: list[tuple[int, int]] = []
    found: list[tuple[int, int]] = []
    groups: list[_Group] = []
    uint, skip_two = read_uint, _TWO_UINTS.match
    try:
        n, pos = uint(data, 0)
        for _ in range(n):
            header = pos
            count, pos = uint(data, pos)
            client, pos = uint(data, pos)
            clock, pos = uint(data, pos)
            first, body = clock, pos
            wanted = cuts.get(client) if cuts else None
            affected: list[_Struct] = []
            for _ in range(count):
                start = pos
                info = data[pos]
                pos += 1
                ref = info & 0x1F
                if ref == _GC or ref == _SKIP:
                    length, pos = uint(data, pos)
                    clock += length
                    continue
                right = None
                if info & 0x80:  # origin: a cut after it
                    if refs:
                        c, pos = uint(data, pos)
                        k, pos = uint(data, pos)
                        found.append((c, k + 1))
                    else:
                        pos = skip_two(data, pos).end()
                if info & 0x40:  # right origin: a cut before it
                    right = pos
                    if refs:
                        c, pos = uint(data, pos)
                        k, pos = uint(data, pos)
                        found.append((c, k))
                    else:
                        pos = skip_two(data, pos).end()
                if not info & 0xC0:  # no origin: the parent is written
                    named, pos = uint(data, pos)
                    if named:  # a root type's name
                        size, pos = uint(data, pos)
                        pos += size
                    else:  # a nested type's id
                        pos = skip_two(data, pos).end()
                    if info & 0x20:  # a key in a map
                        size, pos = uint(data, pos)
                        pos += size
                if ref != _STRING:
                    reader = _Reader(data)
                    reader.pos = pos
                    clock += _content(reader, ref)
                    pos = reader.pos
                    continue
                content = pos
                size, pos = uint(data, pos)
                raw = data[pos:pos + size]
                pos += size
                if raw.isascii():
                    clock += size
                    continue
                text = raw.decode("utf-8")
                length = len(text)
                for i, match in enumerate(_ASTRAL.finditer(text)):
                    pairs.append((client, clock + match.start() + i + 1))
                    length += 1
                if wanted and any(clock < p < clock + length for p in wanted):
                    affected.append((clock, length, start, content, pos, info, text, right))
                clock += length
            if cuts is not None:
                groups.append((client, first, clock, count, header, body, pos, affected))
        ds = pos
        if refs:
            n, pos = uint(data, pos)
            for _ in range(n):
                client, pos = uint(data, pos)
                ranges, pos = uint(data, pos)
                for _ in range(ranges):
                    clock, pos = uint(data, pos)
                    length, pos = uint(data, pos)
                    if length:
                        found.append((client, clock))
                        found.append((client, clock + length))
    except (IndexError, AttributeError, UnicodeDecodeError):
        raise UpdateFormatError("not an update this reader understands") from None
    if pos > len(data):
        raise UpdateFormatError("unexpected end of update")
    return pairs, found, groups, ds


def _string(out: bytearray, text: str) -> None:
    data = text.encode("utf-8")
    out += pycrdt.write_var_uint(len(data))
    out += data


def _cut(data: bytes, cuts: dict[int, set[int]]) -> tuple[bytes, bool]:
    """The update ``data`` with each string holding a pair at ``cuts`` written as the
    items Yjs splits it into (``Item.write`` after ``splitItem``): the first keeps the
    struct's origins, each next one has the previous unit as origin and the same right
    origin, and the halves of the pair are U+FFFD. Everything else is copied as it is.
    Returns the bytes and whether any string was cut."""
    try:
        _, _, groups, deletes = _read(data, refs=False, cuts=cuts)
    except UpdateFormatError:
        return data, False
    if not any(group[7] for group in groups):
        return data, False
    out = bytearray()
    out += pycrdt.write_var_uint(len(groups))
    changed = False
    for client, first, _, count, header, body, end, affected in groups:
        if not affected:
            out += data[header:end]
            continue
        written = bytearray()
        pos = body
        for clock, length, start, content, stop, info, text, right in affected:
            written += data[pos:start]
            pos = start
            units = text.encode("utf-16-le")
            splits = sorted(p - clock for p in cuts[client] if clock < p < clock + length
                            and 0xD800 <= _unit(units, p - clock - 1) <= 0xDBFF
                            and 0xDC00 <= _unit(units, p - clock) <= 0xDFFF)
            if not splits:
                continue
            changed = True
            halves = bytearray(units)
            for o in splits:
                halves[2 * o - 2:2 * o + 2] = "\ufffd\ufffd".encode("utf-16-le")
            bounds = [0, *splits, length]
            for i in range(len(bounds) - 1):
                piece = bytes(halves[2 * bounds[i]:2 * bounds[i + 1]]).decode("utf-16-le")
                if i == 0:
                    written += data[start:content]  # info byte, origins, parent
                else:
                    written.append(_STRING | 0x80 | (info & 0x60))
                    written += pycrdt.write_var_uint(client)
                    written += pycrdt.write_var_uint(clock + bounds[i] - 1)
                    if right is not None:  # the same right origin
                        written += data[right:_TWO_UINTS.match(data, right).end()]
                _string(written, piece)
            count += len(splits)
            pos = stop
        written += data[pos:end]
        out += pycrdt.write_var_uint(count)
        out += pycrdt.write_var_uint(client)
        out += pycrdt.write_var_uint(first)
        out += written
    out += data[deletes:]
    return (bytes(out), True) if changed else (data, False)


def _unit(units: bytes, index: int) -> int:
    return units[2 * index] | units[2 * index + 1] << 8
