"""certification: a competency block says whether it is a module's or a diploma's, and a
user records their current professional role (what a practising professional on a jury
does today)

Revision ID: c0re0014
Revises: c0re0013
Create Date: 2026-12-03 22:20:00

Blocks that already exist are a module's, except the diploma domains the demo
framework created (codes starting with ``CAFERUIS-`` or ``DEIS-``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0re0014'
down_revision: str | Sequence[str] | None = 'c0re0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN, which SQLite does in place: a batch copy of ``users`` would
    # drop a table that every other table references
    op.add_column('competency_blocks', sa.Column('scope', sa.Enum('module', 'diploma', name='blockscope', native_enum=False, length=20), server_default='module', nullable=False))
    op.add_column('users', sa.Column('job_title', sa.String(length=200), nullable=True))
    blocks = sa.table('competency_blocks', sa.column('code', sa.String),
                      sa.column('scope', sa.String))
    op.get_bind().execute(blocks.update().where(sa.or_(
        blocks.c.code.like('CAFERUIS-%'), blocks.c.code.like('DEIS-%'))).values(scope='diploma'))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place, as it added it
    op.drop_column('users', 'job_title')
    op.drop_column('competency_blocks', 'scope')
