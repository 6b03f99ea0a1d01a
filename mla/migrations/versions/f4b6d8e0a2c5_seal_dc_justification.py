"""Seal a dual criminality decision's justification.

dc_assessments.justification is what the caseworker typed to depart from the check's
verdict (the facts, the person's conduct). It becomes a sealed column (LargeBinary, NULL
when there is none: SealedOptionalText), and the check that an override is justified
reads `justification IS NOT NULL` (a sealed value never compares with '').

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again. The check constraint is dropped and made again around the change (on SQLite
in batch mode: no table refers to dc_assessments, so copying it cascades nothing).

Revision ID: f4b6d8e0a2c5
Revises: e2a4c6e8f0b3
Create Date: 2026-11-30 18:40:00

"""
import sqlalchemy as sa
from alembic import op

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'f4b6d8e0a2c5'
down_revision = 'e2a4c6e8f0b3'
branch_labels = None
depends_on = None

CHECK = 'ck_dc_assessments_override_justified'


def _check(condition: str | None) -> None:
    """Drop the override check, or (with a condition) make it again."""
    with op.batch_alter_table('dc_assessments', schema=None) as batch_op:
        if condition is None:
            batch_op.drop_constraint(batch_op.f(CHECK), type_='check')
        else:
            batch_op.create_check_constraint(batch_op.f(CHECK), condition)


def upgrade():
    _check(None)
    seal_column('dc_assessments', 'justification', sa.Text(), optional=True)
    _check('is_override = false OR justification IS NOT NULL')


def downgrade():
    _check(None)
    open_column('dc_assessments', 'justification', sa.Text())
    _check("is_override = false OR justification <> ''")
