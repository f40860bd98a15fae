"""The core's sub-commands of the ``coelab`` command (``db``, ``create-admin``,
``serve``...), added to ``app.cli`` through its plugin; features add theirs the same
way. The command itself is :mod:`coelab.launcher`."""

from __future__ import annotations

import click
from alembic import command
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from . import operations as ops
from .migrate import alembic_config, upgrade
from .serving import serve as run_server

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
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the app with gevent (WebSocket included), one process.

    The ``coelab`` launcher has already monkey-patched the standard library.
    """

    click.echo(f"Coélab is running at http://{host}:{port}/  (Ctrl+C to stop)", err=False)
    run_server(current_app._get_current_object(), host, port)


COMMANDS = (db_cli, create_admin, serve)
