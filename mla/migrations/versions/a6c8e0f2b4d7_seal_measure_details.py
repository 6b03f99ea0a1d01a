"""Seal a requested measure's details.

case_measures.details comes with a counterpart's package (or is typed): whom or what the
measure concerns, where (an account holder, an address to search). It becomes a sealed
column (LargeBinary, NULL when there are none: SealedOptionalText).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again.

Revision ID: a6c8e0f2b4d7
Revises: f4b6d8e0a2c5
Create Date: 2026-11-30 18:50:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'a6c8e0f2b4d7'
down_revision = 'f4b6d8e0a2c5'
branch_labels = None
depends_on = None

BATCH = 1000
CONTEXT = 'case_measures.details'


def _convert(new_type: sa.types.TypeEngine, change) -> None:
    """Add details_new, fill it from details BATCH rows at a time in id order,
    then replace the column (on SQLite through its own ALTER TABLE, never batch mode, as
    b6d8f0a2c4e5 does). Sealed, it is nullable (NULL: no value); plain, NOT NULL ""."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    binary = isinstance(new_type, sa.LargeBinary)
    if sqlite:
        definition = 'BLOB' if binary else f"{new_type.compile(bind.dialect)} NOT NULL " \
                                           "DEFAULT ''"
        op.execute(f'ALTER TABLE case_measures ADD COLUMN details_new {definition}')
    else:
        op.add_column('case_measures', sa.Column('details_new', new_type, nullable=True))
    rows_of = sa.table('case_measures', sa.column('id', sa.Integer), sa.column('details'),
                       sa.column('details_new', new_type))
    last = 0
    while True:
        rows = bind.execute(sa.select(rows_of.c.id, rows_of.c.details)
                            .where(rows_of.c.id > last).order_by(rows_of.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        bind.execute(rows_of.update().where(rows_of.c.id == sa.bindparam('row_id'))
                     .values(details_new=sa.bindparam('changed')),
                     [{'row_id': row_id, 'changed': change(value)} for row_id, value in rows])
        last = rows[-1][0]
    if sqlite:
        op.execute('ALTER TABLE case_measures DROP COLUMN details')
        op.execute('ALTER TABLE case_measures RENAME COLUMN details_new TO details')
        return
    op.drop_column('case_measures', 'details')
    op.alter_column('case_measures', 'details_new', new_column_name='details',
                    existing_type=new_type, nullable=binary)


def _seal(value) -> bytes | None:
    return key_ring().encrypt(value, context=CONTEXT) if value else None


def _open(value) -> str:
    return key_ring().decrypt(bytes(value), context=CONTEXT) if value is not None else ''


def upgrade():
    _convert(sa.LargeBinary(), _seal)


def downgrade():
    _convert(sa.Text(), _open)
