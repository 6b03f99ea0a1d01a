"""Report figures kept ready (mla/reports/ready.py): one row per report section and view,
its figures as sealed JSON, when they were computed and last read.

Revision ID: 046a9e0e108e
Revises: c2e4a6f8b0d3
Create Date: 2026-11-30 17:20:00

"""
import sqlalchemy as sa
from alembic import op

import mla.core.db

# revision identifiers, used by Alembic.
revision = '046a9e0e108e'
down_revision = 'c2e4a6f8b0d3'
branch_labels = None
depends_on = None


def upgrade():
    # Starts empty: figures are computed on their first read (or by `reports warm`).
    op.create_table(
        'report_figures',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('section', sa.String(length=20), nullable=False),
        sa.Column('scope_key', sa.String(length=40), nullable=False),
        sa.Column('reader_id', sa.Integer(), nullable=True),
        sa.Column('locale', sa.String(length=16), nullable=False),
        sa.Column('filters', sa.Text(), nullable=False),
        sa.Column('computed_at', mla.core.db.UTCDateTime(), nullable=False),
        sa.Column('last_read_at', mla.core.db.UTCDateTime(), nullable=False),
        sa.Column('took_ms', sa.Integer(), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),  # SealedText
        sa.ForeignKeyConstraint(['reader_id'], ['users.id'],
                                name=op.f('fk_report_figures_reader_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_report_figures')),
    )
    with op.batch_alter_table('report_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_figures_last_read_at'), ['last_read_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_report_figures_reader_id'), ['reader_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('report_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_figures_reader_id'))
        batch_op.drop_index(batch_op.f('ix_report_figures_last_read_at'))
    op.drop_table('report_figures')
