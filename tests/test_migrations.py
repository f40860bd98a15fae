"""The Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from coelab import create_app
from coelab.db import db, migrated
from coelab.migrate import alembic_config, upgrade
from sqlalchemy import inspect

from .conftest import base_config, separate_database

SCHEMA = "migration_check"


@pytest.fixture
def empty_database(backend, tmp_path):
    with separate_database(backend, tmp_path, SCHEMA) as url:
        yield url


def test_migrations_match_the_models(empty_database, tmp_path):
    app = create_app(base_config(tmp_path, empty_database))
    upgrade(app)
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={
                "compare_type": True, "include_name": migrated}),
                                    db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert diff == []
    assert {"users", "cohorts", "memberships", "teams", "audit_events", "cohort_setups",
            "cohort_enrolments", "programme_modules", "alembic_version"} <= tables


def test_upgrade_twice_is_harmless(empty_database, tmp_path):
    app = create_app(base_config(tmp_path, empty_database))
    upgrade(app)
    upgrade(app)
    with app.app_context():
        # raises when the database is not at every head, or when models and schema differ
        command.check(alembic_config(app))
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        db.engine.dispose()
    # the core's and every plugin's branch is part of the history, at its head
    assert {head[:6] for head in current} == {"c0re00", "c0h0rt", "r3c0mm"}
