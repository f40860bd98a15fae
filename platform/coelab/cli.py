"""The core's sub-commands of the ``coelab`` command (``db``, ``create-admin``,
``serve``...), added to ``app.cli`` through its plugin; features add theirs the same
way. The command itself is :mod:`coelab.launcher`."""

from __future__ import annotations

import click
from alembic import command
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.engine import make_url

from . import operations as ops
from .backup import backup_cli
from .config import ConfigError
from .migrate import alembic_config, upgrade
from .serving import serve as run_server
from .serving import supervise

db_cli = AppGroup("db", help="Database schema.")


@db_cli.command("upgrade")
@click.argument("target", default="heads")
def db_upgrade(target: str) -> None:
    """Apply the migrations of the core and every plugin."""

    upgrade(current_app._get_current_object(), target)
    click.echo("Database schema is up to date.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--head", default="coelab@head", show_default=True,
              help="branch to extend, e.g. cohort@head")
def db_revision(message: str, head: str) -> None:
    """Autogenerate a migration from the models (for developers)."""


    command.revision(alembic_config(current_app._get_current_object()), message=message,
                     autogenerate=True, head=head)


@click.command("create-admin")
@click.argument("email")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@with_appcontext
def create_admin(email: str, first_name: str, last_name: str) -> None:
    """Create an administrator and mail them their invitation link."""

    user = ops.create_user(None, email=email, first_name=first_name, last_name=last_name,
                           is_admin=True, is_coordinator=True)
    ops.invite(user, email=user.email, first_name=first_name, last_name=last_name)
    click.echo(f"Administrator {user.email} created; the invitation was sent by mail.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int,
              help="port of the (first) process")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="gevent processes, on PORT, PORT+1...; more than one needs "
                   "COELAB_MESSAGE_QUEUE (Redis) and PostgreSQL, and nginx in front "
                   "(deploy/nginx.conf)")
@with_appcontext
def serve(host: str, port: int, processes: int) -> None:
    """Serve the app with gevent (WebSocket included): one process, or a supervisor of
    several that starts again any that dies.

    The ``coelab`` launcher has already monkey-patched the standard library.
    """

    app = current_app._get_current_object()
    if processes == 1:
        click.echo(f"Coélab is running at http://{host}:{port}/  (Ctrl+C to stop)", err=False)
        run_server(app, host, port)
        return
    check_several_processes(app.config)
    last = port + processes - 1
    click.echo(f"Coélab is running in {processes} processes at http://{host}:{port}/ to "
               f"http://{host}:{last}/, behind nginx (Ctrl+C to stop)", err=False)
    raise SystemExit(supervise(host, port, processes))


def check_several_processes(config) -> None:
    """Several processes share one room's updates through Redis and order them with
    PostgreSQL's row locks: refuse to start them without either."""
    if not config.get("MESSAGE_QUEUE"):
        raise ConfigError(
            "serving with several processes needs COELAB_MESSAGE_QUEUE (a Redis URL, e.g. "
            "redis://127.0.0.1:6379/0): without it, an edit made through one process "
            "never reaches the people connected to the others.")
    if make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite":
        raise ConfigError(
            "serving with several processes needs PostgreSQL (COELAB_DATABASE_URL="
            "postgresql://...): SQLite lets one process write at a time and locks "
            "no document row. Use --processes 1 with SQLite.")


COMMANDS = (db_cli, create_admin, serve, backup_cli)
