"""Alembic revisions of the recommendations plugin (its own branch, ``recommendations``)."""
