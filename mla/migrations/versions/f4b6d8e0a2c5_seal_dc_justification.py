"""Seal a dual criminality decision's justification.

dc_assessments.justification is what the caseworker typed to depart from the check's
verdict (the facts, the person's conduct). It becomes a sealed column (LargeBinary, NULL
when there is none: SealedOptionalText), and the check that an override is justified
reads `justification IS NOT NULL` (a sealed value never compares with '').

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), BATCH rows at a time; going down opens
them again. The check constraint is dropped and made again around the change (on SQLite
in batch mode: no table refers to dc_assessments, so copying it cascades nothing).

Revision ID: f4b6d8e0a2c5
Revises: e2a4c6e8f0b3
Create Date: 2026-11-30 18:40:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring

# revision identifiers, used by Alembic.
revision = 'f4b6d8e0a2c5'
down_revision = 'e2a4c6e8f0b3'
branch_labels = None
depends_on = None

BATCH = 1000
CONTEXT = 'dc_assessments.justification'
CHECK = 'ck_dc_assessments_override_justified'


def _check(condition: str | None) -> None:
    """Drop the override check, or (with a condition) make it again."""
    with op.batch_alter_table('dc_assessments', schema=None) as batch_op:
        if condition is None:
            batch_op.drop_constraint(batch_op.f(CHECK), type_='check')
        else:
            batch_op.create_check_constraint(batch_op.f(CHECK), condition)


def _convert(new_type: sa.types.TypeEngine, change) -> None:
    """Add justification_new, fill it from justification BATCH rows at a time in id order,
    then replace the column (on SQLite through its own ALTER TABLE). Sealed, it is
    nullable (NULL: none); plain, NOT NULL ""."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    binary = isinstance(new_type, sa.LargeBinary)
    if sqlite:
        definition = 'BLOB' if binary else "TEXT NOT NULL DEFAULT ''"
        op.execute(f'ALTER TABLE dc_assessments ADD COLUMN justification_new {definition}')
    else:
        op.add_column('dc_assessments',
                      sa.Column('justification_new', new_type, nullable=True))
    rows_of = sa.table('dc_assessments', sa.column('id', sa.Integer),
                       sa.column('justification'), sa.column('justification_new', new_type))
    last = 0
    while True:
        rows = bind.execute(sa.select(rows_of.c.id, rows_of.c.justification)
                            .where(rows_of.c.id > last).order_by(rows_of.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        bind.execute(rows_of.update().where(rows_of.c.id == sa.bindparam('row_id'))
                     .values(justification_new=sa.bindparam('changed')),
                     [{'row_id': row_id, 'changed': change(value)} for row_id, value in rows])
        last = rows[-1][0]
    if sqlite:
        op.execute('ALTER TABLE dc_assessments DROP COLUMN justification')
        op.execute('ALTER TABLE dc_assessments RENAME COLUMN justification_new '
                   'TO justification')
        return
    op.drop_column('dc_assessments', 'justification')
    op.alter_column('dc_assessments', 'justification_new', new_column_name='justification',
                    existing_type=new_type, nullable=binary)


def _seal(value) -> bytes | None:
    return key_ring().encrypt(value, context=CONTEXT) if value else None


def _open(value) -> str:
    return key_ring().decrypt(bytes(value), context=CONTEXT) if value is not None else ''


def upgrade():
    _check(None)
    _convert(sa.LargeBinary(), _seal)
    _check('is_override = false OR justification IS NOT NULL')


def downgrade():
    _check(None)
    _convert(sa.Text(), _open)
    _check("is_override = false OR justification <> ''")
