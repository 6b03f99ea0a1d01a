"""The simulated counterpart's letters (acknowledgement, questions and the trainee's
answers, refusal, execution) and its script from the pack (sandbox_counterparts.script).

Revision ID: d2f4a6c8e0b1
Revises: b4b4fbd51934
Create Date: 2026-11-30 11:40:00

"""
import sqlalchemy as sa
from alembic import op

import mla.core.db

# revision identifiers, used by Alembic.
revision = 'd2f4a6c8e0b1'
down_revision = 'b4b4fbd51934'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch rebuild); the default fills the training rows.
    op.add_column('sandbox_counterparts',
                  sa.Column('script', sa.JSON(), nullable=False, server_default='{}'))
    op.create_table(
        'sandbox_counterpart_letters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('sender', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('sent_at', mla.core.db.UTCDateTime(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('ticked', sa.JSON(), nullable=False),
        sa.Column('answered_at', mla.core.db.UTCDateTime(), nullable=True),
        sa.Column('answered_real_at', mla.core.db.UTCDateTime(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('complete', sa.Boolean(), nullable=True),
        sa.Column('missing', sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('acknowledgement', 'question', 'refusal', 'execution')",
                           name=op.f('ck_sandbox_counterpart_letters_kind_known')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_sandbox_counterpart_letters_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                                name=op.f('fk_sandbox_counterpart_letters_answered_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_counterpart_letters')),
    )
    op.create_index('ix_sandbox_counterpart_letters_case', 'sandbox_counterpart_letters',
                    ['case_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_sandbox_counterpart_letters_case',
                  table_name='sandbox_counterpart_letters')
    op.drop_table('sandbox_counterpart_letters')
    with op.batch_alter_table('sandbox_counterparts') as batch_op:
        batch_op.drop_column('script')
