"""Indexes for every filter and sort of the request list (issue 13).

- ix_cases_next_due gains `id`: sort=due and its keyset pages (NULLs last, as
  PostgreSQL orders ASC) read the index in order instead of sorting the table.
- ix_cases_urgent_created: the urgent filter, newest first.
- Trigram GIN indexes (pg_trgm) on reference, title_search and counterpart_reference
  serve `q=` (a substring search) on PostgreSQL; they replace the plain indexes on
  title_search and counterpart_reference (pg_trgm's GIN serves `=` too). On SQLite the
  same statements build plain indexes (the postgresql_* options are ignored), as the
  models declare, so the models still match the head there.

Revision ID: c8e0f2a4b6d9
Revises: b3c5d7e9f1a2
Create Date: 2026-11-30 08:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c8e0f2a4b6d9'
down_revision = 'b3c5d7e9f1a2'
branch_labels = None
depends_on = None

TRIGRAM = (
    ('ix_cases_reference_trgm', 'reference'),
    ('ix_cases_title_trgm', 'title_search'),
    ('ix_cases_counterpart_reference_trgm', 'counterpart_reference'),
)


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_next_due')
        batch_op.create_index('ix_cases_next_due', ['next_due_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_urgent_created', ['is_urgent', 'created_at'],
                              unique=False)
        batch_op.drop_index('ix_cases_title_search')
        batch_op.drop_index('ix_cases_counterpart_reference')
        for name, column in TRIGRAM:
            batch_op.create_index(name, [column], unique=False, postgresql_using='gin',
                                  postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    # The pg_trgm extension stays: other schemas in the database may use it.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name, _column in TRIGRAM:
            batch_op.drop_index(name)
        batch_op.create_index('ix_cases_counterpart_reference', ['counterpart_reference'],
                              unique=False)
        batch_op.create_index('ix_cases_title_search', ['title_search'], unique=False)
        batch_op.drop_index('ix_cases_urgent_created')
        batch_op.drop_index('ix_cases_next_due')
        batch_op.create_index('ix_cases_next_due', ['next_due_at'], unique=False)
