"""The Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from coelab import create_app
from coelab.db import db
from coelab.migrate import alembic_config, upgrade
from sqlalchemy import create_engine, inspect, text

from .conftest import PG_URL, base_config, reset_pg_schema

SCHEMA = "migration_check"


@pytest.fixture
def empty_database(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    reset_pg_schema(PG_URL, SCHEMA)
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{SCHEMA}"
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    engine.dispose()


def test_migrations_match_the_models(empty_database, tmp_path):
    app = create_app(base_config(tmp_path, empty_database))
    upgrade(app)
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
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
    assert "c0h0rt01" in current  # the cohort plugin's branch is part of the history
