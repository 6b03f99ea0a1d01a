"""Dual-criminality assessments can be out of date: a correction of the request
changed what the decision rested on (the offence's ICCS codes or penalty, the legal
basis, the counterpart), so the guard asks for a new assessment.

Revision ID: c3d5e7f9a1b2
Revises: b7c41e9d2a10
Create Date: 2026-11-30 07:50:00

"""
from alembic import op
import sqlalchemy as sa

import mla.core.db


# revision identifiers, used by Alembic.
revision = 'c3d5e7f9a1b2'
down_revision = 'b7c41e9d2a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dc_assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_outdated', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('outdated_at', mla.core.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('outdated_reason', sa.String(length=300), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('dc_assessments', schema=None) as batch_op:
        batch_op.drop_column('outdated_reason')
        batch_op.drop_column('outdated_at')
        batch_op.drop_column('is_outdated')
