"""The dashboard's "open and urgent" count reads a partial index of the open urgent
requests (ix_cases_open_urgent) instead of finding them through the urgent and the open
indexes and reading each row from the table.

Its predicate is written as the query writes it (`is_urgent IS true AND is_closed IS
false` on PostgreSQL, `IS 1` / `IS 0` on SQLite), so the planner can prove the query
implies it.

Revision ID: e3b5c7d9f1a4
Revises: d4f6a8c0e2b5
Create Date: 2026-11-30 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e3b5c7d9f1a4'
down_revision = 'd4f6a8c0e2b5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cases_open_urgent', 'cases', ['created_at', 'id'], unique=False,
                    postgresql_where=sa.text('is_urgent IS true AND is_closed IS false'),
                    sqlite_where=sa.text('is_urgent IS 1 AND is_closed IS 0'))


def downgrade():
    op.drop_index('ix_cases_open_urgent', table_name='cases')
