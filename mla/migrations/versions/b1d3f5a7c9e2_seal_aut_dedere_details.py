"""Seal what a domestic prosecution decided after an extradition was refused.

aut_dedere_referrals.details is the caseworker's account of the outcome (the sentence,
why proceedings were dropped: it names the person). It becomes a sealed column
(LargeBinary, NULL while the outcome is awaited: SealedOptionalText). No check
constraint names it.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again.

Revision ID: b1d3f5a7c9e2
Revises: a9c1e3f5b7d0
Create Date: 2026-11-30 19:50:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'b1d3f5a7c9e2'
down_revision = 'a9c1e3f5b7d0'
branch_labels = None
depends_on = None

BATCH = 1000
CONTEXT = 'aut_dedere_referrals.details'


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
        op.execute(f'ALTER TABLE aut_dedere_referrals ADD COLUMN details_new {definition}')
    else:
        op.add_column('aut_dedere_referrals', sa.Column('details_new', new_type, nullable=True))
    rows_of = sa.table('aut_dedere_referrals', sa.column('id', sa.Integer), sa.column('details'),
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
        op.execute('ALTER TABLE aut_dedere_referrals DROP COLUMN details')
        op.execute('ALTER TABLE aut_dedere_referrals RENAME COLUMN details_new '
                   'TO details')
        return
    op.drop_column('aut_dedere_referrals', 'details')
    op.alter_column('aut_dedere_referrals', 'details_new', new_column_name='details',
                    existing_type=new_type, nullable=binary)


def _seal(value) -> bytes | None:
    return key_ring().encrypt(value, context=CONTEXT) if value else None


def _open(value) -> str:
    return key_ring().decrypt(bytes(value), context=CONTEXT) if value is not None else ''


def upgrade():
    _convert(sa.LargeBinary(), _seal)


def downgrade():
    _convert(sa.Text(), _open)
