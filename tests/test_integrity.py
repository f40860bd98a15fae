"""Co-editing integrity with the stock y-socket.io provider (Node.js, official yjs).

Each scenario of ``frontend/tests/integrity.test.mjs`` runs against a ``coelab serve`` of
its own (with the settings it needs); the Node side checks what clients see (every edit
acknowledged ``ok`` is shown by a fresh client, a writer's refused edits still reach
everyone without a reconnect) and prints its result. Here, the text the server stored
(read by a fresh process from the database, as an export would) must be exactly the
text of a fresh client, hold every edit acknowledged ``ok``, and stay so after a
compaction, also for a fresh Yjs client of a restarted server.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from coelab.db import db

from .live import Server
from .test_live import live_database, world  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
FRONTEND = Path(__file__).resolve().parents[1] / "frontend"
MARKER = re.compile(r"\[[a-z]\d+\]")
COMPACT_EVERY = "20"  # compactions happen during every scenario


@pytest.fixture(autouse=True)
def _node():
    if shutil.which("node") is None or not (FRONTEND / "node_modules").exists():
        pytest.skip("Node.js and the front-end packages (npm ci in frontend/) are needed")


def node(scenario: str, server: Server, world, timeout: float = 300) -> dict:  # noqa: F811
    """Run one scenario of integrity.test.mjs; return what it printed after RESULT:."""
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "COELAB_URL": server.url,
           "COELAB_DOCUMENT": str(world["document_id"]),
           "COELAB_WRITER_TOKEN": world["tokens"][0], "COELAB_OTHER_TOKEN": world["tokens"][1],
           "COELAB_INTEGRITY_SCENARIO": scenario}
    command = ["node", "--test", "--test-force-exit", "--test-reporter=spec",
               "tests/integrity.test.mjs"]
    result = subprocess.run(command, cwd=FRONTEND, env=env, capture_output=True, text=True,
                            timeout=timeout, check=False)
    output = result.stdout[-6000:] + result.stderr[-3000:]
    if result.returncode != 0 or "pass 1" not in result.stdout:
        pytest.fail(f"scenario {scenario!r} failed:\n{output}\n--- server log ---\n"
                    f"{server.log_path.read_text()[-3000:]}", pytrace=False)
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT:"))
    outcome = json.loads(line.removeprefix("RESULT:"))
    print(f"\n{scenario}: {_brief(outcome)}")
    return outcome


def _brief(value):
    """What a scenario printed, without its lists of markers (for -s)."""
    if isinstance(value, dict):
        return {k: len(v) if isinstance(v, list) else _brief(v) for k, v in value.items()}
    return value


def serve(world, name: str, **settings: str) -> Server:  # noqa: F811
    env = dict(world["env"], COELAB_YJS_COMPACT_EVERY=COMPACT_EVERY, **settings)
    return Server(env, world["logs"] / f"{name}.log").start()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def stored(world, compact_first: bool = False) -> tuple[str, int]:  # noqa: F811
    """The document's text as stored (snapshot and log, loaded by a fresh room), and its
    snapshot's sequence number; ``compact_first`` compacts the whole log first."""
    from coelab.documents import operations as docs
    from coelab.documents.models import Document
    from coelab.documents.rooms import compact, rooms

    with world["app"].app_context():
        rooms().evict(world["document_id"])
        if compact_first:
            compact(rooms().get(world["document_id"]))
            rooms().evict(world["document_id"])
        document = db.session.get(Document, world["document_id"])
        text = docs.current_markdown(document)
        snapshot_seq = db.session.get(Document, world["document_id"]).snapshot_seq
        rooms().evict(world["document_id"])
        db.session.remove()
        db.engine.dispose()
    return text, snapshot_seq


def check_stored(world, result: dict, name: str,  # noqa: F811
                 compacted_meanwhile: bool = True, restart: bool = False) -> None:
    """The stored text is a fresh client's, holds every edit acknowledged ok, and stays
    so after a compaction; with ``restart``, for a fresh Yjs client of a restarted server
    too (a server and a Node run more: done for the scenario of the writer who left)."""
    acknowledged = set(result["ok"])
    fresh = result["fresh"]
    text, snapshot_seq = stored(world)
    markers = MARKER.findall(text)
    assert len(markers) == len(set(markers)), "an edit is stored twice"
    lost = acknowledged - set(markers)
    assert not lost, f"{len(lost)} edits acknowledged ok are not stored: {sorted(lost)[:10]}"
    assert set(markers) == set(fresh["markers"]), (
        f"stored {len(markers)} edits, a fresh client shows {len(fresh['markers'])}: "
        f"only stored {sorted(set(markers) - set(fresh['markers']))[:10]}, only shown "
        f"{sorted(set(fresh['markers']) - set(markers))[:10]}")
    assert sha256(text) == fresh["sha256"], "the stored text is not the text clients show"
    if compacted_meanwhile:
        assert snapshot_seq > 0, "no compaction happened during the scenario"
    compacted, _ = stored(world, compact_first=True)
    assert compacted == text, "a compaction changed the document"
    if not restart:
        return
    restarted = serve(world, f"{name}-restarted")
    try:
        probe = node("probe", restarted, world)["fresh"]
    finally:
        restarted.stop()
    assert probe["sha256"] == fresh["sha256"], (
        f"after a compaction and a restart a fresh client shows {len(probe['markers'])} "
        f"edits, before it showed {len(fresh['markers'])}")


def run_scenario(world, name: str, **settings: str) -> dict:  # noqa: F811
    server = serve(world, name, **settings)
    try:
        result = node(name, server, world)
    finally:
        server.stop()
    return result


def test_a_flood_then_slow_edits_reach_everyone_and_are_kept(world):  # noqa: F811
    # a budget of 400 updates that refills at 50 a second: 600 updates sent at once are
    # partly refused however fast the server is
    result = run_scenario(world, "flood", COELAB_YJS_UPDATES_PER_SECOND="50",
                          COELAB_YJS_UPDATES_BURST="400")
    assert result["refused"].get("rate-limited"), f"nothing was refused: {result['refused']}"
    assert_refused_in_order(result)
    assert set(result["fresh"]["markers"]) == set(result["made"])
    assert result["writer"]["sha256"] == result["fresh"]["sha256"]
    check_stored(world, result, "flood")


def assert_refused_in_order(result: dict) -> None:
    """The first refusal of a flood is for the budget. Every update before it came
    earlier on the same socket and was taken: refusing an update as ``out-of-sync``
    there means the server took a socket's updates out of the order they came in
    (it heals through a resync, but wastes the person's budget and a round trip)."""
    first = result["firstRefused"]
    assert first is not None and first["code"] == "rate-limited", (
        f"update #{first and first['index']} of the flood was refused {first and first['code']}"
        f" although every update before it on its socket was taken")


def test_a_refused_paste_then_edits_reach_everyone_and_are_kept(world):  # noqa: F811
    result = run_scenario(world, "paste")
    assert result["refused"].get("update-too-large") == 1, result["refused"]
    assert set(result["fresh"]["markers"]) == set(result["made"])
    assert result["writer"]["sha256"] == result["fresh"]["sha256"]
    # the paste and the edits refused meanwhile may come in one resync answer: too few
    # updates for a compaction during the scenario (check_stored compacts afterwards)
    check_stored(world, result, "paste", compacted_meanwhile=False)


def test_what_a_writer_who_left_was_told_is_kept_through_compaction(world):  # noqa: F811
    result = run_scenario(world, "leave", COELAB_YJS_UPDATES_PER_SECOND="50",
                          COELAB_YJS_UPDATES_BURST="400")
    assert result["refused"].get("rate-limited"), f"nothing was refused: {result['refused']}"
    assert_refused_in_order(result)
    # the other writer's edits depend on nothing the server lacks: all taken at once
    assert {f"[o{i}]" for i in range(70)} <= set(result["ok"]), (
        f"the other writer's edits were refused: {result['otherRefused']}")
    check_stored(world, result, "leave", restart=True)


def test_an_oversized_frame_is_refused_without_a_reconnect_loop(world):  # noqa: F811
    result = run_scenario(world, "oversized")
    assert result["errors"].get("update-too-large", 0) >= 2, result["errors"]
    assert result["writer"]["sha256"] == result["fresh"]["sha256"]
    check_stored(world, result, "oversized", compacted_meanwhile=False)


def test_only_the_canonical_namespace_opens_a_document(world):  # noqa: F811
    result = run_scenario(world, "namespaces")
    assert result["canonical"] == {"connected": True}
    assert len(result["others"]) == 4
