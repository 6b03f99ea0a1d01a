"""Seal an assurance's words: what was asked and given, who gave it, its assessment.

assurances.terms (a person's detention conditions, their care, a sentence's review),
given_by (an official, named) and assessment (the caseworker's reasons) become sealed
columns (LargeBinary): terms a SealedText (NOT NULL), given_by and assessment
SealedOptionalText (NULL when there is none). The check that an assessed assurance is
reasoned reads `assessment IS NOT NULL` (a sealed value never compares with '').

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again. The check is dropped and made again around the change (on SQLite in batch
mode: no table refers to assurances, so copying it cascades nothing).

Revision ID: b8d0f2a4c6e9
Revises: a6c8e0f2b4d7
Create Date: 2026-11-30 19:00:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'b8d0f2a4c6e9'
down_revision = 'a6c8e0f2b4d7'
branch_labels = None
depends_on = None

BATCH = 1000
CHECK = 'ck_assurances_assessment_reasoned'
REASONED = "state NOT IN ('sufficient', 'insufficient') OR (assessed_on IS NOT NULL AND {})"
# column: (its plain type, whether sealed it may be NULL: none)
COLUMNS = {'terms': (sa.Text(), False), 'given_by': (sa.String(200), True),
           'assessment': (sa.Text(), True)}


def _check(condition: str | None) -> None:
    """Drop the assessment check, or (with a condition) make it again."""
    with op.batch_alter_table('assurances', schema=None) as batch_op:
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
        op.execute(f'ALTER TABLE assurances ADD COLUMN {temporary} {definition}')
    else:
        op.add_column('assurances', sa.Column(temporary, new_type, nullable=True))
    rows_of = sa.table('assurances', sa.column('id', sa.Integer), sa.column(column),
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
        op.execute(f'ALTER TABLE assurances DROP COLUMN {column}')
        op.execute(f'ALTER TABLE assurances RENAME COLUMN {temporary} TO {column}')
        return
    op.drop_column('assurances', column)
    op.alter_column('assurances', temporary, new_column_name=column, existing_type=new_type,
                    nullable=binary and optional)


def _seal(column: str, value) -> bytes | None:
    if not value and COLUMNS[column][1]:
        return None
    return key_ring().encrypt(value or '', context=f'assurances.{column}')


def _open(column: str, value) -> str:
    return key_ring().decrypt(bytes(value), context=f'assurances.{column}') \
        if value is not None else ''


def upgrade():
    _check(None)
    for column in COLUMNS:
        _convert(column, sa.LargeBinary(), _seal)
    _check(REASONED.format('assessment IS NOT NULL'))


def downgrade():
    _check(None)
    for column, (plain, _) in COLUMNS.items():
        _convert(column, plain, _open)
    _check(REASONED.format("assessment <> ''"))
