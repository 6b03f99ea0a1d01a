"""Seal a speciality consent's words: its subject and the reasons of its decision.

speciality_consents.subject (the other offences or the state a surrendered person
faces) and reasons (why consent was given or refused) become sealed columns
(LargeBinary): subject a SealedText (NOT NULL), reasons a SealedOptionalText (NULL while
pending). The check that a decision is reasoned reads `reasons IS NOT NULL` (a sealed
value never compares with '').

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again. The check is dropped and made again around the change (on SQLite in batch
mode: no table refers to speciality_consents, so copying it cascades nothing).

Revision ID: d2f4b6c8e0a3
Revises: c0e2a4b6d8f1
Create Date: 2026-11-30 19:20:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'd2f4b6c8e0a3'
down_revision = 'c0e2a4b6d8f1'
branch_labels = None
depends_on = None

BATCH = 1000
CHECK = 'ck_speciality_consents_decision_reasoned'
REASONED = "state = 'pending' OR (decided_on IS NOT NULL AND {})"
# column: (its plain type, whether sealed it may be NULL: none)
COLUMNS = {'subject': (sa.Text(), False), 'reasons': (sa.Text(), True)}


def _check(condition: str | None) -> None:
    """Drop the decision check, or (with a condition) make it again."""
    with op.batch_alter_table('speciality_consents', schema=None) as batch_op:
        if condition is None:
            batch_op.drop_constraint(batch_op.f(CHECK), type_='check')
        else:
            batch_op.create_check_constraint(batch_op.f(CHECK), condition)


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
        op.execute(f'ALTER TABLE speciality_consents ADD COLUMN {temporary} {definition}')
    else:
        op.add_column('speciality_consents', sa.Column(temporary, new_type, nullable=True))
    rows_of = sa.table('speciality_consents', sa.column('id', sa.Integer), sa.column(column),
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
        op.execute(f'ALTER TABLE speciality_consents DROP COLUMN {column}')
        op.execute(f'ALTER TABLE speciality_consents RENAME COLUMN {temporary} TO {column}')
        return
    op.drop_column('speciality_consents', column)
    op.alter_column('speciality_consents', temporary, new_column_name=column,
                    existing_type=new_type, nullable=binary and optional)


def _seal(column: str, value) -> bytes | None:
    if not value and COLUMNS[column][1]:
        return None
    return key_ring().encrypt(value or '', context=f'speciality_consents.{column}')


def _open(column: str, value) -> str:
    return key_ring().decrypt(bytes(value), context=f'speciality_consents.{column}') \
        if value is not None else ''


def upgrade():
    _check(None)
    for column in COLUMNS:
        _convert(column, sa.LargeBinary(), _seal)
    _check(REASONED.format('reasons IS NOT NULL'))


def downgrade():
    _check(None)
    for column, (plain, _) in COLUMNS.items():
        _convert(column, plain, _open)
    _check(REASONED.format("reasons <> ''"))
