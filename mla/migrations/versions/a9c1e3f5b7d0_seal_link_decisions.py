"""Seal the words of decisions between linked requests.

case_links.decision_note (the caseworker's note confirming or dismissing that two
requests concern one person) becomes a SealedOptionalText (LargeBinary, NULL when there
is none); competing_decisions.reasons (why one of competing extradition requests for a
person prevails) a SealedText (NOT NULL). No check constraint names either column.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again.

Revision ID: a9c1e3f5b7d0
Revises: e4a6c8d0f2b5
Create Date: 2026-11-30 19:40:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'a9c1e3f5b7d0'
down_revision = 'e4a6c8d0f2b5'
branch_labels = None
depends_on = None

BATCH = 1000
# (table, column): whether sealed it may be NULL (none)
COLUMNS = {('case_links', 'decision_note'): True, ('competing_decisions', 'reasons'): False}


def _convert(table: str, column: str, new_type: sa.types.TypeEngine, change) -> None:
    """Add `<column>_new`, fill it from `column` BATCH rows at a time in id order, then
    replace the column (on SQLite through its own ALTER TABLE, never batch mode: other
    tables refer to case_links). Plain, NOT NULL ""."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    binary = isinstance(new_type, sa.LargeBinary)
    optional = COLUMNS[(table, column)]
    temporary = f'{column}_new'
    if sqlite:
        if binary:
            definition = 'BLOB' if optional else "BLOB NOT NULL DEFAULT x''"
        else:
            definition = f"{new_type.compile(bind.dialect)} NOT NULL DEFAULT ''"
        op.execute(f'ALTER TABLE {table} ADD COLUMN {temporary} {definition}')
    else:
        op.add_column(table, sa.Column(temporary, new_type, nullable=True))
    rows_of = sa.table(table, sa.column('id', sa.Integer), sa.column(column),
                       sa.column(temporary, new_type))
    context = f'{table}.{column}'
    last = 0
    while True:
        rows = bind.execute(sa.select(rows_of.c.id, rows_of.c[column])
                            .where(rows_of.c.id > last).order_by(rows_of.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        bind.execute(rows_of.update().where(rows_of.c.id == sa.bindparam('row_id'))
                     .values({temporary: sa.bindparam('changed')}),
                     [{'row_id': row_id, 'changed': change(context, optional, value)}
                      for row_id, value in rows])
        last = rows[-1][0]
    if sqlite:
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        op.execute(f'ALTER TABLE {table} RENAME COLUMN {temporary} TO {column}')
        return
    op.drop_column(table, column)
    op.alter_column(table, temporary, new_column_name=column,
                    existing_type=new_type, nullable=binary and optional)


def _seal(context: str, optional: bool, value) -> bytes | None:
    if not value and optional:
        return None
    return key_ring().encrypt(value or '', context=context)


def _open(context: str, optional: bool, value) -> str:
    return key_ring().decrypt(bytes(value), context=context) if value is not None else ''


def upgrade():
    for table, column in COLUMNS:
        _convert(table, column, sa.LargeBinary(), _seal)


def downgrade():
    for table, column in COLUMNS:
        _convert(table, column, sa.Text(), _open)
