"""Authorship runs follow every change exactly (checked against a per-byte model)."""

from __future__ import annotations

from collections import Counter

from coelab.documents.authorship import Authorship
from hypothesis import given, settings
from hypothesis import strategies as st

OPS = st.lists(
    st.tuples(st.sampled_from(["insert", "delete"]), st.integers(0, 10_000),
              st.text(alphabet="aé€ b", min_size=1, max_size=5), st.integers(1, 6),
              st.sampled_from([None, 1, 2, 3])),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(OPS, st.sampled_from([1, 2, 128]))
def test_runs_match_a_per_byte_model(ops, block):
    from coelab.documents import authorship as module

    saved, module.BLOCK = module.BLOCK, block  # small blocks: splits and cross-block deletes
    try:
        check_against_model(ops)
    finally:
        module.BLOCK = saved


def check_against_model(ops):
    authorship = Authorship("départ")
    owners: list = [None] * len("départ".encode())
    for kind, where, value, count, user in ops:
        text = bytes(authorship.text).decode()
        chars = len(text)
        index = where % (chars + 1)
        byte_pos = len(text[:index].encode())
        if kind == "insert":
            data = value.encode()
            delta = [{"retain": byte_pos}, {"insert": value}] if byte_pos else [
                {"insert": value}]
            assert authorship.apply_delta(delta, user) == (len(value), 0)
            owners[byte_pos:byte_pos] = [user] * len(data)
        elif chars:
            removed = text[index:index + count]
            n = len(removed.encode())
            if not n:
                continue
            delta = [{"retain": byte_pos}, {"delete": n}] if byte_pos else [{"delete": n}]
            assert authorship.apply_delta(delta, user) == (0, len(removed))
            del owners[byte_pos:byte_pos + n]
        assert sum(size for _, size in authorship.runs) == len(authorship.text)
    # run-length runs expand to exactly the per-byte owners
    expanded = [owner for owner, size in authorship.runs for _ in range(size)]
    assert expanded == owners
    present = authorship.present()
    model: Counter = Counter()
    text = bytes(authorship.text)
    position = 0
    for char in text.decode():
        model[owners[position]] += 1
        position += len(char.encode())
    assert {k: v for k, v in present.items() if v} == {k: v for k, v in model.items() if v}
    restored = Authorship.loads(text.decode(), authorship.dumps())
    assert restored.runs == authorship.runs


def test_many_hands_stay_fast_and_split_into_blocks():
    authorship = Authorship()
    for i in range(5000):
        position = (i * 7919) % (len(authorship.text) + 1)
        authorship.apply_delta([{"retain": position}, {"insert": "ab"}] if position else
                               [{"insert": "ab"}], i % 20)
    assert len(authorship.blocks) > 10
    assert sum(authorship.sizes) == len(authorship.text) == 10_000
