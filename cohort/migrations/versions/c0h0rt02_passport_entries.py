"""passport entries: competencies attested by juries

Revision ID: c0h0rt02
Revises: c0h0rt01
Create Date: 2026-11-29 08:20:00
"""

from collections.abc import Sequence

import coelab.db
import sqlalchemy as sa
from alembic import op

revision: str = 'c0h0rt02'
down_revision: str | Sequence[str] | None = 'c0h0rt01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = 'c0re0003'


def upgrade() -> None:
    op.create_table('passport_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('competency_code', sa.String(length=40), nullable=False),
    sa.Column('competency_title', sa.String(length=500), nullable=False),
    sa.Column('block_title', sa.String(length=300), nullable=True),
    sa.Column('deliverable_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('cohort_name', sa.String(length=200), nullable=False),
    sa.Column('validated_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], name=op.f('fk_passport_entries_deliverable_id_deliverables'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_passport_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passport_entries')),
    sa.UniqueConstraint('user_id', 'competency_code', 'deliverable_id', name=op.f('uq_passport_entries_user_id_competency_code_deliverable_id'))
    )
    with op.batch_alter_table('passport_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passport_entries_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('passport_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passport_entries_user_id'))
    op.drop_table('passport_entries')
