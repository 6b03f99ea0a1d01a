"""Seal the free text that often names people: a request's summary of facts, the
conduct of each offence, and timeline comments (mla.core.crypto.SealedText).

Each column becomes binary; every existing row is sealed with the instance's key
ring (so `flask db upgrade` needs MLA_KEY_FILE or MLA_KEY_RING, as the app does).
Going down opens them again into text.

Revision ID: f3b5d7e9a1c2
Revises: b4d6f8a0c2e5
Create Date: 2026-11-30 08:40:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'f3b5d7e9a1c2'
down_revision = 'b4d6f8a0c2e5'
branch_labels = None
depends_on = None

# (table, column): the context each value is sealed with is "table.column".
COLUMNS = (('cases', 'summary'), ('case_offences', 'conduct'), ('case_events', 'comment'))


def _convert(table: str, column: str, new_type: sa.types.TypeEngine, change) -> None:
    """Add `<column>_new`, fill it from `column` row by row, then replace the column.

    On SQLite through its own ALTER TABLE (DROP and RENAME COLUMN, SQLite 3.35+), never
    batch mode: batch mode copies and drops the table, and dropping `cases` with
    foreign keys on would cascade-delete every offence, event and person."""
    temporary = f'{column}_new'
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        blank = "x''" if isinstance(new_type, sa.LargeBinary) else "''"
        type_name = 'BLOB' if isinstance(new_type, sa.LargeBinary) else 'TEXT'
        op.execute(f'ALTER TABLE {table} ADD COLUMN {temporary} {type_name} NOT NULL '
                   f'DEFAULT {blank}')
    else:
        op.add_column(table, sa.Column(temporary, new_type, nullable=True))
    bind = op.get_bind()
    rows_of = sa.table(table, sa.column('id'), sa.column(column), sa.column(temporary, new_type))
    rows = bind.execute(sa.select(rows_of.c.id, rows_of.c[column])).all()
    for row_id, value in rows:
        bind.execute(rows_of.update().where(rows_of.c.id == row_id)
                     .values({temporary: change(value, f'{table}.{column}')}))
    if sqlite:
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        op.execute(f'ALTER TABLE {table} RENAME COLUMN {temporary} TO {column}')
        return
    op.drop_column(table, column)
    op.alter_column(table, temporary, new_column_name=column, existing_type=new_type,
                    nullable=False)


def _seal(value, context: str) -> bytes:
    return key_ring().encrypt(value or '', context=context)


def _open(value, context: str) -> str:
    return key_ring().decrypt(bytes(value), context=context) if value is not None else ''


def upgrade():
    for table, column in COLUMNS:
        _convert(table, column, sa.LargeBinary(), _seal)


def downgrade():
    for table, column in COLUMNS:
        _convert(table, column, sa.Text(), _open)
