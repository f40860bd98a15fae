"""assessments: what each one is (a review or a jury score), with a score's panel and
round, and when a score was withdrawn (its juror left the panel before the decision)

Revision ID: c0re0013
Revises: c0re0012
Create Date: 2026-12-03 17:10:00

Until now an assessment was taken for a jury score when its assessor sat on the
deliverable's panel at the time of reading. The backfill writes down once what each
existing assessment is: a jury score when its assessor is, or was (an audit event
``jury.member_removed`` names them), a member of the panel the deliverable is assigned
to, and it was not begun before the work went to the jury (a trainer's review made
during the review stays one); else a review. A score whose juror left the panel before
its round was decided is withdrawn, from the time they left.
"""

from collections.abc import Sequence

import coelab.db
import sqlalchemy as sa
from alembic import op

revision: str = 'c0re0013'
down_revision: str | Sequence[str] | None = 'c0re0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('review', 'jury', name='assessmentkind', native_enum=False, length=20), server_default='review', nullable=False))
        batch_op.add_column(sa.Column('panel_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', coelab.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_assessments_panel_id'), ['panel_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assessments_panel_id_jury_panels'), 'jury_panels', ['panel_id'], ['id'], ondelete='SET NULL')
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    assessments = sa.table(
        'assessments', sa.column('id', sa.Integer), sa.column('deliverable_id', sa.Integer),
        sa.column('submission_id', sa.Integer), sa.column('assessor_id', sa.Integer),
        sa.column('created_at', coelab.db.UTCDateTime), sa.column('kind', sa.String),
        sa.column('panel_id', sa.Integer), sa.column('round', sa.Integer),
        sa.column('withdrawn_at', coelab.db.UTCDateTime))
    submissions = sa.table('deliverable_submissions', sa.column('id', sa.Integer),
                           sa.column('round', sa.Integer))
    transitions = sa.table(
        'deliverable_transitions', sa.column('deliverable_id', sa.Integer),
        sa.column('action', sa.String), sa.column('round', sa.Integer),
        sa.column('created_at', coelab.db.UTCDateTime))
    assignments = sa.table('jury_assignments', sa.column('panel_id', sa.Integer),
                           sa.column('deliverable_id', sa.Integer))
    members = sa.table('jury_members', sa.column('panel_id', sa.Integer),
                       sa.column('user_id', sa.Integer))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('email', sa.String))
    events = sa.table(
        'audit_events', sa.column('action', sa.String), sa.column('object_type', sa.String),
        sa.column('object_id', sa.Integer), sa.column('before', sa.JSON),
        sa.column('created_at', coelab.db.UTCDateTime))
    decisions = sa.table(
        'jury_decisions', sa.column('deliverable_id', sa.Integer),
        sa.column('round', sa.Integer), sa.column('decided_at', coelab.db.UTCDateTime))

    panel_of = dict(conn.execute(sa.select(assignments.c.deliverable_id,
                                           assignments.c.panel_id)).all())
    sitting = set(conn.execute(sa.select(members.c.panel_id, members.c.user_id)).all())
    by_email = {email.lower(): user_id for user_id, email in conn.execute(
        sa.select(users.c.id, users.c.email)).all()}
    # who left which panel, and when (the last time)
    left: dict[tuple[int, int], object] = {}
    for panel_id, before, at in conn.execute(
            sa.select(events.c.object_id, events.c.before, events.c.created_at)
            .where(events.c.action == 'jury.member_removed',
                   events.c.object_type == 'jury_panels')
            .order_by(events.c.created_at)).all():
        user_id = by_email.get(str((before or {}).get('user') or '').lower())
        if user_id is not None:
            left[panel_id, user_id] = at
    decided = {(d, r): at for d, r, at in conn.execute(
        sa.select(decisions.c.deliverable_id, decisions.c.round,
                  decisions.c.decided_at)).all()}
    # begun before the work of that round went to the jury: during the review
    in_review = sa.exists().where(
        transitions.c.deliverable_id == assessments.c.deliverable_id,
        transitions.c.round == submissions.c.round,
        transitions.c.action == 'ready_for_jury',
        transitions.c.created_at > assessments.c.created_at)
    rows = conn.execute(
        sa.select(assessments.c.id, assessments.c.deliverable_id, assessments.c.assessor_id,
                  submissions.c.round, in_review.label('in_review'))
        .join(submissions, submissions.c.id == assessments.c.submission_id)).all()
    for assessment_id, deliverable_id, assessor_id, round_, made_in_review in rows:
        panel_id = panel_of.get(deliverable_id)
        if panel_id is None or made_in_review:
            continue
        member = (panel_id, assessor_id) in sitting
        left_at = left.get((panel_id, assessor_id))
        if not member and left_at is None:
            continue
        withdrawn_at = None
        if not member:
            decided_at = decided.get((deliverable_id, round_))
            # a juror who left after the decision leaves their score in it
            if decided_at is None or decided_at > left_at:
                withdrawn_at = left_at
        conn.execute(assessments.update().where(assessments.c.id == assessment_id).values(
            kind='jury', panel_id=panel_id, round=round_, withdrawn_at=withdrawn_at))


def downgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessments_panel_id_jury_panels'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assessments_panel_id'))
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('round')
        batch_op.drop_column('panel_id')
        batch_op.drop_column('kind')
