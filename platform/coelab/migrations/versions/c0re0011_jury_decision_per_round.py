"""jury decisions: one per round of the deliverable (a resubmission is decided anew)

Revision ID: c0re0011
Revises: c0re0010
Create Date: 2026-11-29 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0re0011'
down_revision: str | Sequence[str] | None = 'c0re0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('jury_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False,
                                      server_default='0'))
    # a decision so far was on the round its deliverable is at
    op.execute("UPDATE jury_decisions SET round = (SELECT deliverables.round FROM "
               "deliverables WHERE deliverables.id = jury_decisions.deliverable_id)")
    with op.batch_alter_table('jury_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_jury_decisions_deliverable_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_jury_decisions_deliverable_id_round'), ['deliverable_id', 'round'])


def downgrade() -> None:
    # keep each deliverable's last decision
    op.execute("DELETE FROM jury_decisions WHERE id NOT IN (SELECT max(id) FROM "
               "jury_decisions GROUP BY deliverable_id)")
    with op.batch_alter_table('jury_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_jury_decisions_deliverable_id_round', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_jury_decisions_deliverable_id'), ['deliverable_id'])
        batch_op.drop_column('round')
