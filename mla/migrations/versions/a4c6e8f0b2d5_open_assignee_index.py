"""The dashboard's "assigned to me" count reads a partial index of open requests by
assignee (ix_cases_open_assignee) instead of scanning the table.

Its predicate is written as the query writes it (`is_closed IS false` on PostgreSQL,
`is_closed IS 0` on SQLite), so the planner can prove the query implies it.

Revision ID: a4c6e8f0b2d5
Revises: e7a9c1d3f5b2
Create Date: 2026-11-30 15:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4c6e8f0b2d5'
down_revision = 'e7a9c1d3f5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_open_assignee', 'cases', ['assignee_id'], unique=False,
                    postgresql_where=sa.text('is_closed IS false'),
                    sqlite_where=sa.text('is_closed IS 0'))


def downgrade():
    op.drop_index('ix_cases_open_assignee', table_name='cases')
