"""``coelab backup``: one archive holding the database and the uploads folder, and its
restore into an empty database and uploads folder.

An archive is a tar file (``.tar``, or gzip-compressed when its name ends with ``.gz``
or ``.tgz``) holding:

- ``database.pgdump``: ``pg_dump --format=custom`` of a PostgreSQL database, or
  ``database.sqlite3``: a copy made with SQLite's online backup API (consistent while the
  app writes);
- ``uploads/``: every file of ``COELAB_UPLOAD_FOLDER`` (attachments, under generated
  names: coelab/deliverables/files.py);
- ``manifest.json``, written last: Coélab's version, the database's Alembic revisions
  (one per branch: the core's and each plugin's), the date, the backend, and the size
  and SHA-256 of every other member.

The database is dumped before the uploads are copied: a file is always stored before
the row naming it (coelab/deliverables/files.py), so every file the dump names is in the
archive. ``restore`` checks every checksum, the revisions (none may be unknown to this
code, i.e. newer) and that the target database and uploads folder are empty before it
writes anything; ``--force`` replaces them (the uploads folder's content is moved aside,
never deleted). The database is restored first and all at once: on PostgreSQL,
pg_restore's SQL (after the drops of ``--force``) runs in one transaction through psql;
on SQLite, one step of the backup API. Refusals exit with status 2 and say why.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import IO, Any

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from .migrate import alembic_config

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP_FILE = "database.pgdump"
SQLITE_FILE = "database.sqlite3"
UPLOADS = "uploads"
# files.store writes ``.upload-*.part`` beside the final name, then renames it: a
# file being written is not part of the uploads yet
PARTIAL_UPLOAD = re.compile(r"\.upload-.*\.part")
CHUNK = 1024 * 1024
# the relations of a PostgreSQL database outside PostgreSQL's own schemas, and their schemas
PG_RELATIONS = (
    "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n "
    "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
    "AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'")
PG_SCHEMAS = (
    "SELECT DISTINCT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
    "AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'")

backup_cli = AppGroup("backup", help="Backups of the database and the uploads folder.")


class Refused(click.ClickException):
    """A restore or backup that would be unsafe or cannot be trusted: exit status 2."""

    exit_code = 2


# --- the database -----------------------------------------------------------------------


def _backend(url: URL) -> str:
    if url.get_backend_name() == "postgresql":
        return "postgresql"
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise Refused("An in-memory SQLite database cannot be backed up or restored.")
        return "sqlite"
    raise Refused(f"Unsupported database: {url.get_backend_name()}.")


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``url`` (SQLAlchemy's form: query parameters are
    libpq's, as psycopg reads them), and the environment carrying its password, so that
    the password never appears in a process list."""

    def quote(value: Any) -> str:
        value = str(value).replace("\\", "\\\\").replace("'", "\\'")
        return f"'{value}'"

    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    for key, value in url.query.items():
        parts[key] = value if isinstance(value, str) else value[-1]
    conninfo = " ".join(f"{key}={quote(value)}" for key, value in parts.items()
                        if value not in (None, ""))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise click.ClickException(
            f"{name} was not found on PATH. Install the PostgreSQL client of the server's "
            f"major version (Debian: apt-get install postgresql-client-15 for PostgreSQL 15).")
    return path


def _tool_major(path: str, env: dict[str, str]) -> int:
    """The major version of ``pg_dump`` / ``pg_restore`` ("pg_dump (PostgreSQL) 15.20")."""
    # the PostgreSQL client found on PATH, with arguments built here: no shell, no user input
    out = subprocess.run([path, "--version"], capture_output=True,  # noqa: S603
                         text=True, env=env, check=True).stdout
    match = re.search(r"\)\s+(\d+)", out)
    if match is None:
        raise click.ClickException(f"Cannot read the version of {path}: {out.strip()!r}")
    return int(match.group(1))


def _server_major(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000


def _revisions(engine) -> list[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return []
        return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _tables(engine) -> list[str]:
    """The tables of the target database, whatever their schema."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return list(conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")).scalars())
        return list(conn.execute(text(PG_RELATIONS)).scalars())


def _dump_postgresql(url: URL, engine, target: Path) -> dict[str, Any]:
    conninfo, env = _libpq(url)
    pg_dump = _tool("pg_dump")
    tool, server = _tool_major(pg_dump, env), _server_major(engine)
    if tool < server:
        raise click.ClickException(
            f"pg_dump is version {tool} but the server runs PostgreSQL {server}: pg_dump "
            f"cannot dump a newer server. Install postgresql-client-{server}.")
    result = subprocess.run(  # noqa: S603 - pg_dump from PATH, no shell
        [pg_dump, "--format=custom", "--no-password", f"--file={target}", f"--dbname={conninfo}"],
        capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise click.ClickException(f"pg_dump failed: {result.stderr.strip()}")
    return {"pg_dump_major": tool, "server_major": server}


def _dump_sqlite(url: URL, target: Path) -> dict[str, Any]:
    source_path = Path(url.database)
    if not source_path.exists():
        raise Refused(f"The SQLite database {source_path} does not exist.")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)  # a consistent copy, page by page, while the app writes
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()
    return {"sqlite_version": sqlite3.sqlite_version}


@dataclass
class PgClient:
    """The client programs a PostgreSQL restore needs, found and checked before anything
    is changed."""

    pg_restore: str
    psql: str


def _pg_client(manifest: dict[str, Any]) -> PgClient:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    tool = _tool_major(pg_restore, dict(os.environ))
    made_by = int(manifest["database"].get("pg_dump_major", 0))
    if tool < made_by:
        raise Refused(f"The archive was made by pg_dump {made_by}; pg_restore {tool} cannot "
                      f"read it. Install postgresql-client-{made_by}.")
    return PgClient(pg_restore, psql)


def _drop_statements(engine) -> str:
    """``--force``: SQL dropping every schema that holds something (``public`` is
    created again, empty), run in the restore's own transaction."""
    with engine.connect() as conn:
        schemas = list(conn.execute(text(PG_SCHEMAS)).scalars())
        quote = conn.dialect.identifier_preparer.quote
    statements = [f"DROP SCHEMA {quote(schema)} CASCADE;" for schema in schemas]
    if "public" in schemas:
        statements.append("CREATE SCHEMA public;")
    return "\n".join(statements)


def _restore_postgresql(url: URL, client: PgClient, dump: Path, before: str) -> None:
    """pg_restore's SQL, after ``before`` (the drops of ``--force``), in one transaction
    run by psql: if anything fails, the database is left as it was."""
    conninfo, env = _libpq(url)
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as output:
        # the objects belong to whoever restores (the app's role), whoever owned them before
        restore = subprocess.Popen(  # noqa: S603 - pg_restore from PATH, no shell
            [client.pg_restore, "--no-owner", "--no-acl", "--file=-", str(dump)],
            stdout=subprocess.PIPE, stderr=restore_errors, env=env)
        psql = subprocess.Popen(  # noqa: S603 - psql from PATH, no shell
            [client.psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
             f"--dbname={conninfo}", "--file=-"],
            stdin=subprocess.PIPE, stdout=output, stderr=output, env=env)
        try:
            psql.stdin.write(f"BEGIN;\n{before}\n".encode())
            shutil.copyfileobj(restore.stdout, psql.stdin, CHUNK)
            psql.stdin.write(b"\nCOMMIT;\n")
            psql.stdin.close()
        except BrokenPipeError:  # psql stopped at an error: it says which below
            pass
        finally:
            restore.stdout.close()
        restored, applied = restore.wait(), psql.wait()
        if restored != 0 or applied != 0:
            restore_errors.seek(0)
            output.seek(0)
            detail = (restore_errors.read() + output.read()).decode(errors="replace")
            raise click.ClickException(f"The restore failed; the database was left as it "
                                       f"was: {detail.strip()[-2000:]}")


def _restore_sqlite(url: URL, copy: Path) -> None:
    target = Path(url.database)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)  # replaces the whole content, WAL file included
    finally:
        destination.close()
        source.close()


# --- the archive ------------------------------------------------------------------------


class _Hashing:
    """A file object that hashes what is read through it (tarfile reads each member once)."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _add(archive: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as handle:
        hashing = _Hashing(handle)
        archive.addfile(info, hashing)
    return {"size": info.size, "sha256": hashing.digest.hexdigest()}


def _upload_files(folder: Path) -> Iterator[tuple[Path, str]]:
    """Every regular file of the uploads folder and its path relative to it."""
    for directory, subdirectories, names in os.walk(folder):
        # a backup written into the uploads folder itself: not its own content
        subdirectories[:] = sorted(d for d in subdirectories
                                   if not d.startswith((".coelab-backup-", ".coelab-restore-")))
        for name in sorted(names):
            path = Path(directory) / name
            if PARTIAL_UPLOAD.fullmatch(name) or path.is_symlink() or not path.is_file():
                continue
            yield path, path.relative_to(folder).as_posix()


def _write_mode(path: Path) -> str:
    return "w:gz" if path.name.endswith((".gz", ".tgz")) else "w"


def _archive_path(dest: Path, now: datetime) -> Path:
    if dest.is_dir():
        return dest / f"coelab-{now.strftime('%Y%m%dT%H%M%SZ')}.tar"
    if not dest.parent.is_dir():
        raise Refused(f"The folder {dest.parent} does not exist.")
    return dest


def create_backup(app, dest: Path) -> tuple[Path, dict[str, Any]]:
    """Write the archive (atomically: a hidden partial file, renamed once complete);
    returns its path and its manifest."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    backend = _backend(url)
    now = datetime.now(UTC).replace(microsecond=0)
    path = _archive_path(dest, now)
    if path.exists():
        raise Refused(f"{path} already exists; choose another name.")
    engine = create_engine(url)
    try:
        revisions = _revisions(engine)
        if not revisions:
            raise Refused("The database has no Coélab schema (no alembic_version): "
                          "nothing to back up. Run `coelab db upgrade` first.")
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".coelab-backup-") as work:
            member = PG_DUMP_FILE if backend == "postgresql" else SQLITE_FILE
            dump = Path(work) / member
            if backend == "postgresql":
                details = _dump_postgresql(url, engine, dump)
            else:
                details = _dump_sqlite(url, dump)
            partial = Path(work) / "archive.partial"
            files: dict[str, dict[str, Any]] = {}
            with tarfile.open(partial, _write_mode(path)) as archive:
                files[member] = _add(archive, dump, member)
                dump.unlink()
                uploads = Path(app.config["UPLOAD_FOLDER"])
                if uploads.is_dir():
                    for file_path, relative in _upload_files(uploads):
                        name = f"{UPLOADS}/{relative}"
                        files[name] = _add(archive, file_path, name)
                manifest = {
                    "format": FORMAT,
                    "application": "coelab",
                    "version": version("coelab"),
                    "created_at": now.isoformat(),
                    "migration_revisions": revisions,
                    "database": {"backend": backend, "file": member, **details},
                    "files": files,
                }
                body = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(now.timestamp()), 0o600
                archive.addfile(info, io.BytesIO(body))
            partial.chmod(0o600)  # password hashes and everyone's work: the owner only
            os.replace(partial, path)
    finally:
        engine.dispose()
    return path, manifest


@dataclass
class Unpacked:
    folder: Path
    manifest: dict[str, Any]

    def path(self, name: str) -> Path:
        return self.folder / name


def _check_member(archive_path: Path, member: tarfile.TarInfo) -> None:
    """Only the members an archive of ours holds: regular files and folders, under
    relative names without "..", named as ``create_backup`` names them."""
    name = member.name
    parts = PurePosixPath(name).parts
    if (not parts or not (member.isfile() or member.isdir()) or name.startswith("/")
            or ".." in parts
            or not (name in (MANIFEST, PG_DUMP_FILE, SQLITE_FILE)
                    or (parts[0] == UPLOADS and len(parts) > 1))):
        raise Refused(f"{archive_path} is not a Coélab backup (unexpected member {name!r}).")


def _unpack(archive_path: Path, work: Path) -> Unpacked:
    """Extract the archive into ``work`` and check it against its manifest."""
    if not archive_path.is_file():
        raise Refused(f"{archive_path} is not a file.")
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            for member in archive:
                _check_member(archive_path, member)
                # Python's "data" filter (3.11.4 and later) refuses the same things again
                if hasattr(tarfile, "data_filter"):
                    archive.extract(member, work, filter="data")
                else:  # pragma: no cover - older Python 3.11
                    archive.extract(member, work)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise Refused(f"{archive_path} cannot be read as an archive: {exc}") from exc
    try:
        manifest = json.loads((work / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise Refused(f"{archive_path} has no readable manifest: it is not a complete "
                      f"Coélab backup.") from exc
    if manifest.get("application") != "coelab" or manifest.get("format") != FORMAT:
        raise Refused(f"{archive_path} is not a Coélab backup of format {FORMAT}.")
    expected = manifest.get("files") or {}
    present = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()}
    present.discard(MANIFEST)
    missing, extra = sorted(set(expected) - present), sorted(present - set(expected))
    if missing or extra:
        raise Refused(f"The archive does not match its manifest (missing: {missing[:5]}, "
                      f"not listed: {extra[:5]}): it is damaged; nothing was restored.")
    for name, facts in sorted(expected.items()):
        path = work / name
        if path.stat().st_size != facts["size"] or _sha256(path) != facts["sha256"]:
            raise Refused(f"Checksum mismatch for {name}: the archive is damaged; "
                          f"nothing was restored.")
    return Unpacked(work, manifest)


def _check_revisions(app, revisions: list[str]) -> list[str]:
    """Refuse revisions this code does not know (a newer code's migrations); return the
    heads the restored database will still have to be upgraded to."""
    script = ScriptDirectory.from_config(alembic_config(app))
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = [revision for revision in revisions if revision not in known]
    if unknown:
        raise Refused(
            f"The archive's database is at migration revision(s) {', '.join(unknown)}, "
            f"unknown to this code: it was made by a newer Coélab. Install that version "
            f"(or a newer one) before restoring it.")
    if not revisions:
        raise Refused("The archive's manifest names no migration revision.")
    return sorted(set(script.get_heads()) - set(revisions))


def restore_backup(app, archive_path: Path, force: bool) -> dict[str, Any]:
    """Check the archive and the target, then restore; returns what was restored."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    backend = _backend(url)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    uploads.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    try:
        with tempfile.TemporaryDirectory(dir=uploads.parent,
                                         prefix=".coelab-restore-") as work:
            unpacked = _unpack(archive_path, Path(work))
            manifest = unpacked.manifest
            database = manifest.get("database") or {}
            if database.get("backend") != backend:
                raise Refused(f"The archive holds a {database.get('backend')} database; "
                              f"this instance is configured for {backend} "
                              f"(COELAB_DATABASE_URL).")
            pending = _check_revisions(app, list(manifest.get("migration_revisions") or []))
            if backend == "sqlite":
                check = sqlite3.connect(unpacked.path(SQLITE_FILE))
                try:
                    verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
                finally:
                    check.close()
                if verdict != "ok":
                    raise Refused(f"The archive's SQLite database fails its integrity "
                                  f"check: {verdict}")
            tables = _tables(engine)
            stored = [path for path, _ in _upload_files(uploads)]
            if (tables or stored) and not force:
                what = []
                if tables:
                    what.append(f"the database holds {len(tables)} table(s)")
                if stored:
                    what.append(f"the uploads folder {uploads} holds {len(stored)} file(s)")
                raise Refused(
                    f"Refusing to overwrite a non-empty instance: {' and '.join(what)}. "
                    f"Restore into an empty database and uploads folder, or pass --force "
                    f"to erase the database and move the uploads folder's content aside.")
            client = _pg_client(manifest) if backend == "postgresql" else None
            # the database first, in one transaction (or one SQLite backup step): a
            # failure leaves it and the uploads folder as they were
            if client is not None:
                before = _drop_statements(engine) if tables else ""
                engine.dispose()
                _restore_postgresql(url, client, unpacked.path(PG_DUMP_FILE), before)
            else:
                engine.dispose()
                _restore_sqlite(url, unpacked.path(SQLITE_FILE))
            moved_aside = None
            if stored:
                moved_aside = uploads.with_name(
                    f"{uploads.name}.replaced-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}")
                moved_aside.mkdir()
                for child in list(uploads.iterdir()):
                    shutil.move(str(child), str(moved_aside / child.name))
            restored = 0
            staged = unpacked.path(UPLOADS)
            if staged.is_dir():
                for file_path, relative in _upload_files(staged):
                    target = uploads / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(file_path), str(target))
                    restored += 1
    finally:
        engine.dispose()
    return {"manifest": manifest, "files": restored, "pending": pending,
            "moved_aside": moved_aside}


# --- the commands -----------------------------------------------------------------------


@backup_cli.command("create")
@click.argument("dest", type=click.Path(path_type=Path))
def create_command(dest: Path) -> None:
    """Write one archive of the database and the uploads folder to DEST (a file name,
    or an existing folder where coelab-<date>.tar is written)."""

    path, manifest = create_backup(current_app._get_current_object(), dest)
    uploads = sum(1 for name in manifest["files"] if name.startswith(f"{UPLOADS}/"))
    click.echo(f"Backup written to {path} ({path.stat().st_size} bytes: the "
               f"{manifest['database']['backend']} database at "
               f"{', '.join(manifest['migration_revisions'])} and {uploads} uploaded file(s)).")


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a non-empty database (every schema is dropped, in the "
                   "restore's transaction) and move the uploads folder's content aside.")
def restore_command(archive: Path, force: bool) -> None:
    """Restore ARCHIVE into this instance's database and uploads folder, which must be
    empty (unless --force). Stop every `coelab serve` process first."""

    result = restore_backup(current_app._get_current_object(), archive, force)
    manifest = result["manifest"]
    if result["moved_aside"] is not None:
        click.echo(f"The previous uploads were moved to {result['moved_aside']}.")
    click.echo(f"Restored the backup of {manifest['created_at']} (Coélab {manifest['version']}):"
               f" the database and {result['files']} uploaded file(s).")
    if result["pending"]:
        click.echo("The restored database is older than this code: run `coelab db upgrade` "
                   "before starting the app.")

