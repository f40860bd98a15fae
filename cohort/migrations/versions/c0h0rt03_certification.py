"""certification: attendance per gathering day, diploma eligibility, attestations de fin
de formation

Revision ID: c0h0rt03
Revises: c0h0rt02
Create Date: 2026-12-03 22:30:00
"""

from collections.abc import Sequence

import coelab.db
import sqlalchemy as sa
from alembic import op

revision: str = 'c0h0rt03'
down_revision: str | Sequence[str] | None = 'c0h0rt02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cohort_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gathering_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('present', 'absent', 'excused', name='attendancestatus', native_enum=False, length=20), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['gathering_id'], ['cohort_gatherings.id'], name=op.f('fk_cohort_attendance_gathering_id_cohort_gatherings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_cohort_attendance_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_attendance_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_attendance')),
    sa.UniqueConstraint('gathering_id', 'user_id', 'day', name=op.f('uq_cohort_attendance_gathering_id_user_id_day'))
    )
    with op.batch_alter_table('cohort_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_attendance_gathering_id'), ['gathering_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cohort_attendance_user_id'), ['user_id'], unique=False)

    op.create_table('diploma_eligibility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('diploma', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('to_check', 'eligible', 'not_eligible', name='eligibilitystatus', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_diploma_eligibility_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_diploma_eligibility_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diploma_eligibility')),
    sa.UniqueConstraint('user_id', 'diploma', name=op.f('uq_diploma_eligibility_user_id_diploma'))
    )
    with op.batch_alter_table('diploma_eligibility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diploma_eligibility_user_id'), ['user_id'], unique=False)

    op.create_table('training_attestations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('parcours', sa.Enum('I', 'II', 'III', name='parcours', native_enum=False, length=5), nullable=False),
    sa.Column('issued_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('signatory', sa.String(length=300), nullable=False),
    sa.Column('hours_followed', sa.Float(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_training_attestations_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_attestations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attestations')),
    sa.UniqueConstraint('user_id', 'parcours', name=op.f('uq_training_attestations_user_id_parcours'))
    )
    with op.batch_alter_table('training_attestations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attestations_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('training_attestations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attestations_user_id'))
    op.drop_table('training_attestations')
    with op.batch_alter_table('diploma_eligibility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diploma_eligibility_user_id'))
    op.drop_table('diploma_eligibility')
    with op.batch_alter_table('cohort_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_attendance_user_id'))
        batch_op.drop_index(batch_op.f('ix_cohort_attendance_gathering_id'))
    op.drop_table('cohort_attendance')
