"""`coelab backup create` / `coelab backup restore`: a real round trip (pg_dump and
pg_restore of the machine, or SQLite's backup API) into an empty database and instance,
and the refusals (non-empty target, damaged archive, revision newer than the code).

On PostgreSQL every database here is a scratch database created and dropped by the
test (never the contents of the shared test database)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pycrdt
import pytest
from coelab import create_app
from coelab.db import db
from coelab.migrate import upgrade
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from .conftest import PG_URL, Factory, base_config, login
from .live import COELAB, Server, server_env

TEXT_WRITTEN = "Diagnostic partagé de l'établissement."
# the tests of pg_dump and psql: on PostgreSQL only, when it is configured
postgresql_only = pytest.mark.parametrize("backend", [
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not PG_URL, reason="COELAB_TEST_DATABASE_URL names no PostgreSQL database"))])
ATTACHMENT = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def coelab(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(COELAB + args, env=env, capture_output=True, text=True, check=False)


@contextmanager
def scratch_database(backend: str, folder: Path, name: str) -> Iterator[str]:
    """An empty database of the test's own: a SQLite file, or a PostgreSQL database
    created for the test and dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / (name + '.db')}"
        return
    database = f"coelab_{name}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(PG_URL).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


class Instance:
    """A Coélab instance: its folder, its database and the environment of its commands."""

    def __init__(self, folder: Path, database_url: str):
        self.folder = folder
        self.url = database_url
        self.env = server_env(folder, database_url)
        self.uploads = folder / "instance" / "uploads"

    def app(self):
        return create_app(base_config(self.folder, self.url))

    def rows(self) -> dict[str, list[tuple]]:
        """Every row of every table, in primary-key order."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                names = sorted(inspect(conn).get_table_names())
                tables = {t.name: t for t in db.metadata.sorted_tables}
                found = {}
                for name in names:
                    # alembic_version and any table no model declares: reflected
                    table = tables[name] if name in tables else Table(
                        name, MetaData(), autoload_with=conn)
                    order = list(table.primary_key.columns) or list(table.columns)
                    found[name] = [tuple(row) for row in
                                   conn.execute(select(table).order_by(*order))]
                return found
        finally:
            engine.dispose()

    def files(self) -> dict[str, bytes]:
        return {p.relative_to(self.uploads).as_posix(): p.read_bytes()
                for p in sorted(self.uploads.rglob("*")) if p.is_file()}


def fill(instance: Instance) -> dict:
    """The schema by the migrations, then people, a cohort, a co-edited document with
    two updates in its log, and an uploaded file."""
    from coelab.deliverables import files
    from coelab.documents.operations import create_document, current_markdown
    from coelab.documents.rooms import TEXT, append, rooms

    app = instance.app()
    upgrade(app)
    with app.app_context():
        make = Factory()
        coordinator = make.user("Claire", "Martin", coordinator=True)
        trainee = make.user("Sophie", "Lambert", email="sophie@example.org")
        cohort = make.cohort()
        make.member(cohort, trainee)
        document = create_document(coordinator, cohort, title="Diagnostic",
                                   template="# Diagnostic\n", owner=trainee)
        room = rooms().get(document.id)
        doc = pycrdt.Doc()
        shared = doc.get(TEXT, type=pycrdt.Text)
        doc.apply_update(document.snapshot)
        for piece in (TEXT_WRITTEN, " Fin."):
            before = doc.get_state()
            shared += piece
            append(room, trainee, doc.get_update(before), lambda _user, _doc: True)
        stored = files.store(ATTACHMENT)
        facts = {"document": document.id, "markdown": current_markdown(document),
                 "stored": stored.stored_name}
        db.session.remove()
        db.engine.dispose()
    return facts


@pytest.fixture
def source(backend, tmp_path) -> Iterator[tuple[Instance, dict]]:
    with scratch_database(backend, tmp_path, "source") as url:
        instance = Instance(tmp_path / "source", url)
        yield instance, fill(instance)


@pytest.fixture
def target(backend, tmp_path) -> Iterator[Instance]:
    with scratch_database(backend, tmp_path, "restore") as url:
        yield Instance(tmp_path / "restore", url)


def back_up(instance: Instance, archive: Path) -> dict:
    result = coelab(["backup", "create", str(archive)], instance.env)
    assert result.returncode == 0, result.stderr
    assert f"Backup written to {archive}" in result.stdout
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


@pytest.mark.slow
def test_a_backup_restores_the_same_rows_and_files_and_the_app_serves_them(
        backend, source, target, tmp_path):
    instance, facts = source
    archive = tmp_path / "coelab.tar"
    manifest = back_up(instance, archive)

    assert archive.stat().st_mode & 0o777 == 0o600
    assert manifest["database"]["backend"] == backend
    assert {r[:6] for r in manifest["migration_revisions"]} == {"c0re00", "c0h0rt", "r3c0mm"}
    attachment = f"uploads/attachments/{facts['stored'][:2]}/{facts['stored']}"
    assert manifest["files"][attachment]["size"] == len(ATTACHMENT)
    if backend == "postgresql":
        # pg_dump of the server's major version (15 on this machine), as recorded
        assert manifest["database"]["pg_dump_major"] == manifest["database"]["server_major"]

    restored = coelab(["backup", "restore", str(archive)], target.env)
    assert restored.returncode == 0, restored.stderr
    assert "1 uploaded file(s)" in restored.stdout

    rows = instance.rows()
    assert rows == target.rows()
    assert len(rows["document_updates"]) == 2 and len(rows["users"]) == 2
    assert target.files() == instance.files()
    assert target.files()[attachment.removeprefix("uploads/")] == ATTACHMENT

    # the restored instance serves: a real process, then a log-in, the document's text
    # and a new row (sequences restored past the rows on PostgreSQL)
    server = Server(target.env, tmp_path / "server.log").start()
    try:
        import urllib.request

        with urllib.request.urlopen(server.url + "/login", timeout=10) as page:  # noqa: S310
            assert page.status == 200
    finally:
        server.stop()
    app = target.app()
    with app.app_context():
        from coelab.documents.models import Document
        from coelab.documents.operations import current_markdown

        assert current_markdown(db.session.get(Document, facts["document"])) == facts["markdown"]
        assert TEXT_WRITTEN in facts["markdown"]
        login(app.test_client(), "sophie@example.org")
        newcomer = Factory().user("Nouvelle", "Personne")
        assert newcomer.id == 3
        db.session.remove()
        db.engine.dispose()

    # the target is no longer empty: refused, unchanged, unless --force
    before = target.rows()
    again = coelab(["backup", "restore", str(archive)], target.env)
    assert again.returncode == 2
    assert "Refusing to overwrite a non-empty instance" in again.stderr
    assert target.rows() == before

    forced = coelab(["backup", "restore", "--force", str(archive)], target.env)
    assert forced.returncode == 0, forced.stderr
    assert "previous uploads were moved to" in forced.stdout
    assert target.rows() == rows  # the newcomer and the session are gone
    assert target.files() == instance.files()
    aside = list(target.uploads.parent.glob("uploads.replaced-*"))
    assert len(aside) == 1 and (aside[0] / attachment.removeprefix("uploads/")).is_file()


def test_a_damaged_archive_is_refused_and_nothing_is_written(source, target, tmp_path):
    instance, facts = source
    archive = tmp_path / "coelab.tar"
    back_up(instance, archive)
    with tarfile.open(archive) as tar:
        member = tar.getmember(f"uploads/attachments/{facts['stored'][:2]}/{facts['stored']}")
    with archive.open("r+b") as raw:  # one byte of the attached file flipped
        raw.seek(member.offset_data + 100)
        byte = raw.read(1)
        raw.seek(member.offset_data + 100)
        raw.write(bytes([byte[0] ^ 0xFF]))

    result = coelab(["backup", "restore", "--force", str(archive)], target.env)
    assert result.returncode == 2
    assert f"Checksum mismatch for uploads/attachments/{facts['stored'][:2]}" in result.stderr
    assert target.rows() == {}
    assert target.files() == {}

    not_an_archive = tmp_path / "notes.tar"
    not_an_archive.write_bytes(b"not a tar file at all")
    result = coelab(["backup", "restore", str(not_an_archive)], target.env)
    assert result.returncode == 2 and "cannot be read as an archive" in result.stderr

    for name in ("etc/passwd", "uploads/../../escaped"):
        foreign = tmp_path / "foreign.tar"
        with tarfile.open(foreign, "w") as tar:
            info = tarfile.TarInfo(name)
            info.size = 4
            tar.addfile(info, io.BytesIO(b"root"))
        result = coelab(["backup", "restore", str(foreign)], target.env)
        assert result.returncode == 2 and "not a Coélab backup" in result.stderr
    assert not (tmp_path / "escaped").exists()
    assert target.rows() == {}


def test_an_archive_from_newer_code_is_refused(source, target, tmp_path):
    instance, _facts = source
    engine = create_engine(instance.url)
    with engine.begin() as conn:  # as if a newer Coélab had migrated the database
        conn.execute(text("UPDATE alembic_version SET version_num = 'c0re99_future' "
                          "WHERE version_num LIKE 'c0re00%'"))
    engine.dispose()
    archive = tmp_path / "coelab.tar"
    back_up(instance, archive)

    result = coelab(["backup", "restore", str(archive)], target.env)
    assert result.returncode == 2
    assert "c0re99_future" in result.stderr and "newer Coélab" in result.stderr
    assert target.rows() == {}
    assert target.files() == {}


def test_a_backup_never_overwrites_a_file(source, tmp_path):
    instance, _facts = source
    archive = tmp_path / "coelab.tar"
    archive.write_bytes(b"an earlier archive")
    result = coelab(["backup", "create", str(archive)], instance.env)
    assert result.returncode == 2 and "already exists" in result.stderr
    assert archive.read_bytes() == b"an earlier archive"

    folder = tmp_path / "backups"
    folder.mkdir()
    result = coelab(["backup", "create", str(folder)], instance.env)
    assert result.returncode == 0, result.stderr
    (written,) = folder.iterdir()
    assert written.name.startswith("coelab-") and written.suffix == ".tar"
    assert list(folder.glob(".*")) == []  # no partial file left behind


@postgresql_only
def test_without_pg_dump_the_error_says_what_to_install(backend, source, tmp_path):
    instance, _facts = source
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = {**instance.env, "PATH": str(empty_bin)}
    result = subprocess.run([sys.executable, "-m", "coelab.launcher", "backup", "create",
                             str(tmp_path / "coelab.tar")], env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 1
    assert "pg_dump was not found on PATH" in result.stderr
    assert "postgresql-client" in result.stderr
    assert not (tmp_path / "coelab.tar").exists()


# (SQLite's backup API replaces a database in one step)
@postgresql_only
def test_a_failed_postgresql_restore_leaves_the_instance_as_it_was(backend, source, target,
                                                                   tmp_path):
    instance, _facts = source
    archive = tmp_path / "coelab.tar"
    back_up(instance, archive)
    assert coelab(["backup", "restore", str(archive)], target.env).returncode == 0
    engine = create_engine(target.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DELETE FROM document_updates"))  # differs from the archive
    before_rows, before_files = target.rows(), target.files()
    database = make_url(target.url).database
    # a database that refuses writes (a standby, a mistake): the drops of --force fail
    with engine.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on'))
    try:
        result = coelab(["backup", "restore", "--force", str(archive)], target.env)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" RESET default_transaction_read_only'))
        engine.dispose()
    assert result.returncode == 1
    assert "the database was left as it was" in result.stderr
    assert "read-only transaction" in result.stderr
    assert target.rows() == before_rows
    assert target.files() == before_files
    assert list(target.uploads.parent.glob("uploads.replaced-*")) == []
