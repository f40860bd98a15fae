"""juries: panels, members, assignments, soutenances

Revision ID: c0re0008
Revises: c0re0007
Create Date: 2026-11-29 08:10:00
"""

from collections.abc import Sequence

import coelab.db
import sqlalchemy as sa
from alembic import op

revision: str = 'c0re0008'
down_revision: str | Sequence[str] | None = 'c0re0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('jury_panels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_jury_panels_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jury_panels_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_panels'))
    )
    with op.batch_alter_table('jury_panels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jury_panels_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('jury_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('president', 'member', name='panelrole', native_enum=False, length=20), nullable=False),
    sa.Column('external', sa.Boolean(), nullable=False),
    sa.Column('impartiality', sa.Enum('pending', 'accepted', 'declined', name='impartiality', native_enum=False, length=20), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('declared_at', coelab.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['panel_id'], ['jury_panels.id'], name=op.f('fk_jury_members_panel_id_jury_panels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_jury_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_members')),
    sa.UniqueConstraint('panel_id', 'user_id', name=op.f('uq_jury_members_panel_id_user_id'))
    )
    with op.batch_alter_table('jury_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jury_members_user_id'), ['user_id'], unique=False)

    op.create_table('jury_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], name=op.f('fk_jury_assignments_deliverable_id_deliverables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['panel_id'], ['jury_panels.id'], name=op.f('fk_jury_assignments_panel_id_jury_panels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_assignments')),
    sa.UniqueConstraint('deliverable_id', name=op.f('uq_jury_assignments_deliverable_id'))
    )
    op.create_table('jury_soutenances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('video_link', sa.String(length=500), nullable=True),
    sa.Column('updated_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], name=op.f('fk_jury_soutenances_deliverable_id_deliverables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['panel_id'], ['jury_panels.id'], name=op.f('fk_jury_soutenances_panel_id_jury_panels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_soutenances')),
    sa.UniqueConstraint('deliverable_id', name=op.f('uq_jury_soutenances_deliverable_id'))
    )

    op.create_table('jury_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deliverable_id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('validated', 'not_validated', name='outcome', native_enum=False, length=20), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('resubmission_allowed', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', coelab.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_jury_decisions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deliverable_id'], ['deliverables.id'], name=op.f('fk_jury_decisions_deliverable_id_deliverables'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['panel_id'], ['jury_panels.id'], name=op.f('fk_jury_decisions_panel_id_jury_panels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_decisions')),
    sa.UniqueConstraint('deliverable_id', name=op.f('uq_jury_decisions_deliverable_id'))
    )
    op.create_table('jury_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['jury_decisions.id'], name=op.f('fk_jury_signatures_decision_id_jury_decisions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_jury_signatures_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jury_signatures')),
    sa.UniqueConstraint('decision_id', 'user_id', name=op.f('uq_jury_signatures_decision_id_user_id'))
    )


def downgrade() -> None:
    op.drop_table('jury_signatures')
    op.drop_table('jury_decisions')
    op.drop_table('jury_soutenances')
    op.drop_table('jury_assignments')
    with op.batch_alter_table('jury_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jury_members_user_id'))
    op.drop_table('jury_members')
    with op.batch_alter_table('jury_panels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jury_panels_cohort_id'))
    op.drop_table('jury_panels')
