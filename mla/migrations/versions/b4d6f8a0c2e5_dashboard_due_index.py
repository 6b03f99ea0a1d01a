"""The dashboard's due list reads running custody clocks, then the others, each in due
order from one index (status, is_custody, due_at, id) instead of sorting them all.

Revision ID: b4d6f8a0c2e5
Revises: d9f1a3b5c7e0
Create Date: 2026-11-30 08:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b4d6f8a0c2e5'
down_revision = 'd9f1a3b5c7e0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index('ix_deadlines_running_custody_due',
                              ['status', 'is_custody', 'due_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_running_custody_due')
