"""Alembic, driven from the app: one history with a branch per plugin that has tables."""

from __future__ import annotations

import os
from importlib.resources import files

from alembic import command
from alembic.config import Config
from flask import Flask

from .plugins import registry


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("coelab") / "migrations"))
    locations = [str(files("coelab") / "migrations" / "versions")]
    with app.app_context():
        for plugin in registry().plugins:
            if plugin.migrations_dir is not None:
                locations.append(str(plugin.migrations_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.attributes["flask_app"] = app
    return cfg


def upgrade(app: Flask, target: str = "heads") -> None:
    """Bring the database to the newest schema of the core and every plugin."""
    with app.app_context():
        command.upgrade(alembic_config(app), target)
