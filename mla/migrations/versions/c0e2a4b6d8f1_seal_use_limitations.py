"""Seal a use limitation's words: its scope, who imposed it, the caseworker's note.

use_limitations.scope (what the evidence may not be used for: it names proceedings and
persons), imposed_by (an official, named) and note become sealed columns (LargeBinary):
scope and imposed_by SealedText (NOT NULL), note SealedOptionalText (NULL when none).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again.

Revision ID: c0e2a4b6d8f1
Revises: b8d0f2a4c6e9
Create Date: 2026-11-30 19:10:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'c0e2a4b6d8f1'
down_revision = 'b8d0f2a4c6e9'
branch_labels = None
depends_on = None

BATCH = 1000
# column: (its plain type, whether sealed it may be NULL: none)
COLUMNS = {'scope': (sa.Text(), False), 'imposed_by': (sa.String(200), False),
           'note': (sa.Text(), True)}


def _convert(column: str, new_type: sa.types.TypeEngine, change) -> None:
    """Add `<column>_new`, fill it from `column` BATCH rows at a time in id order, then
    replace the column (on SQLite through its own ALTER TABLE). Plain, NOT NULL ""."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    binary = isinstance(new_type, sa.LargeBinary)
    optional = COLUMNS[column][1]
    temporary = f'{column}_new'
    if sqlite:
        if binary:
            definition = 'BLOB' if optional else "BLOB NOT NULL DEFAULT x''"
        else:
            definition = f"{new_type.compile(bind.dialect)} NOT NULL DEFAULT ''"
        op.execute(f'ALTER TABLE use_limitations ADD COLUMN {temporary} {definition}')
    else:
        op.add_column('use_limitations', sa.Column(temporary, new_type, nullable=True))
    rows_of = sa.table('use_limitations', sa.column('id', sa.Integer), sa.column(column),
                       sa.column(temporary, new_type))
    last = 0
    while True:
        rows = bind.execute(sa.select(rows_of.c.id, rows_of.c[column])
                            .where(rows_of.c.id > last).order_by(rows_of.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        bind.execute(rows_of.update().where(rows_of.c.id == sa.bindparam('row_id'))
                     .values({temporary: sa.bindparam('changed')}),
                     [{'row_id': row_id, 'changed': change(column, value)}
                      for row_id, value in rows])
        last = rows[-1][0]
    if sqlite:
        op.execute(f'ALTER TABLE use_limitations DROP COLUMN {column}')
        op.execute(f'ALTER TABLE use_limitations RENAME COLUMN {temporary} TO {column}')
        return
    op.drop_column('use_limitations', column)
    op.alter_column('use_limitations', temporary, new_column_name=column, existing_type=new_type,
                    nullable=binary and optional)


def _seal(column: str, value) -> bytes | None:
    if not value and COLUMNS[column][1]:
        return None
    return key_ring().encrypt(value or '', context=f'use_limitations.{column}')


def _open(column: str, value) -> str:
    return key_ring().decrypt(bytes(value), context=f'use_limitations.{column}') \
        if value is not None else ''


def upgrade():
    for column in COLUMNS:
        _convert(column, sa.LargeBinary(), _seal)


def downgrade():
    for column, (plain, _) in COLUMNS.items():
        _convert(column, plain, _open)
