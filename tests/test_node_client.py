"""The stock y-socket.io provider (Node.js, official yjs) against a live server."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from .live import Server, SocketDoc, wait_for
from .test_live import live_database, world  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
FRONTEND = Path(__file__).resolve().parents[1] / "frontend"


@pytest.fixture
def reader_token(world):  # noqa: F811
    with world["app"].app_context():
        from coelab import operations as ops
        from coelab.db import db
        from coelab.documents.models import Document
        from coelab.models import CohortRole

        from .conftest import socket_token as make_token

        document = db.session.get(Document, world["document_id"])
        trainer = ops.create_user(None, email="trainer@example.org", first_name="Claire",
                                  last_name="Vidal", password="correct horse battery")
        ops.add_member(None, document.cohort, trainer, CohortRole.TRAINER)
        token = make_token(trainer.id, document.id)
        db.session.remove()
        db.engine.dispose()
    return token


def run_stock_provider(url: str, world: dict, reader_token: str, python: SocketDoc,  # noqa: F811
                       answer_within: float) -> subprocess.CompletedProcess:
    """frontend/tests/provider.test.mjs (the stock y-socket.io provider, a writer and a
    reader) against ``url``, while ``python`` answers the writer's line with its own
    (integrity.test.mjs is tests/test_integrity.py's)."""

    def answer():
        if wait_for(lambda: "Écrit depuis Node." in python.content(), timeout=answer_within):
            python.write(len(python.content().encode()), " Réponse de Python.")

    responder = threading.Thread(target=answer)
    responder.start()
    env = {"PATH": "/usr/bin:/bin", "COELAB_URL": url,
           "COELAB_DOCUMENT": str(world["document_id"]),
           "COELAB_WRITER_TOKEN": world["tokens"][0], "COELAB_READER_TOKEN": reader_token}
    command = ["node", "--test", "--test-force-exit", "--test-reporter=spec",
               "tests/provider.test.mjs"]
    result = subprocess.run(command, cwd=FRONTEND, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    responder.join()
    return result


def final_text(result: subprocess.CompletedProcess) -> str:
    """The text the Node writer printed last (``FINAL:`` and its JSON)."""
    final = next(line for line in result.stdout.splitlines() if "FINAL:" in line)
    return json.loads(final.split("FINAL:", 1)[1])


def test_stock_provider_converges_with_pycrdt_and_readers_change_nothing(world,  # noqa: F811
                                                                         reader_token):
    if shutil.which("node") is None or not (FRONTEND / "node_modules").exists():
        pytest.skip("Node.js and the front-end packages (npm ci in frontend/) are needed")
    server = Server(world["env"], world["logs"] / "node.log").start()
    try:
        python = SocketDoc(server.url, world["document_id"], world["tokens"][1])
        python.sync()

        result = run_stock_provider(server.url, world, reader_token, python, answer_within=20)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "pass 2" in result.stdout and "skipped 0" in result.stdout
        node_text = final_text(result)
        assert wait_for(lambda: python.content() == node_text)
        probe = SocketDoc(server.url, world["document_id"], world["tokens"][0])
        probe.sync()
        assert "Écrit depuis Node." in probe.content()
        assert "Réponse de Python." in probe.content()
        assert "Réécriture du lecteur." not in probe.content()
        probe.close()
        python.close()
    finally:
        server.stop()
