"""How periods are counted: per-state settings where a rule leaves it to national law
(is the day of the event counted, does a period ending on a non-working day move), and
the convention each running clock started with.

Revision ID: a7b9d1f3c5e8
Revises: f6a8c0e2b4d7
Create Date: 2026-11-30 08:15:00

"""
import sqlalchemy as sa
from alembic import op

import mla.core.db

# revision identifiers, used by Alembic.
revision = 'a7b9d1f3c5e8'
down_revision = 'f6a8c0e2b4d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deadline_counting_settings',
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.Column('counts_event_day', sa.Boolean(), nullable=True),
        sa.Column('moves_to_working_day', sa.Boolean(), nullable=True),
        sa.Column('updated_at', mla.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['country_code'], ['countries.code'],
                                name=op.f('fk_deadline_counting_settings_country_code_countries'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_deadline_counting_settings_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('country_code', name=op.f('pk_deadline_counting_settings')),
    )
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counts_event_day', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('moves_to_working_day', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_column('moves_to_working_day')
        batch_op.drop_column('counts_event_day')
    op.drop_table('deadline_counting_settings')
