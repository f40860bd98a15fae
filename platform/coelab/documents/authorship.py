"""Who wrote which part of a text: runs of UTF-8 bytes attributed to a person.

pycrdt reports text changes as deltas counted in UTF-8 bytes (Yjs and CodeMirror count
UTF-16 units); keeping the mirror of the text in bytes lets every position of a delta be
used as it comes. Runs are kept in blocks, so that finding a position costs a walk over
the blocks and one block, not over every run of a long, many-handed text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

BLOCK = 128  # runs per block before it is split


class Authorship:
    """A byte mirror of the text and, for every byte, who inserted it (run-length)."""

    def __init__(self, text: str = "", runs: list[list] | None = None) -> None:
        self.text = bytearray(text.encode())
        flat = [list(r) for r in runs] if runs else []
        if sum(n for _, n in flat) != len(self.text):
            # runs saved for another text: attribute the text to nobody
            flat = []
        if not flat and self.text:
            flat = [[None, len(self.text)]]
        self.blocks: list[list[list]] = [flat[i:i + BLOCK] for i in range(0, len(flat), BLOCK)]
        self.sizes: list[int] = [sum(n for _, n in b) for b in self.blocks]

    @property
    def runs(self) -> list[list]:
        return [run for block in self.blocks for run in block]

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

    def _block_at(self, pos: int) -> tuple[int, int]:
        """The block holding byte ``pos`` (an insertion at the very end: the last block),
        and the offset of that block's first byte."""
        offset = 0
        for index, size in enumerate(self.sizes):
            if pos <= offset + size:
                return index, offset
            offset += size
        return len(self.sizes) - 1, offset - (self.sizes[-1] if self.sizes else 0)

    def _insert(self, pos: int, n: int, user_id: int | None) -> None:
        if not self.blocks:
            self.blocks, self.sizes = [[[user_id, n]]], [n]
            return
        b, offset = self._block_at(pos)
        runs = self.blocks[b]
        for i, (owner, size) in enumerate(runs):
            if pos <= offset + size:
                cut = pos - offset
                if owner == user_id:
                    runs[i][1] += n
                elif cut == size and i + 1 < len(runs) and runs[i + 1][0] == user_id:
                    runs[i + 1][1] += n
                elif cut == 0:
                    runs.insert(i, [user_id, n])
                elif cut == size:
                    runs.insert(i + 1, [user_id, n])
                else:
                    runs[i:i + 1] = [[owner, cut], [user_id, n], [owner, size - cut]]
                break
            offset += size
        else:
            runs.append([user_id, n])
        self.sizes[b] += n
        if len(runs) > 2 * BLOCK:
            self.blocks[b:b + 1] = [runs[:BLOCK], runs[BLOCK:]]
            self.sizes[b:b + 1] = [sum(r[1] for r in runs[:BLOCK]),
                                   sum(r[1] for r in runs[BLOCK:])]

    def _remove(self, pos: int, n: int) -> None:
        end = pos + n
        offset = 0  # where the current block started before this removal
        b = 0
        while b < len(self.blocks) and offset < end:
            block_start, block_end = offset, offset + self.sizes[b]
            offset = block_end
            if block_end <= pos:
                b += 1
                continue
            kept: list[list] = []
            removed = 0
            run_start = block_start
            for owner, size in self.blocks[b]:
                run_end = run_start + size
                cut = max(0, min(run_end, end) - max(run_start, pos))
                run_start = run_end
                removed += cut
                if size > cut:
                    if kept and kept[-1][0] == owner:
                        kept[-1][1] += size - cut
                    else:
                        kept.append([owner, size - cut])
            if kept:
                self.blocks[b] = kept
                self.sizes[b] -= removed
                b += 1
            else:
                del self.blocks[b]
                del self.sizes[b]

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
