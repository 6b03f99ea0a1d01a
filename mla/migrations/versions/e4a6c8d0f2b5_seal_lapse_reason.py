"""Seal why a surrendered person's speciality protection lapsed.

speciality_records.lapse_reason says why the protection ended (the person stayed beyond
the period, left and came back, renounced it). It becomes a sealed column (LargeBinary,
NULL when there is none: SealedOptionalText).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again.

Revision ID: e4a6c8d0f2b5
Revises: d2f4b6c8e0a3
Create Date: 2026-11-30 19:30:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'e4a6c8d0f2b5'
down_revision = 'd2f4b6c8e0a3'
branch_labels = None
depends_on = None

BATCH = 1000
CONTEXT = 'speciality_records.lapse_reason'


def _convert(new_type: sa.types.TypeEngine, change) -> None:
    """Add lapse_reason_new, fill it from lapse_reason BATCH rows at a time in id order,
    then replace the column (on SQLite through its own ALTER TABLE, never batch mode, as
    b6d8f0a2c4e5 does). Sealed, it is nullable (NULL: no value); plain, NOT NULL ""."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    binary = isinstance(new_type, sa.LargeBinary)
    if sqlite:
        definition = 'BLOB' if binary else f"{new_type.compile(bind.dialect)} NOT NULL " \
                                           "DEFAULT ''"
        op.execute(f'ALTER TABLE speciality_records ADD COLUMN lapse_reason_new {definition}')
    else:
        op.add_column('speciality_records', sa.Column('lapse_reason_new', new_type, nullable=True))
    rows_of = sa.table('speciality_records', sa.column('id', sa.Integer), sa.column('lapse_reason'),
                       sa.column('lapse_reason_new', new_type))
    last = 0
    while True:
        rows = bind.execute(sa.select(rows_of.c.id, rows_of.c.lapse_reason)
                            .where(rows_of.c.id > last).order_by(rows_of.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        bind.execute(rows_of.update().where(rows_of.c.id == sa.bindparam('row_id'))
                     .values(lapse_reason_new=sa.bindparam('changed')),
                     [{'row_id': row_id, 'changed': change(value)} for row_id, value in rows])
        last = rows[-1][0]
    if sqlite:
        op.execute('ALTER TABLE speciality_records DROP COLUMN lapse_reason')
        op.execute('ALTER TABLE speciality_records RENAME COLUMN lapse_reason_new '
                   'TO lapse_reason')
        return
    op.drop_column('speciality_records', 'lapse_reason')
    op.alter_column('speciality_records', 'lapse_reason_new', new_column_name='lapse_reason',
                    existing_type=new_type, nullable=binary)


def _seal(value) -> bytes | None:
    return key_ring().encrypt(value, context=CONTEXT) if value else None


def _open(value) -> str:
    return key_ring().decrypt(bytes(value), context=CONTEXT) if value is not None else ''


def upgrade():
    _convert(sa.LargeBinary(), _seal)


def downgrade():
    _convert(sa.Text(), _open)
