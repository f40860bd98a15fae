"""jury decisions: agreed levels per criterion, authors treated differently

Revision ID: c0re0010
Revises: c0re0009
Create Date: 2026-11-29 08:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0re0010'
down_revision: str | Sequence[str] | None = 'c0re0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('jury_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreed_levels', sa.JSON(), nullable=False,
                                      server_default='{}'))
        batch_op.add_column(sa.Column('individual', sa.JSON(), nullable=False,
                                      server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('jury_decisions', schema=None) as batch_op:
        batch_op.drop_column('individual')
        batch_op.drop_column('agreed_levels')
