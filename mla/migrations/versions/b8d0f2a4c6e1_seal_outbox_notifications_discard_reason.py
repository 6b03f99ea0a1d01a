"""Seal the outbox's e-mails, the in-app notifications and a letter's discard reason.

What 386ee44 left plain: an outbox row's subject and body (an approved letter to a
counterpart, a reminder naming a request and its persons; an exchange package, already
a JWE, is sealed again with the rest), a notification's title and body (copied from its
outbox row) and letters.discard_reason (free text). Each becomes a SealedText column
(LargeBinary); none is searched or sorted in SQL.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again.

Revision ID: b8d0f2a4c6e1
Revises: f1a3c5e7b9d4
Create Date: 2026-11-30 15:30:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'b8d0f2a4c6e1'
down_revision = 'f1a3c5e7b9d4'
branch_labels = None
depends_on = None

# (table, column, its plain type before this revision)
COLUMNS = (
    ('outbox_messages', 'subject', sa.String(length=300)),
    ('outbox_messages', 'body', sa.Text()),
    ('notifications', 'title', sa.String(length=300)),
    ('notifications', 'body', sa.Text()),
    ('letters', 'discard_reason', sa.String(length=300)),
)
BATCH = 1000


def _convert(table: str, column: str, new_type: sa.types.TypeEngine, change) -> None:
    """Add `<column>_new`, fill it from `column` BATCH rows at a time in id order, then
    replace the column (as f1a3c5e7b9d4 does: on SQLite through its own ALTER TABLE,
    never batch mode, which would copy and drop the table)."""
    temporary = f'{column}_new'
    sqlite = op.get_bind().dialect.name == 'sqlite'
    binary = isinstance(new_type, sa.LargeBinary)
    if sqlite:
        blank = "x''" if binary else "''"
        type_name = 'BLOB' if binary else 'TEXT'
        op.execute(f'ALTER TABLE {table} ADD COLUMN {temporary} {type_name} NOT NULL '
                   f'DEFAULT {blank}')
    else:
        op.add_column(table, sa.Column(temporary, new_type, nullable=True))
    bind = op.get_bind()
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
                     [{'row_id': row_id, 'changed': change(value, context)}
                      for row_id, value in rows])
        last = rows[-1].id
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
    for table, column, _plain in COLUMNS:
        _convert(table, column, sa.LargeBinary(), _seal)


def downgrade():
    for table, column, plain in COLUMNS:
        _convert(table, column, plain, _open)
