"""Real-time co-editing benchmark: Coélab against the reference Yjs server.

    .venv/bin/python benchmarks/realtime.py [--seconds 20] [--quick]

For 5, 20 and 50 editors in one document, then 100 documents of 10 editors, each editor
inserts 1-3 characters at a random place about 5 times a second (Node.js clients: the
stock y-socket.io provider for Coélab, the y-websocket provider for @y/websocket-server,
one load generator for both, its editors spread over threads, at the lowest CPU
priority). Prints p50/p95/p99 propagation latency, delivered/expected updates,
convergence, the server's CPU use (and its CPU time per update typed, with the kernel's
share, beside the reference's), the generator's own CPU use and how late its event
loops ran (what it adds to every latency), and the latency ratio to the reference
server. Then the time to open a document whose history holds 100,000 updates, with and
without compaction, and the server's cost of one keystroke in a long document.
Everything runs on 127.0.0.1; nothing is asserted. ``--profile FILE`` samples the Coélab
server with py-spy during each run (a development tool: ``pip install py-spy``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"
sys.path.insert(0, str(ROOT))

from tests.live import Server, free_port, run, server_env  # noqa: E402


def cpu_seconds(pid: int, system: bool = False) -> float:
    """The process's CPU time (user + system), or its system time alone."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[12]) if system else int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def prepare(database: str, tmp: Path, layout: list[int], **server_settings: str
            ) -> tuple[dict, list[dict]]:
    """A migrated database with one document per entry of ``layout`` (its editor count)."""
    from coelab import create_app, sessions
    from coelab import operations as ops
    from coelab.db import db
    from coelab.documents.operations import create_document
    from coelab.documents.tokens import make_token
    from coelab.models import CohortRole, ModuleScope, Parcours

    env = server_env(tmp, database, **server_settings)
    run(["db", "upgrade"], env)
    app = create_app({"SECRET_KEY": "live-test-secret", "SQLALCHEMY_DATABASE_URI": database,
                      "INSTANCE_PATH": str(tmp / "instance"), "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 64})
    documents = []
    with app.app_context():
        cohort = ops.create_cohort(None, name="Bench", module_scope=ModuleScope.TRANSVERSAL,
                                   start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
        people = []
        for i in range(max(layout)):
            user = ops.create_user(None, email=f"editor{i}@example.org", first_name="E",
                                   last_name=str(i), password="correct horse battery")
            ops.add_member(None, cohort, user, CohortRole.TRAINEE, Parcours.I)
            people.append(user)
        # each editor's tokens belong to a session, as a token asked through the API does
        session_of = {p.id: sessions.start(p, remember=False, user_agent="benchmark",
                                           ip_address="127.0.0.1").id for p in people}
        for n, editors in enumerate(layout):
            document = create_document(None, cohort, title=f"Bench {n}", template="# Bench\n")
            documents.append({"id": document.id,
                              "tokens": [make_token(p.id, document.id, session_of[p.id])
                                         for p in people[:editors]]})
        db.session.remove()
        db.engine.dispose()
    return env, documents


def load(server: str, url: str, documents: list[dict], seconds: int, pid: int,
         workers: int, profile: Path | None = None, affinity: bool = False) -> dict:
    # affinity: the Coélab clients name their document in the handshake, as the editor's
    # page does (nginx then sends a document's editors to one process)
    config = {"server": server, "url": url, "documents": documents, "seconds": seconds,
              "rate": 5, "workers": workers, "affinity": affinity}
    sampler = None
    if profile is not None:
        # py-spy (a development tool, not a dependency: pip install py-spy) samples the
        # server's stacks for the whole run; "raw" is one folded stack a line, with counts
        sampler = subprocess.Popen(
            [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid),
             "--rate", "500", "--nonblocking", "--format", "raw", "-o", str(profile)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
    before, started = cpu_seconds(pid), time.monotonic()
    system_before = cpu_seconds(pid, system=True)
    # the generator stands for fifty people's own computers: at the lowest priority, it
    # takes what the server leaves of the machine, rather than the server's share
    out = subprocess.run(["nice", "-n", "19", "node", "bench/load.mjs", json.dumps(config)],
                         cwd=FRONTEND, capture_output=True, text=True, timeout=seconds + 120,
                         check=False)
    elapsed = time.monotonic() - started
    spent = cpu_seconds(pid) - before
    system = cpu_seconds(pid, system=True) - system_before
    if sampler is not None:
        sampler.send_signal(signal.SIGINT)
        sampler.wait(timeout=30)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["server_cpu"] = spent / elapsed
    result["server_system"] = system / spent if spent else 0.0  # the kernel's share
    # the server's CPU time per update typed (each is sent to every other editor of its
    # document): comparable between runs of different lengths and loads
    editors = len(documents[0]["tokens"])
    typed = result["expected"] // (editors - 1) if editors > 1 else 0
    result["cpu_per_update"] = spent / typed * 1e6 if typed else None
    return result


def reference_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
    process = subprocess.Popen(
        ["node", "node_modules/@y/websocket-server/src/server.js"], cwd=FRONTEND, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    return process


def line(label: str, r: dict, ref: dict | None) -> str:
    ratio = f"  ratio p99 {r['p99'] / ref['p99']:.2f}x" if ref and ref["p99"] else ""
    if ref and ref["server_cpu"]:
        ratio += f"  CPU {r['server_cpu'] / ref['server_cpu']:.2f}x"
    per_update = (f" ({r['cpu_per_update']:.0f} µs/update, "
                  f"{100 * r['server_system']:.0f} % in the kernel)"
                  if r.get("cpu_per_update") else "")
    return (f"{label:<24} p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms"
            f"  delivered {r['delivered']}/{r['expected']}  converged {r['converged']}"
            f"  server CPU {100 * r['server_cpu']:5.1f} %{per_update}"
            f"  load generator CPU {100 * r['cpu']:5.1f} %"
            f" (its loop late by p99 {r['lag_p99']:.0f} ms, max {r['lag_max']:.0f} ms)"
            f"{ratio}")


def bench_open(tmp: Path, updates: int) -> None:
    """Open a document with a long history (one person typing: characters at the cursor,
    a deletion one time in twenty, a jump elsewhere one time in thirty), before and after
    compaction."""
    import pycrdt
    from coelab import create_app
    from coelab import operations as ops
    from coelab.db import db
    from coelab.documents.models import DocumentUpdate
    from coelab.documents.operations import create_document
    from coelab.documents.rooms import compact, load_room
    from coelab.models import ModuleScope

    database = f"sqlite:///{tmp / 'history.db'}"
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database,
                      "INSTANCE_PATH": str(tmp / "instance")})
    with app.app_context():
        db.create_all()
        cohort = ops.create_cohort(None, name="H", module_scope=ModuleScope.TRANSVERSAL,
                                   start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
        document = create_document(None, cohort, title="History")
        source = pycrdt.Doc()
        text = source.get("content", type=pycrdt.Text)
        source.apply_update(document.snapshot)
        rng = random.Random(1)
        rows = []
        cursor = 0
        # what an editor sends: the update of each of its transactions
        sent: list[bytes] = []
        subscription = source.observe(lambda event: sent.append(event.update))  # noqa: F841
        # like typing: a character at the cursor, now and then a deletion or a jump
        for _ in range(updates):
            roll = rng.random()
            if roll < 0.05 and cursor > 0:
                del text[cursor - 1:cursor]
                cursor -= 1
            else:
                if roll > 0.97:
                    cursor = rng.randint(0, len(text))
                text.insert(cursor, rng.choice("abcdefghij "))
                cursor += 1
            rows.append({"document_id": document.id, "user_id": None,
                         "data": sent.pop(), "inserted": 1, "deleted": 0})
        db.session.execute(DocumentUpdate.__table__.insert(), rows)
        db.session.commit()
        started = time.perf_counter()
        room = load_room(document.id)
        cold = time.perf_counter() - started
        assert str(room.text) == str(text)
        started = time.perf_counter()
        compact(room)
        compaction = time.perf_counter() - started
        started = time.perf_counter()
        room = load_room(document.id)
        warm = time.perf_counter() - started
        assert str(room.text) == str(text)
        snapshot = len(db.session.get(type(document), document.id).snapshot)
    print(f"open a {updates:,}-update document: {1000 * cold:.0f} ms from the log, "
          f"{1000 * warm:.1f} ms after compaction (compaction {1000 * compaction:.0f} ms, "
          f"snapshot {snapshot / 1024:.0f} KiB)")


def bench_keystroke(pieces: int, words: list[str], label: str) -> None:
    """The server's cost of one keystroke in a long document (applying it and counting
    who wrote what), against applying it with pycrdt's text delta read, as the server
    did before authorship went by Yjs identity."""
    import pycrdt
    from coelab.documents.authorship import Authorship
    from coelab.documents.rooms import TEXT, Room

    rng = random.Random(3)
    source = pycrdt.Doc()
    text = source.get(TEXT, type=pycrdt.Text)
    written = ""  # the same text, to find character boundaries: pycrdt's indices count
    # UTF-8 bytes, and an index inside a character makes a document no Yjs client reads

    def insert(value: str) -> None:
        nonlocal written
        at = rng.randint(0, len(written))
        text.insert(len(written[:at].encode()), value)
        written = written[:at] + value + written[at:]

    for _ in range(pieces):  # many hands: pieces that cannot merge
        insert(rng.choice(words))
    state = source.get_update()
    keystrokes = []
    for _ in range(500):
        vector = source.get_state()
        insert("x")
        keystrokes.append(source.get_update(vector))

    def fresh() -> Room:
        doc = pycrdt.Doc()
        room_text = doc.get(TEXT, type=pycrdt.Text)
        doc.apply_update(state)
        room = Room(document_id=0, doc=doc, text=room_text,
                    authorship=Authorship.of_seed(state))
        if hasattr(room, "read_state"):  # the state vector the integrity check uses
            room.read_state()
        return room

    room = fresh()
    started = time.perf_counter()
    for update in keystrokes:
        room.apply(update, 1)
    ours = (time.perf_counter() - started) / len(keystrokes)
    room = fresh()
    subscription = room.text.observe(lambda event: event.delta)  # noqa: F841 - kept alive
    started = time.perf_counter()
    for update in keystrokes:
        room.doc.apply_update(update)
    delta = (time.perf_counter() - started) / len(keystrokes)
    print(f"one keystroke in a {len(str(text)):,}-character document ({label}): "
          f"{1e6 * ours:.0f} µs "
          f"(applied and attributed); applied with pycrdt's text delta read (the earlier "
          f"bookkeeping): {1e6 * delta:.0f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="5 s runs, 10,000-update open")
    parser.add_argument("--only", help="run the scenarios whose label contains this text")
    parser.add_argument("--postgres", metavar="URL",
                        help="run Coélab on this PostgreSQL database (schema coelab_bench, "
                             "dropped and created for each run) instead of SQLite")
    parser.add_argument("--load-workers", type=int, default=2,
                        help="threads of the load generator (its clients are spread over "
                             "them; one was saturated by fifty editors)")
    parser.add_argument("--profile", metavar="FILE", type=Path,
                        help="sample the Coélab server with py-spy during each run and write "
                             "its folded stacks to FILE (one file per scenario, suffixed)")
    parser.add_argument("--compact-every", type=int,
                        help="COELAB_YJS_COMPACT_EVERY for the server (default: its own)")
    args = parser.parse_args()
    seconds = 5 if args.quick else args.seconds
    scenarios = [("5 editors", [5]), ("20 editors", [20]), ("50 editors", [50]),
                 ("100 docs x 10 editors", [10] * 100)]
    print(f"Each editor: ~5 inserts/s of 1-3 characters, {seconds} s per run, "
          f"{os.cpu_count()} cores.\n")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for label, layout in scenarios:
            if args.only and args.only not in label:
                continue
            run_dir = tmp / label.replace(" ", "_")
            run_dir.mkdir()
            settings = ({"COELAB_YJS_COMPACT_EVERY": str(args.compact_every)}
                        if args.compact_every else {})
            database = f"sqlite:///{run_dir / 'bench.db'}"
            if args.postgres:
                from tests.conftest import reset_pg_schema

                url = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
                reset_pg_schema(url, "coelab_bench")
                database = f"{url}?options=-csearch_path%3Dcoelab_bench"
            env, documents = prepare(database, run_dir, layout, **settings)
            server = Server(env, run_dir / "server.log").start()
            try:
                profile = (args.profile.with_name(
                    f"{args.profile.stem}-{label.replace(' ', '_')}{args.profile.suffix}")
                    if args.profile else None)
                ours = load("coelab", server.url, documents, seconds, server.process.pid,
                            args.load_workers, profile)
            finally:
                server.stop()
            port = free_port()
            reference = reference_server(port)
            try:
                ref = load("reference", f"ws://127.0.0.1:{port}", documents, seconds,
                           reference.pid, args.load_workers)
            finally:
                reference.terminate()
                reference.wait()
            print(line(f"{label} — Coélab", ours, ref))
            print(line(f"{label} — reference", ref, None))
        if not args.only or "open" in args.only:
            bench_open(tmp, 10_000 if args.quick else 100_000)
        if not args.only or "keystroke" in args.only:
            for words, label in ((["abc", "de ", "fg"], "ASCII"),
                                 (["abc", "de ", "fé"], "with accents")):
                bench_keystroke(3_000 if args.quick else 30_000, words, label)


if __name__ == "__main__":
    main()
