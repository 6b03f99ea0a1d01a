"""cases.counterpart_reference_key: the counterpart reference as the link searches compare
it (mla.cases.models.reference_key: NFKC, case-folded in Python), indexed. The request
form's search and the register import's bulk search both compare it, so "ÉTAT-12" and
"état-12" are one reference on SQLite too (its upper() and lower() change ASCII letters
only). Existing rows get their key here, 1000 at a time.

Revision ID: d4f6a8c0e2b5
Revises: 046a9e0e108e
Create Date: 2026-11-30 17:10:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4f6a8c0e2b5'
down_revision = '046a9e0e108e'
branch_labels = None
depends_on = None

BATCH = 1000


def _key(reference: str) -> str:
    """mla.cases.models.reference_key as of this revision (a migration keeps its own)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", reference.strip())
                                 .casefold())[:300]  # the column's length


def upgrade():
    # A plain ADD COLUMN on SQLite too (batch mode would rebuild cases and its triggers).
    op.add_column('cases', sa.Column('counterpart_reference_key', sa.String(length=300),
                                     nullable=False, server_default=''))
    cases = sa.table('cases', sa.column('id', sa.Integer),
                     sa.column('counterpart_reference', sa.String),
                     sa.column('counterpart_reference_key', sa.String))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(cases.c.id, cases.c.counterpart_reference)
            .where(cases.c.id > last, cases.c.counterpart_reference != '')
            .order_by(cases.c.id).limit(BATCH)).all()
        if not rows:
            break
        bind.execute(cases.update().where(cases.c.id == sa.bindparam('case_id'))
                     .values(counterpart_reference_key=sa.bindparam('key')),
                     [{'case_id': row.id, 'key': _key(row.counterpart_reference)}
                      for row in rows])
        last = rows[-1].id
    op.create_index('ix_cases_counterpart_reference_key', 'cases',
                    ['counterpart_reference_key'], unique=False)


def downgrade():
    op.drop_index('ix_cases_counterpart_reference_key', table_name='cases')
    op.drop_column('cases', 'counterpart_reference_key')  # plain ALTER TABLE, as added
