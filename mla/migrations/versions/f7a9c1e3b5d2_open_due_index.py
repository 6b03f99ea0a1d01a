"""The dashboard's "overdue" count reads a partial index of the open requests by their
next due instant (ix_cases_open_due), in due order, instead of scanning the requests
until it found 1,001 overdue ones (PostgreSQL, expecting them spread evenly, read every
closed request first) or checking each one's row in the table.

Its predicate is written as the query writes it (`is_closed IS false` on PostgreSQL,
`IS 0` on SQLite), so the planner can prove the query implies it.

Revision ID: f7a9c1e3b5d2
Revises: b1d3f5a7c9e2
Create Date: 2026-11-30 20:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f7a9c1e3b5d2'
down_revision = 'b1d3f5a7c9e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_open_due', 'cases', ['next_due_at', 'is_closed'], unique=False,
                    postgresql_where=sa.text('is_closed IS false'),
                    sqlite_where=sa.text('is_closed IS 0'))


def downgrade():
    op.drop_index('ix_cases_open_due', table_name='cases')
