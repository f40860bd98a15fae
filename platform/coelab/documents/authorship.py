"""Who wrote which part of a text, by the identities Yjs gives it.

Every piece of a Yjs document is identified by the client that inserted it (a random
number each editor's browser picks) and a clock. The server knows who sent each update,
so it knows each client's person; a piece of text is then its inserter's, wherever it
moves, and deleting it removes it from their count whoever deletes it. This is how Yjs
itself attributes content (its ``PermanentUserData``), and it costs the size of each
update: the earlier bookkeeping read pycrdt's text deltas, whose positions yrs computes
by walking the whole text, 2 ms a keystroke on a 90,000-character document.

Counts are in Yjs clock units: a character of text counts one UTF-16 code unit, as the
editor counts it (an emoji outside the Basic Multilingual Plane counts two).
"""

from __future__ import annotations

import json
from collections import Counter

from pycrdt import ContentAttribute, IdMap

from .yencoding import Deleted, Inserted, UpdateFormatError, read_update

FORMAT = 2  # of what dumps() writes


# pycrdt's IdMap: per client, sorted and merged clock ranges, each with attributes; a
# range exists only with one, so every range here carries this one
_IN = [ContentAttribute("in", True)]


def _fits(client: int, clock: int, length: int) -> bool:
    """Whether an IdMap holds the range: yrs keeps clients in 53 bits (as lib0, which
    refuses larger integers) and clocks in 32. Beyond, the update was crafted: its range
    is counted for nobody."""
    return client < 2**53 and clock + length < 2**32


def _add(ranges: IdMap, client: int, clock: int, length: int) -> list[tuple[int, int]]:
    """Add ``[clock, clock + length)`` of ``client``; return the parts that were not in
    (a copy's sync answer repeats every deletion it knows)."""
    new = [(r.start, r.end) for r in ranges.attributions(client, clock, length)
           if not r.attributes]
    if new:
        ranges.insert(client, clock, length, _IN)
    return new


def _covered(ranges: IdMap, client: int, start: int, end: int) -> int:
    """Units of ``[start, end)`` of ``client`` in ``ranges``."""
    return sum(r.end - r.start for r in ranges.attributions(client, start, end - start)
               if r.attributes)


def _pairs(ranges: IdMap) -> dict[str, list[list[int]]]:
    pairs: dict[str, list[list[int]]] = {}
    for client, r in ranges:
        pairs.setdefault(str(client), []).append([r.start, r.end])
    return pairs


def _of_pairs(saved: dict[str, list[list[int]]]) -> IdMap:
    ranges = IdMap()
    for key, pairs in saved.items():
        client = int(key)
        for start, end in pairs:
            start, end = int(start), int(end)
            if start < end and _fits(client, start, end - start):
                ranges.insert(client, start, end - start, _IN)
    return ranges


class Authorship:
    """Each Yjs client's person, and the clock ranges of each client that were inserted
    (``live``: items, not ranges garbage-collected away) and that were deleted since."""

    def __init__(self) -> None:
        self.clients: dict[int, int | None] = {}
        self.live = IdMap()
        self.deleted = IdMap()

    def record(self, update: bytes, user_id: int | None) -> tuple[int, int]:
        """Account for an update ``user_id`` sent (once it is applied): return the
        characters it inserted and those it removed from the text."""
        try:
            inserted, deleted = read_update(update)
        except UpdateFormatError:
            return 0, 0  # applied by pycrdt, but not read here: counted for nobody
        return self.record_read(inserted, deleted, user_id)

    def record_read(self, inserted: list[Inserted], deleted: list[Deleted],
                    user_id: int | None) -> tuple[int, int]:
        """:meth:`record` for an update already read (:func:`read_update`)."""
        added = 0
        for piece in inserted:
            # a client's pieces belong to whoever first sent them
            self.clients.setdefault(piece.client, user_id)
            if piece.item and _fits(piece.client, piece.clock, piece.length):
                added += sum(e - s for s, e in
                             _add(self.live, piece.client, piece.clock, piece.length))
        removed = 0
        for piece in deleted:
            if _fits(piece.client, piece.clock, piece.length):
                fresh = _add(self.deleted, piece.client, piece.clock, piece.length)
                removed += sum(_covered(self.live, piece.client, s, e) for s, e in fresh)
        return added, removed

    def present(self) -> Counter:
        """Characters of the current text per person (None: nobody's, the template)."""
        counts: Counter = Counter()
        for client, r in self.live - self.deleted:
            counts[self.clients.get(client)] += r.end - r.start
        return counts

    def dumps(self) -> str:
        return json.dumps({
            "format": FORMAT,
            "clients": {str(c): u for c, u in self.clients.items()},
            "live": _pairs(self.live),
            "deleted": _pairs(self.deleted),
        }, separators=(",", ":"))

    @staticmethod
    def loads(data: str | None, snapshot: bytes | None) -> Authorship:
        """The authorship saved with a snapshot. Saved in the earlier form (runs of the
        text, which did not know Yjs identities) or not at all, the snapshot's content
        is counted as nobody's."""
        try:
            saved = json.loads(data) if data else None
        except ValueError:
            saved = None
        if not (isinstance(saved, dict) and saved.get("format") == FORMAT):
            return Authorship.of_seed(snapshot or b"")
        authorship = Authorship()
        authorship.clients = {int(c): u for c, u in saved["clients"].items()}
        authorship.live = _of_pairs(saved["live"])
        authorship.deleted = _of_pairs(saved["deleted"])
        return authorship

    @staticmethod
    def of_seed(update: bytes) -> Authorship:
        """The authorship of a state written by nobody in particular (a new document's
        template, a snapshot saved without authorship)."""
        authorship = Authorship()
        authorship.record(update, None)
        return authorship
