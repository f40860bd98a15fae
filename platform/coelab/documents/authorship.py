"""Who wrote which part of a text: runs of UTF-8 bytes attributed to a person.

pycrdt reports text changes as deltas counted in UTF-8 bytes (Yjs and CodeMirror count
UTF-16 units); keeping the mirror of the text in bytes lets every position of a delta be
used as it comes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable


class Authorship:
    """A byte mirror of the text and, for every byte, who inserted it (run-length)."""

    def __init__(self, text: str = "", runs: list[list] | None = None) -> None:
        self.text = bytearray(text.encode())
        self.runs: list[list] = [list(r) for r in runs] if runs else []
        if not self.runs and self.text:
            self.runs = [[None, len(self.text)]]
        if sum(n for _, n in self.runs) != len(self.text):
            # runs saved by an older state than the text: attribute the text to nobody
            self.runs = [[None, len(self.text)]] if self.text else []

    # --- changes -------------------------------------------------------------------

    def apply_delta(self, delta: Iterable[dict], user_id: int | None) -> tuple[int, int]:
        """Apply one text delta made by ``user_id``; return (inserted, deleted) characters."""
        pos = 0
        inserted = deleted = 0
        for op in delta:
            if "retain" in op:
                pos += op["retain"]
            elif "delete" in op:
                n = op["delete"]
                removed = bytes(self.text[pos:pos + n])
                deleted += len(removed.decode("utf-8", errors="replace"))
                del self.text[pos:pos + n]
                self._remove(pos, n)
            elif "insert" in op:
                value = op["insert"]
                data = value.encode() if isinstance(value, str) else b"\xef\xbf\xbc"
                self.text[pos:pos] = data
                self._insert(pos, len(data), user_id)
                inserted += len(value) if isinstance(value, str) else 1
                pos += len(data)
        return inserted, deleted

    def _insert(self, pos: int, n: int, user_id: int | None) -> None:
        offset = 0
        for i, (owner, size) in enumerate(self.runs):
            if pos <= offset + size:
                cut = pos - offset
                if owner == user_id:
                    self.runs[i][1] += n
                elif cut == size and i + 1 < len(self.runs) and self.runs[i + 1][0] == user_id:
                    self.runs[i + 1][1] += n
                elif cut == 0:
                    self.runs.insert(i, [user_id, n])
                elif cut == size:
                    self.runs.insert(i + 1, [user_id, n])
                else:
                    self.runs[i:i + 1] = [[owner, cut], [user_id, n], [owner, size - cut]]
                return
            offset += size
        self.runs.append([user_id, n])

    def _remove(self, pos: int, n: int) -> None:
        out: list[list] = []
        offset = 0
        for owner, size in self.runs:
            start, end = offset, offset + size
            offset = end
            keep_before = max(0, min(end, pos) - start)
            keep_after = max(0, end - max(start, pos + n))
            kept = keep_before + keep_after
            if kept:
                if out and out[-1][0] == owner:
                    out[-1][1] += kept
                else:
                    out.append([owner, kept])
        self.runs = out

    # --- reading -----------------------------------------------------------------

    def present(self) -> Counter:
        """Characters of the current text per person."""
        counts: Counter = Counter()
        offset = 0
        for owner, size in self.runs:
            chunk = bytes(self.text[offset:offset + size])
            counts[owner] += len(chunk.decode("utf-8", errors="ignore"))
            offset += size
        return counts

    def dumps(self) -> str:
        return json.dumps(self.runs, separators=(",", ":"))

    @staticmethod
    def loads(text: str, data: str | None) -> Authorship:
        return Authorship(text, json.loads(data) if data else None)
