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
from bisect import bisect_left, bisect_right
from collections import Counter

from .yencoding import Deleted, Inserted, UpdateFormatError, read_update

FORMAT = 2  # of what dumps() writes


class Ranges:
    """Disjoint half-open clock ranges of one client, kept sorted and merged."""

    __slots__ = ("starts", "ends")

    def __init__(self, pairs: list[list[int]] | None = None) -> None:
        self.starts: list[int] = [int(start) for start, _ in pairs or []]
        self.ends: list[int] = [int(end) for _, end in pairs or []]
        # saved ranges come sorted and apart: anything else is rebuilt range by range
        if not all(s < e for s, e in zip(self.starts, self.ends, strict=True)) or not all(
                e < s for e, s in zip(self.ends, self.starts[1:], strict=False)):
            starts, ends = self.starts, self.ends
            self.starts, self.ends = [], []
            for start, end in zip(starts, ends, strict=True):
                self.add(start, end)

    def add(self, start: int, end: int) -> list[tuple[int, int]]:
        """Add ``[start, end)``; return the parts of it that were not in the set."""
        if end <= start:
            return []
        i = bisect_right(self.starts, start)
        if i and self.ends[i - 1] >= end:
            return []  # already in (a copy's sync answer repeats every deletion it knows)
        # the ranges that touch or overlap [start, end)
        first = bisect_left(self.ends, start)
        last = bisect_right(self.starts, end)
        new = []
        cursor = start
        for s, e in zip(self.starts[first:last], self.ends[first:last], strict=True):
            if s > cursor:
                new.append((cursor, min(s, end)))
            cursor = max(cursor, e)
        if cursor < end:
            new.append((cursor, end))
        if first < last:
            start = min(start, self.starts[first])
            end = max(end, self.ends[last - 1])
        self.starts[first:last] = [start]
        self.ends[first:last] = [end]
        return new

    def overlap(self, start: int, end: int) -> int:
        """Units of ``[start, end)`` in the set."""
        total = 0
        for i in range(bisect_right(self.ends, start), len(self.starts)):
            s, e = self.starts[i], self.ends[i]
            if s >= end:
                break
            total += min(e, end) - max(s, start)
        return total

    def common(self, other: Ranges) -> int:
        """Units in both sets."""
        return sum(self.overlap(s, e) for s, e in zip(other.starts, other.ends, strict=True))

    def measure(self) -> int:
        return sum(e - s for s, e in zip(self.starts, self.ends, strict=True))

    def pairs(self) -> list[list[int]]:
        return [[s, e] for s, e in zip(self.starts, self.ends, strict=True)]


class Authorship:
    """Each Yjs client's person, and the clock ranges of each client that were inserted
    (``live``: items, not ranges garbage-collected away) and that were deleted since."""

    def __init__(self) -> None:
        self.clients: dict[int, int | None] = {}
        self.live: dict[int, Ranges] = {}
        self.deleted: dict[int, Ranges] = {}

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
            if piece.item:
                ranges = self.live.setdefault(piece.client, Ranges())
                added += sum(e - s for s, e in
                             ranges.add(piece.clock, piece.clock + piece.length))
        removed = 0
        for piece in deleted:
            fresh = self.deleted.setdefault(piece.client, Ranges()).add(
                piece.clock, piece.clock + piece.length)
            live = self.live.get(piece.client)
            if live is not None:
                removed += sum(live.overlap(s, e) for s, e in fresh)
        return added, removed

    def present(self) -> Counter:
        """Characters of the current text per person (None: nobody's, the template)."""
        counts: Counter = Counter()
        for client, live in self.live.items():
            gone = self.deleted.get(client)
            units = live.measure() - (live.common(gone) if gone is not None else 0)
            if units:
                counts[self.clients.get(client)] += units
        return counts

    def dumps(self) -> str:
        return json.dumps({
            "format": FORMAT,
            "clients": {str(c): u for c, u in self.clients.items()},
            "live": {str(c): r.pairs() for c, r in self.live.items()},
            "deleted": {str(c): r.pairs() for c, r in self.deleted.items()},
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
        authorship.live = {int(c): Ranges(p) for c, p in saved["live"].items()}
        authorship.deleted = {int(c): Ranges(p) for c, p in saved["deleted"].items()}
        return authorship

    @staticmethod
    def of_seed(update: bytes) -> Authorship:
        """The authorship of a state written by nobody in particular (a new document's
        template, a snapshot saved without authorship)."""
        authorship = Authorship()
        authorship.record(update, None)
        return authorship
