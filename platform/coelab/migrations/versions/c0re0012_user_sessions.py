"""server-side sessions, and the deactivation date of an account

Revision ID: c0re0012
Revises: c0re0011
Create Date: 2026-12-03 15:50:00

Sessions signed in before this revision carried a bare user id in their cookies; they
no longer match any session (coelab.sessions) and their owners sign in again.
"""

from collections.abc import Sequence

import coelab.db
import sqlalchemy as sa
from alembic import op

revision: str = 'c0re0012'
down_revision: str | Sequence[str] | None = 'c0re0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('created_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('ended_at', coelab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.Enum('logout', 'ended_by_user', 'logout_everywhere', 'password_changed', 'password_reset', 'deactivated', 'expired', name='sessionend', native_enum=False, length=20), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', coelab.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
