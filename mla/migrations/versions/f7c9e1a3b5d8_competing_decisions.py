"""Decisions between competing extradition requests for one person (issue 16).

Revision ID: f7c9e1a3b5d8
Revises: f3b5d7e9a1c2
Create Date: 2026-11-30 08:50:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'f7c9e1a3b5d8'
down_revision = 'f3b5d7e9a1c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'competing_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('prevailing_case_id', sa.Integer(), nullable=False),
        sa.Column('criteria', sa.JSON(), nullable=False),
        sa.Column('reasons', sa.Text(), nullable=False),
        sa.Column('decided_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_competing_decisions_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['link_id'], ['case_links.id'],
                                name=op.f('fk_competing_decisions_link_id_case_links'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['prevailing_case_id'], ['cases.id'],
                                name=op.f('fk_competing_decisions_prevailing_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_competing_decisions')),
        sa.UniqueConstraint('link_id', name=op.f('uq_competing_decisions_link_id')),
    )


def downgrade():
    op.drop_table('competing_decisions')
