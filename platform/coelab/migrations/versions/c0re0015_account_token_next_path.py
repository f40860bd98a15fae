"""account tokens: where the person goes once their password is chosen (a candidate
who signed up goes on to their application)

Revision ID: c0re0015
Revises: c0re0014
Create Date: 2026-12-04 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0re0015'
down_revision: str | Sequence[str] | None = 'c0re0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (nullable): no table copy on SQLite
    op.add_column('account_tokens', sa.Column('next_path', sa.String(length=300),
                                              nullable=True))


def downgrade() -> None:
    op.drop_column('account_tokens', 'next_path')
