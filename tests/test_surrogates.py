"""Text cut inside an emoji: the server's document, its export and its snapshot are what
every Yjs client shows (documents/surrogates.py), against the real yjs in Node."""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
from pathlib import Path

import pycrdt
import pytest
from coelab.db import db
from coelab.documents import operations as docs
from coelab.documents.models import Document
from coelab.documents.rooms import TEXT, UpdateRejected, append, catch_up, compact, hold, rooms
from coelab.documents.sockets import may_write
from coelab.documents.surrogates import Pairs, _read
from hypothesis import given, settings
from hypothesis import strategies as st

from .test_realtime import team_doc  # noqa: F401 - fixture

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"

# Updates written by yjs 13.6.27: client 1 types the first text, client 2 (which has
# it) makes the edit; what every Yjs client then shows
YJS_CASES = {
    "insert inside a pair": (
        ["01010100040107636f6e74656e7404f09f988000", "01010200c401000101015800"],
        "\ufffdX\ufffd"),
    "delete the low half": (
        ["01010100040107636f6e74656e740661f09f98806200", "000101010201"], "a\ufffdb"),
    "delete the high half": (
        ["01010100040107636f6e74656e740661f09f98806200", "000101010101"], "a\ufffdb"),
    "insert inside the second of three": (
        ["01010100040107636f6e74656e740cf09f9880f09f9880f09f988000",
         "01010200c401020103015800"], "😀\ufffdX\ufffd😀"),
    "two inserts in two pairs": (
        ["01010100040107636f6e74656e740a61f09f9880f09f98806200",
         "01020200c4010101020158c401030104015900"], "a\ufffdX\ufffd\ufffdY\ufffdb"),
    "an emoji inside a pair": (
        ["01010100040107636f6e74656e740678f09f98807900", "01010200c40101010204f09f8e8900"],
        "x\ufffd🎉\ufffdy"),
    "delete across two pairs": (
        ["01010100040107636f6e74656e740a61f09f9880f09f98806200", "000101010202"],
        "a\ufffd\ufffdb"),
}


def text_of(doc: pycrdt.Doc) -> str:
    return str(doc.get(TEXT, type=pycrdt.Text))


@pytest.mark.parametrize("name", YJS_CASES)
def test_the_document_shows_what_yjs_shows(name):
    """Applied one by one, together, or the second onto a loaded snapshot; the resulting
    state reloaded (what a compaction stores and new clients load), or applied where
    only the first update was (a room of another process catching up)."""
    hexes, shown = YJS_CASES[name]
    first, edit = (bytes.fromhex(h) for h in hexes)
    pairs = Pairs()
    doc = pycrdt.Doc()
    for update in (first, edit):
        doc = pairs.apply(doc, [update])
    assert text_of(doc) == shown
    assert text_of(Pairs().apply(pycrdt.Doc(), [first, edit])) == shown
    loaded = Pairs()
    assert text_of(loaded.apply(loaded.load(pycrdt.Doc(), first), [edit])) == shown
    assert text_of(Pairs().load(pycrdt.Doc(), doc.get_update())) == shown
    # a process that had only the first update takes another process's snapshot
    behind = Pairs()
    assert text_of(behind.apply(behind.load(pycrdt.Doc(), first), [doc.get_update()])) == shown
    # a pair once cut is two U+FFFD: only the others are left to watch
    assert sum(map(len, pairs.points.values())) == sum(ord(c) > 0xFFFF for c in shown)


def test_a_document_without_emoji_is_never_read_or_rebuilt():
    # a client id whose variable-length encoding cannot look like a four-byte UTF-8
    # character (a random one sometimes does, and the document is then read, rightly)
    source = pycrdt.Doc(client_id=1234)
    text = source.get(TEXT, type=pycrdt.Text)
    text += "Un texte accentué, sans émoji.\n"
    pairs = Pairs()
    doc = pairs.load(pycrdt.Doc(), source.get_update())
    assert pairs.clean
    for word in ("un ", "deux ", "trois "):
        before = source.get_state()
        text.insert(0, word)
        assert pairs.apply(doc, [source.get_update(before)]) is doc
    assert text_of(doc) == str(text) and pairs.points == {}


def test_a_pair_is_indexed_from_the_document_when_first_referred_to():
    """A loaded snapshot is not read; the first update referring to a client's text
    reads that client's pairs."""
    hexes, shown = YJS_CASES["insert inside the second of three"]
    first, edit = (bytes.fromhex(h) for h in hexes)
    pairs = Pairs()
    doc = pairs.load(pycrdt.Doc(), first)
    assert not pairs.clean and pairs.points == {} and pairs.indexed == set()
    doc = pairs.apply(doc, [edit])
    assert pairs.indexed == {1} and pairs.points == {1: {1, 5}}  # the cut one is gone
    assert text_of(doc) == shown


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.text(
    alphabet=st.sampled_from(["a", "é", "中", "😀", "🏽", "𝔸", "\n"]), min_size=1,
    max_size=5)), min_size=1, max_size=20))
def test_the_reader_counts_clocks_as_yjs_does(steps):
    """Whatever the characters, each client's structs end where pycrdt's state vector
    does, and the pairs found are the text's characters outside the BMP."""
    doc = pycrdt.Doc()
    text = doc.get(TEXT, type=pycrdt.Text)
    current = ""
    for where, value in steps:
        index = where % (len(current) + 1)
        text.insert(len(current[:index].encode()), value)
        current = current[:index] + value + current[index:]
    pairs, _, groups, _ = _read(doc.get_update(), cuts={})
    assert {group[0]: group[2] for group in groups} == {
        doc.client_id: len(current.encode("utf-16-le")) // 2}
    assert len(pairs) == sum(ord(c) > 0xFFFF for c in current)


# The real yjs: clients editing anywhere in UTF-16 units (inside pairs too), each
# update sent to the server as it is (the server relays it unchanged), the server now
# and then compacting and reopening the document, a client replaced by a new one
# loading the server's state; every client, the server's text and new clients agree.
NODE_CLIENTS = r"""
import * as Y from 'yjs'
import readline from 'node:readline'
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const ask = async (msg) => {
  process.stdout.write(JSON.stringify(msg) + '\n')
  const { value, done } = await lines.next()
  if (done) throw new Error('the server went away')
  return JSON.parse(value)
}
const b64 = (u) => Buffer.from(u).toString('base64')
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'))
let seed = Number(process.env.SEED)
const rnd = () => {  // mulberry32
  seed = (seed + 0x6D2B79F5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n) => Math.floor(rnd() * n)
const TOKENS = ['a', 'b', ' ', 'é', '\n', '中', '😀', '🎉', '👍🏽', '𝔸']
const clients = []
const problems = []
let next = 1000
const join = async () => {
  const { state } = await ask({ op: 'state' })
  const doc = new Y.Doc()
  doc.clientID = next++
  Y.applyUpdate(doc, unb64(state), 'server')
  const client = { doc, text: doc.getText('content'), outbox: [] }
  doc.on('update', (u, origin) => { if (origin !== 'server') client.outbox.push(u) })
  return client
}
const flush = async (client) => {
  for (const u of client.outbox.splice(0)) {
    const answer = await ask({ op: 'update', data: b64(u) })
    if (!answer.ok) problems.push('refused: ' + JSON.stringify(answer))
    for (const other of clients) if (other !== client) Y.applyUpdate(other.doc, u, 'server')
  }
}
const agree = async (when) => {
  for (const client of clients) await flush(client)
  const shown = clients.map((c) => c.text.toString())
  const { text } = await ask({ op: 'reload' })
  const fresh = await join()
  const all = [...shown, text, fresh.text.toString()]
  if (all.some((t) => t !== all[0])) problems.push(when + ': ' + JSON.stringify(all))
  clients[int(clients.length)] = fresh
  return all[0]
}
for (let i = 0; i < 3; i++) clients.push(await join())
let cuts = 0
for (let step = 0; step < Number(process.env.STEPS); step++) {
  const client = clients[int(clients.length)]
  const length = client.text.length
  const r = rnd()
  if (r < 0.45) {
    const at = int(length + 1)
    const before = client.text.toString().charCodeAt(at - 1)
    if (at < length && before >= 0xD800 && before < 0xDC00) cuts++  // inside a pair
    let value = ''
    for (let n = 1 + int(3); n > 0; n--) value += TOKENS[int(TOKENS.length)]
    client.text.insert(at, value)
  } else if (r < 0.7 && length) {
    const at = int(length)
    client.text.delete(at, Math.min(length - at, 1 + int(3)))
  } else if (r < 0.97) {
    await flush(client)
  } else {
    await agree('step ' + step)
  }
}
const text = await agree('end')
process.stdout.write(JSON.stringify({ op: 'done', problems, text, cuts }) + '\n')
"""


def run_node_clients(seed: int, steps: int, handle) -> dict:
    """Run the Yjs clients, answering their requests with ``handle``; their report."""
    if shutil.which("node") is None or not (FRONTEND / "node_modules" / "yjs").exists():
        pytest.skip("Node.js and the front-end packages (npm ci in frontend/) are needed")
    process = subprocess.Popen(
        ["node", "--input-type=module", "-e", NODE_CLIENTS], cwd=FRONTEND, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "SEED": str(seed), "STEPS": str(steps)})
    try:
        for line in process.stdout:
            message = json.loads(line)
            if message["op"] == "done":
                return message
            process.stdin.write(json.dumps(handle(message)) + "\n")
            process.stdin.flush()
        raise AssertionError(process.stderr.read()[-3000:])
    finally:
        process.kill()
        process.wait()


class PairsServer:
    """The server's integration alone: a document behind Pairs, its log since the last
    snapshot, reopened from the snapshot (and the log, replayed one by one or at once)."""

    def __init__(self) -> None:
        self.snapshot = b""
        self.log: list[bytes] = []
        self.reloads = 0
        self.open()

    def open(self) -> None:
        self.pairs = Pairs()
        self.doc = self.pairs.load(pycrdt.Doc(), self.snapshot) if self.snapshot \
            else pycrdt.Doc()
        if self.log and self.reloads % 2:
            self.doc = self.pairs.apply(self.doc, self.log)
        else:
            for update in self.log:
                self.doc = self.pairs.apply(self.doc, [update])

    def __call__(self, message: dict) -> dict:
        if message["op"] == "update":
            update = base64.b64decode(message["data"])
            self.doc = self.pairs.apply(self.doc, [update])
            self.log.append(update)
            return {"ok": True}
        if message["op"] == "state":
            return {"state": base64.b64encode(self.doc.get_update()).decode()}
        self.reloads += 1
        if self.reloads % 3 == 0:  # compaction
            self.snapshot, self.log = self.doc.get_update(), []
        self.open()
        return {"text": text_of(self.doc)}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_yjs_clients_and_the_server_agree_whatever_they_cut(seed):
    report = run_node_clients(seed, 400, PairsServer())
    assert report["problems"] == []
    assert report["cuts"] > 0  # pairs were cut
    assert "\ufffd" in report["text"] or report["cuts"] == 0


def test_yjs_clients_and_the_rooms_agree_through_the_log_and_compaction(
        app, team_doc):  # noqa: F811
    """The same through the server's write path: each update appended (and checked) by
    the room, the room compacted or evicted and reopened from the log, the export read
    as the deliverables read it."""
    document_id = team_doc["document"].id
    writer = team_doc["amandine"]
    reloads = 0

    def handle(message: dict) -> dict:
        nonlocal reloads
        room = rooms().get(document_id)
        if message["op"] == "update":
            try:
                append(room, writer, base64.b64decode(message["data"]), may_write)
            except UpdateRejected as exc:
                return {"ok": False, "code": exc.code}
            return {"ok": True}
        if message["op"] == "state":
            with hold(room):
                catch_up(room)
                return {"state": base64.b64encode(room.doc.get_update()).decode()}
        reloads += 1
        if reloads % 2:
            compact(room)
        rooms().evict(document_id)
        return {"text": docs.current_markdown(db.session.get(Document, document_id))}

    report = run_node_clients(7, 250, handle)
    assert report["problems"] == []
    assert report["cuts"] > 0
    with hold(room := rooms().get(document_id)):
        catch_up(room)
        assert room.markdown() == report["text"]


def test_a_batch_cutting_a_pair_it_brings_itself():
    """Yjs text and an edit cutting it, in the same batch (a log replayed at once), and a
    pair whose first half only the document knows (integrated from its second half)."""
    hexes, shown = YJS_CASES["two inserts in two pairs"]
    updates = [bytes.fromhex(h) for h in hexes]
    assert text_of(Pairs().apply(pycrdt.Doc(), updates)) == shown
    rng = random.Random(1)
    for _ in range(5):
        order = Pairs()
        doc = order.apply(pycrdt.Doc(), [updates[0]])
        doc = order.apply(doc, [updates[1]] * rng.randint(1, 3))  # sent again: no change
        assert text_of(doc) == shown
