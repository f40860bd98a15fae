"""comments

Revision ID: c0re0007
Revises: c0re0006
Create Date: 2026-11-29 07:50:30.574954
"""

from collections.abc import Sequence

import coelab.db
import sqlalchemy as sa
from alembic import op

revision: str = 'c0re0007'
down_revision: str | Sequence[str] | None = 'c0re0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('comment_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=True),
    sa.Column('anchor_start', sa.String(length=400), nullable=True),
    sa.Column('anchor_end', sa.String(length=400), nullable=True),
    sa.Column('offset_start', sa.Integer(), nullable=True),
    sa.Column('offset_end', sa.Integer(), nullable=True),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('visibility', sa.Enum('authors', 'panel', name='commentvisibility', native_enum=False, length=20), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.Column('resolved_at', coelab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_comment_threads_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], name=op.f('fk_comment_threads_deliverable_id_deliverables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_comment_threads_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_threads'))
    )
    with op.batch_alter_table('comment_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_threads_deliverable_id'), ['deliverable_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['comment_threads.id'], name=op.f('fk_comments_thread_id_comment_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_thread_id'), ['thread_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_thread_id'))

    op.drop_table('comments')
    with op.batch_alter_table('comment_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_threads_deliverable_id'))

    op.drop_table('comment_threads')
