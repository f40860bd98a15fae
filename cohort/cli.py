"""Commands of the cohort plugin: ``coelab catalogue load`` and ``coelab demo``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .demo import DEMO_PASSWORD, demo_accounts, load_demo
from .framework import load_framework
from .operations import load_catalogue

catalogue_cli = AppGroup("catalogue", help="The programme catalogue.")


@catalogue_cli.command("load")
def load() -> None:
    """Add the programme's modules, parcours, sites and sessions that are missing, and
    the blocks of its competency framework (cohort/framework.py)."""

    added = load_catalogue()
    click.echo(f"Programme catalogue: {added} rows added.")
    blocks = load_framework()
    click.echo(f"Competency framework: {blocks} blocks added.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the fictional demo year (once) and print the demo accounts."""


    # the fictional people's notifications (a submission, a soutenance...) are not sent
    backend = current_app.config["MAIL_BACKEND"]
    current_app.config["MAIL_BACKEND"] = "memory"
    try:
        created = load_demo()
    finally:
        current_app.config["MAIL_BACKEND"] = backend
    click.echo("Demo data loaded." if created else "Demo data already present.")
    click.echo("")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD})")
    for role, address in demo_accounts():
        click.echo(f"  {role:<50} {address}")
