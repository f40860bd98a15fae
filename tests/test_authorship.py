"""Authorship by Yjs identity: the update reader against pycrdt, the ranges against a set,
and who wrote what against texts where each person types their own letters."""

from __future__ import annotations

import json
import random
from collections import Counter

import pycrdt
import pytest
from coelab.documents.authorship import Authorship, _add, _covered, _of_pairs, _pairs
from coelab.documents.yencoding import UpdateFormatError, read_update
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import IdMap, write_var_uint


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def state_vector(doc: pycrdt.Doc) -> dict[int, int]:
    from coelab.documents.yencoding import _Reader

    reader = _Reader(doc.get_state())
    return {reader.uint(): reader.uint() for _ in range(reader.uint())}


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["text", "delete", "map", "array", "format"]),
                          st.integers(0, 10_000), st.text(min_size=1, max_size=4), VALUES),
                max_size=40))
def test_the_reader_finds_every_range_pycrdt_integrates(steps):
    """Whatever an update holds (strings with any characters, values of every kind, map
    keys, formatting), the reader ends each client where pycrdt's state vector does, and
    its deletions are the clock units the document no longer shows."""
    doc = pycrdt.Doc()
    text = doc.get("content", type=pycrdt.Text)
    other = doc.get("m", type=pycrdt.Map)
    array = doc.get("a", type=pycrdt.Array)
    ends: dict[int, int] = {}
    for kind, where, value, any_value in steps:
        before = doc.get_state()
        current = str(text)
        index = where % (len(current) + 1)
        byte = len(current[:index].encode())
        if kind == "text":
            text.insert(byte, value)
        elif kind == "delete" and current:
            end = len(current[:index + 1].encode())
            if end > byte:
                del text[byte:end]
        elif kind == "map":
            other[value] = any_value
        elif kind == "array":
            array.append(any_value)
        elif kind == "format" and current:
            text.format(0, len(current.encode()), {"bold": True})
        inserted, _deleted = read_update(doc.get_update(before))
        for piece in inserted:
            ends[piece.client] = max(ends.get(piece.client, 0), piece.clock + piece.length)
    assert ends == {c: n for c, n in state_vector(doc).items() if c in ends}
    inserted, deleted = read_update(doc.get_update())
    assert sum(p.length for p in inserted) == sum(state_vector(doc).values())
    assert all(isinstance(p.client, int) for p in deleted)


def test_the_reader_refuses_what_is_not_an_update():
    for junk in (b"\x01", b"\x01\x01\x05\x00\x1f", b"\x01\x01\x05\x00\x04\x07\x01\xff",
                 b"\xff" * 12):
        with pytest.raises(UpdateFormatError):
            read_update(junk)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 2), st.integers(0, 60), st.integers(1, 12)),
                max_size=30))
def test_ranges_behave_as_a_set_of_clocks(adds):
    """The ranges, kept in pycrdt's IdMap, against a set of (client, clock)."""
    ranges, model = IdMap(), set()
    for client, start, length in adds:
        fresh = _add(ranges, client, start, length)
        span = {(client, c) for c in range(start, start + length)}
        assert sum(e - s for s, e in fresh) == len(span - model)
        assert all(not ({(client, c) for c in range(s, e)} & model) for s, e in fresh)
        model |= span
        assert sum(r.end - r.start for _, r in ranges) == len(model)
        # sorted and merged: no two ranges of a client touch
        assert all(e0 < s1 for pairs in _pairs(ranges).values()
                   for (_, e0), (s1, _) in zip(pairs, pairs[1:], strict=False))
    for client, start, length in adds:
        span = {(client, c) for c in range(start, start + length)}
        assert _covered(ranges, client, start, start + length) == len(model & span)
    assert _pairs(_of_pairs(_pairs(ranges))) == _pairs(ranges)


TEMPLATE = "TXYZ"
LETTERS = {None: TEMPLATE, 1: "aé", 2: "b😀", 3: "c"}


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 2, 3]),
                          st.sampled_from(["type", "delete", "sync"]),
                          st.integers(0, 10_000), st.integers(1, 4)), max_size=60),
       st.integers(0, 2**32))
def test_each_person_keeps_the_characters_they_typed(steps, seed):
    """Three people edit their own copies concurrently and sync now and then; the server
    applies what each sends. Each types only their own letters, so the final text says
    who wrote what: the authorship must say the same, and count every character typed,
    and every one removed exactly once, whoever removed it and however often."""
    rng = random.Random(seed)
    server = pycrdt.Doc()
    server_text = server.get("content", type=pycrdt.Text)
    server_text += TEMPLATE
    authorship = Authorship.of_seed(server.get_update())
    typed: Counter = Counter({None: utf16(TEMPLATE)})
    copies = {}
    for person in (1, 2, 3):
        copy = pycrdt.Doc()
        copy.get("content", type=pycrdt.Text)
        copy.apply_update(server.get_update())
        copies[person] = copy
    inserted: Counter = Counter()
    deleted: Counter = Counter()

    def sync(person):
        copy = copies[person]
        update = copy.get_update(server.get_state())
        if update != b"\x00\x00":
            server.apply_update(update)
            i, d = authorship.record(update, person)
            inserted[person] += i
            deleted[person] += d
        copy.apply_update(server.get_update(copy.get_state()))

    for person, action, where, count in steps:
        copy = copies[person]
        text = copy.get("content", type=pycrdt.Text)
        current = str(text)
        index = where % (len(current) + 1)
        start = len(current[:index].encode())
        if action == "type":
            chunk = "".join(rng.choice(LETTERS[person]) for _ in range(count))
            text.insert(start, chunk)
            typed[person] += utf16(chunk)
        elif action == "delete" and current:
            end = len(current[:index + count].encode())
            if end > start:
                del text[start:end]
        else:
            sync(person)
    for person in copies:
        sync(person)
    final = str(server_text)
    expected = Counter()
    for char in final:
        owner = next(p for p, letters in LETTERS.items() if char in letters)
        expected[owner] += utf16(char)
    present = authorship.present()
    assert {k: v for k, v in present.items() if v} == {k: v for k, v in expected.items() if v}
    assert all(inserted[p] == typed[p] for p in (1, 2, 3))
    assert sum(deleted.values()) == sum(typed.values()) - utf16(final)
    # saved with a snapshot and read back, it says the same
    restored = Authorship.loads(authorship.dumps(), server.get_update())
    assert restored.present() == present


def test_an_earlier_authorship_format_counts_the_snapshot_as_nobodys():
    doc = pycrdt.Doc()
    doc.get("content", type=pycrdt.Text).insert(0, "déjà écrit")
    legacy = json.dumps([[7, len("déjà écrit".encode())]])
    for saved in (legacy, None, "not json"):
        assert Authorship.loads(saved, doc.get_update()).present() == {None: len("déjà écrit")}


def test_text_stays_its_first_senders_when_someone_else_sends_it_again():
    """A copy may send pieces the server already has (a resent sync answer, a browser
    holding someone else's offline edits): they stay whose they were."""
    server = pycrdt.Doc()
    server.get("content", type=pycrdt.Text)
    authorship = Authorship.of_seed(server.get_update())
    mine = pycrdt.Doc()
    mine.get("content", type=pycrdt.Text).insert(0, "écrit par une")
    update = mine.get_update()
    server.apply_update(update)
    assert authorship.record(update, 1) == (len("écrit par une"), 0)
    server.apply_update(update)
    assert authorship.record(update, 2) == (0, 0)
    assert authorship.present() == {1: len("écrit par une")}


def test_ranges_read_back_whatever_order_they_were_saved_in():
    assert _pairs(_of_pairs({"7": [[0, 3], [5, 8]]})) == {"7": [[0, 3], [5, 8]]}
    assert _pairs(_of_pairs({"7": [[5, 8], [0, 3], [2, 6], [9, 9]]})) == {"7": [[0, 8]]}
    assert _pairs(_of_pairs({"7": [[0, 3], [3, 4]]})) == {"7": [[0, 4]]}


def test_ranges_no_yjs_document_holds_are_counted_for_nobody():
    """A crafted update naming a client beyond 53 bits or a clock beyond 32 (which lib0
    refuses, and yrs truncates) is counted for nobody, not an error."""
    def update(client: int, clock: int, deleted: tuple[int, int, int] | None = None) -> bytes:
        out = write_var_uint(1) + write_var_uint(1) + write_var_uint(client)
        out += write_var_uint(clock) + b"\x04" + write_var_uint(1)  # a string, root type:
        out += write_var_uint(7) + b"content" + write_var_uint(2) + b"ab"  # "content"
        if deleted is None:
            return out + write_var_uint(0)
        c, k, n = deleted
        return out + b"".join(write_var_uint(v) for v in (1, c, 1, k, n))

    authorship = Authorship()
    for client, clock in ((2**53, 0), (2**64 + 5, 0), (5, 2**32 - 1), (5, 2**40)):
        assert authorship.record(update(client, clock), 1) == (0, 0)
    assert authorship.record(update(5, 0, (2**53 + 5, 0, 2)), 1) == (2, 0)
    assert authorship.record(update(6, 0, (5, 2**32 - 1, 2)), 1) == (2, 0)
    assert authorship.present() == {1: 4}
