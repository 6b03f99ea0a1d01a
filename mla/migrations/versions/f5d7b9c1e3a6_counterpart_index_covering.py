"""ix_cases_counterpart_created carries direction, kind and id (INCLUDE, PostgreSQL):
the reports' counterpart filters and the request page's counterpart line (its count and
its days from transmission to execution) read the index alone instead of every row of
the counterpart's requests from the table (27,000 pages for one counterpart at a million
requests). SQLite has no INCLUDE: its index is unchanged.

Revision ID: f5d7b9c1e3a6
Revises: a7c9e1b3d5f2
Create Date: 2026-11-30 17:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f5d7b9c1e3a6'
down_revision = 'a7c9e1b3d5f2'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_cases_counterpart_created', table_name='cases')
    op.create_index('ix_cases_counterpart_created', 'cases',
                    ['counterpart_country', 'created_at'], unique=False,
                    postgresql_include=['direction', 'kind', 'id'])


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_cases_counterpart_created', table_name='cases')
    op.create_index('ix_cases_counterpart_created', 'cases',
                    ['counterpart_country', 'created_at'], unique=False)
