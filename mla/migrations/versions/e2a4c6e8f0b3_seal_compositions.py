"""Seal the text Comity drafts: a composed request's or letter's title and sections.

compositions.sections holds the whole text of an outgoing request or a letter (the
facts, the persons, what is asked) and compositions.title what the caseworker called
it. Both become sealed columns (LargeBinary, NOT NULL): the title a SealedText, the
sections a SealedJSON (the list sealed whole as JSON).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again.

Revision ID: e2a4c6e8f0b3
Revises: d0f2b4c6e8a1
Create Date: 2026-11-30 18:30:00

"""
import json

import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'e2a4c6e8f0b3'
down_revision = 'd0f2b4c6e8a1'
branch_labels = None
depends_on = None

BATCH = 1000
PLAIN = {'title': sa.String(300), 'sections': sa.JSON()}
BLANK = {'title': "''", 'sections': "'[]'"}


def _convert(column: str, old_type: sa.types.TypeEngine, new_type: sa.types.TypeEngine,
             change) -> None:
    """Add `<column>_new`, fill it from `column` BATCH rows at a time in id order, then
    replace the column (on SQLite through its own ALTER TABLE, never batch mode, as
    f3b5d7e9a1c2 does). NOT NULL both ways."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    binary = isinstance(new_type, sa.LargeBinary)
    temporary = f'{column}_new'
    if sqlite:
        definition = "BLOB NOT NULL DEFAULT x''" if binary else \
            f'{new_type.compile(bind.dialect)} NOT NULL DEFAULT {BLANK[column]}'
        op.execute(f'ALTER TABLE compositions ADD COLUMN {temporary} {definition}')
    else:
        op.add_column('compositions', sa.Column(temporary, new_type, nullable=True))
    rows_of = sa.table('compositions', sa.column('id', sa.Integer),
                       sa.column(column, old_type), sa.column(temporary, new_type))
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
        op.execute(f'ALTER TABLE compositions DROP COLUMN {column}')
        op.execute(f'ALTER TABLE compositions RENAME COLUMN {temporary} TO {column}')
        return
    op.drop_column('compositions', column)
    op.alter_column('compositions', temporary, new_column_name=column,
                    existing_type=new_type, nullable=False)


def _seal(column: str, value) -> bytes:
    if column == 'sections':
        value = json.dumps(value if value is not None else [], ensure_ascii=False)
    return key_ring().encrypt(value or '', context=f'compositions.{column}')


def _open(column: str, value):
    opened = key_ring().decrypt(bytes(value), context=f'compositions.{column}') \
        if value is not None else ''
    if column == 'sections':
        return json.loads(opened) if opened else []
    return opened


def upgrade():
    for column, plain in PLAIN.items():
        _convert(column, plain, sa.LargeBinary(), _seal)


def downgrade():
    for column, plain in PLAIN.items():
        _convert(column, sa.LargeBinary(), plain, _open)
