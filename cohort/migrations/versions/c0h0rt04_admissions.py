"""admissions: campaigns, applications and their attachments and transitions, interviews,
partner organisations, commission sittings, members and decisions, passeport openings,
anonymised counts of deleted applications

Revision ID: c0h0rt04
Revises: c0h0rt03
Create Date: 2026-12-04 04:29:39.133900
"""

from collections.abc import Sequence

import coelab.db
import sqlalchemy as sa
from alembic import op

revision: str = 'c0h0rt04'
down_revision: str | Sequence[str] | None = 'c0h0rt03'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('admission_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('year_label', sa.String(length=20), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('retention_months', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_campaigns'))
    )
    op.create_table('admission_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_admission_partners_name'))
    )
    op.create_table('admission_commissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('sits_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', coelab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['admission_campaigns.id'], name=op.f('fk_admission_commissions_campaign_id_admission_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chair_id'], ['users.id'], name=op.f('fk_admission_commissions_chair_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_admission_commissions_closed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_commissions'))
    )
    with op.batch_alter_table('admission_commissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_commissions_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('admission_purged_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'submitted', 'complete', 'interview_scheduled', 'interviewed', 'before_commission', 'admitted', 'admitted_derogation', 'waiting_list', 'refused', 'withdrawn', name='applicationstate', native_enum=False, length=30), nullable=False),
    sa.Column('parcours', sa.String(length=5), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('purged_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['admission_campaigns.id'], name=op.f('fk_admission_purged_counts_campaign_id_admission_campaigns'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_purged_counts'))
    )
    op.create_table('admission_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'complete', 'interview_scheduled', 'interviewed', 'before_commission', 'admitted', 'admitted_derogation', 'waiting_list', 'refused', 'withdrawn', name='applicationstate', native_enum=False, length=30), nullable=False),
    sa.Column('situation', sa.Text(), nullable=True),
    sa.Column('employer', sa.String(length=200), nullable=True),
    sa.Column('job_title', sa.String(length=200), nullable=True),
    sa.Column('career', sa.Text(), nullable=True),
    sa.Column('education', sa.Text(), nullable=True),
    sa.Column('highest_diploma', sa.String(length=300), nullable=True),
    sa.Column('diploma_level', sa.Integer(), nullable=True),
    sa.Column('motivation', sa.Text(), nullable=True),
    sa.Column('parcours', sa.Enum('I', 'II', 'III', name='parcours', native_enum=False, length=5), nullable=True),
    sa.Column('thematic_module_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('session_number', sa.Integer(), nullable=True),
    sa.Column('funding', sa.Enum('employed', 'job_seeker', 'other', name='funding', native_enum=False, length=20), nullable=True),
    sa.Column('in_sector', sa.Boolean(), nullable=True),
    sa.Column('management_months', sa.Integer(), nullable=True),
    sa.Column('job_seeker', sa.Boolean(), nullable=True),
    sa.Column('mobility', sa.Boolean(), nullable=True),
    sa.Column('volunteering_months', sa.Integer(), nullable=True),
    sa.Column('derogation_project', sa.Text(), nullable=True),
    sa.Column('profiles', sa.JSON(), nullable=False),
    sa.Column('derogation', sa.JSON(), nullable=False),
    sa.Column('commission_id', sa.Integer(), nullable=True),
    sa.Column('coordinator_note', sa.Text(), nullable=True),
    sa.Column('created_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', coelab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('enrolled_at', coelab.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['admission_campaigns.id'], name=op.f('fk_admission_applications_campaign_id_admission_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_admission_applications_candidate_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commission_id'], ['admission_commissions.id'], name=op.f('fk_admission_applications_commission_id_admission_commissions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['programme_sites.id'], name=op.f('fk_admission_applications_site_id_programme_sites'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thematic_module_id'], ['programme_modules.id'], name=op.f('fk_admission_applications_thematic_module_id_programme_modules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_applications')),
    sa.UniqueConstraint('campaign_id', 'candidate_id', name=op.f('uq_admission_applications_campaign_id_candidate_id'))
    )
    with op.batch_alter_table('admission_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_applications_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_applications_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_applications_commission_id'), ['commission_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_applications_state'), ['state'], unique=False)

    op.create_table('admission_commission_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commission_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('director', 'programme_lead', 'partner', name='commissionrole', native_enum=False, length=20), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commission_id'], ['admission_commissions.id'], name=op.f('fk_admission_commission_members_commission_id_admission_commissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['admission_partners.id'], name=op.f('fk_admission_commission_members_partner_id_admission_partners'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_admission_commission_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_commission_members')),
    sa.UniqueConstraint('commission_id', 'user_id', name=op.f('uq_admission_commission_members_commission_id_user_id'))
    )
    with op.batch_alter_table('admission_commission_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_commission_members_commission_id'), ['commission_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_commission_members_user_id'), ['user_id'], unique=False)

    op.create_table('admission_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('cv', 'diploma', 'other', name='attachmentcategory', native_enum=False, length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['admission_applications.id'], name=op.f('fk_admission_attachments_application_id_admission_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_admission_attachments_stored_name'))
    )
    with op.batch_alter_table('admission_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_attachments_application_id'), ['application_id'], unique=False)

    op.create_table('admission_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('commission_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('draft', 'submitted', 'complete', 'interview_scheduled', 'interviewed', 'before_commission', 'admitted', 'admitted_derogation', 'waiting_list', 'refused', 'withdrawn', name='applicationstate', native_enum=False, length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('revision', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['admission_applications.id'], name=op.f('fk_admission_decisions_application_id_admission_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commission_id'], ['admission_commissions.id'], name=op.f('fk_admission_decisions_commission_id_admission_commissions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_admission_decisions_decided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_decisions'))
    )
    with op.batch_alter_table('admission_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_decisions_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admission_decisions_commission_id'), ['commission_id'], unique=False)

    op.create_table('admission_interviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('interviewer_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('prerequisites', sa.Text(), nullable=True),
    sa.Column('objectives', sa.Text(), nullable=True),
    sa.Column('personalisation', sa.Text(), nullable=True),
    sa.Column('immersion', sa.Text(), nullable=True),
    sa.Column('complementary_training', sa.Text(), nullable=True),
    sa.Column('vae_proposal', sa.JSON(), nullable=False),
    sa.Column('vae_note', sa.Text(), nullable=True),
    sa.Column('funding_note', sa.Text(), nullable=True),
    sa.Column('opinion', sa.Enum('favourable', 'reserved', 'unfavourable', name='opinion', native_enum=False, length=20), nullable=True),
    sa.Column('opinion_text', sa.Text(), nullable=True),
    sa.Column('recorded_at', coelab.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['admission_applications.id'], name=op.f('fk_admission_interviews_application_id_admission_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interviewer_id'], ['users.id'], name=op.f('fk_admission_interviews_interviewer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_admission_interviews_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_interviews')),
    sa.UniqueConstraint('application_id', name=op.f('uq_admission_interviews_application_id'))
    )
    with op.batch_alter_table('admission_interviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_interviews_interviewer_id'), ['interviewer_id'], unique=False)

    op.create_table('admission_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.Enum('draft', 'submitted', 'complete', 'interview_scheduled', 'interviewed', 'before_commission', 'admitted', 'admitted_derogation', 'waiting_list', 'refused', 'withdrawn', name='applicationstate', native_enum=False, length=30), nullable=False),
    sa.Column('to_state', sa.Enum('draft', 'submitted', 'complete', 'interview_scheduled', 'interviewed', 'before_commission', 'admitted', 'admitted_derogation', 'waiting_list', 'refused', 'withdrawn', name='applicationstate', native_enum=False, length=30), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admission_transitions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['admission_applications.id'], name=op.f('fk_admission_transitions_application_id_admission_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admission_transitions'))
    )
    with op.batch_alter_table('admission_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_transitions_application_id'), ['application_id'], unique=False)

    op.create_table('passport_openings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', coelab.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('personalisation', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['admission_applications.id'], name=op.f('fk_passport_openings_application_id_admission_applications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_passport_openings_opened_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_passport_openings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_passport_openings')),
    sa.UniqueConstraint('user_id', name=op.f('uq_passport_openings_user_id'))
    )


def downgrade() -> None:
    op.drop_table('passport_openings')
    with op.batch_alter_table('admission_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_transitions_application_id'))

    op.drop_table('admission_transitions')
    with op.batch_alter_table('admission_interviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_interviews_interviewer_id'))

    op.drop_table('admission_interviews')
    with op.batch_alter_table('admission_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_decisions_commission_id'))
        batch_op.drop_index(batch_op.f('ix_admission_decisions_application_id'))

    op.drop_table('admission_decisions')
    with op.batch_alter_table('admission_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_attachments_application_id'))

    op.drop_table('admission_attachments')
    with op.batch_alter_table('admission_commission_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_commission_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_admission_commission_members_commission_id'))

    op.drop_table('admission_commission_members')
    with op.batch_alter_table('admission_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_applications_state'))
        batch_op.drop_index(batch_op.f('ix_admission_applications_commission_id'))
        batch_op.drop_index(batch_op.f('ix_admission_applications_candidate_id'))
        batch_op.drop_index(batch_op.f('ix_admission_applications_campaign_id'))

    op.drop_table('admission_applications')
    op.drop_table('admission_purged_counts')
    with op.batch_alter_table('admission_commissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_commissions_campaign_id'))

    op.drop_table('admission_commissions')
    op.drop_table('admission_partners')
    op.drop_table('admission_campaigns')
