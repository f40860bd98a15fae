"""Alembic environment: runs against the engine of the Flask app that called it."""

from alembic import context
from flask import current_app

from coelab.db import db, migrated

config = context.config


def run_migrations() -> None:
    app = config.attributes.get("flask_app") or current_app._get_current_object()
    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=db.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_name=migrated,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run 'coelab db upgrade'")
run_migrations()
