"""Seal a deadline's pause reason.

deadlines.pause_reason is what the caseworker typed when the step that pauses a request's
clocks was taken (the pause_clocks effect takes the step's comment): it may name the
person, an informant, a lawyer. It becomes a sealed column (LargeBinary, NULL while the
clock is not paused: SealedOptionalText), as a4c6e8f0b2d9 sealed the extension reason.
The timeline entry of the pause keeps the words in case_events.comment, sealed already.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again.

Revision ID: b6d8f0a2c4e5
Revises: a4c6e8f0b2d9
Create Date: 2026-11-30 18:00:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'b6d8f0a2c4e5'
down_revision = 'a4c6e8f0b2d9'
branch_labels = None
depends_on = None

BATCH = 1000
CONTEXT = 'deadlines.pause_reason'


def _convert(new_type: sa.types.TypeEngine, change) -> None:
    """Add pause_reason_new, fill it from pause_reason BATCH rows at a time in id order,
    then replace the column (on SQLite through its own ALTER TABLE, never batch mode, as
    a4c6e8f0b2d9 does). Sealed, it is nullable (NULL: no value); plain, NOT NULL ""."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    binary = isinstance(new_type, sa.LargeBinary)
    if sqlite:
        definition = 'BLOB' if binary else f"{new_type.compile(bind.dialect)} NOT NULL " \
                                           "DEFAULT ''"
        op.execute(f'ALTER TABLE deadlines ADD COLUMN pause_reason_new {definition}')
    else:
        op.add_column('deadlines', sa.Column('pause_reason_new', new_type, nullable=True))
    rows_of = sa.table('deadlines', sa.column('id', sa.Integer), sa.column('pause_reason'),
                       sa.column('pause_reason_new', new_type))
    last = 0
    while True:
        rows = bind.execute(sa.select(rows_of.c.id, rows_of.c.pause_reason)
                            .where(rows_of.c.id > last).order_by(rows_of.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        bind.execute(rows_of.update().where(rows_of.c.id == sa.bindparam('row_id'))
                     .values(pause_reason_new=sa.bindparam('changed')),
                     [{'row_id': row_id, 'changed': change(value)} for row_id, value in rows])
        last = rows[-1][0]
    if sqlite:
        op.execute('ALTER TABLE deadlines DROP COLUMN pause_reason')
        op.execute('ALTER TABLE deadlines RENAME COLUMN pause_reason_new TO pause_reason')
        return
    op.drop_column('deadlines', 'pause_reason')
    op.alter_column('deadlines', 'pause_reason_new', new_column_name='pause_reason',
                    existing_type=new_type, nullable=binary)


def _seal(value) -> bytes | None:
    return key_ring().encrypt(value, context=CONTEXT) if value else None


def _open(value) -> str:
    return key_ring().decrypt(bytes(value), context=CONTEXT) if value is not None else ''


def upgrade():
    _convert(sa.LargeBinary(), _seal)


def downgrade():
    _convert(sa.String(300), _open)
