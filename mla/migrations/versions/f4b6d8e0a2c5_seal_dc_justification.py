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

from mla.migrations.checks import create_check, drop_check
from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'f4b6d8e0a2c5'
down_revision = 'e2a4c6e8f0b3'
branch_labels = None
depends_on = None

CHECK = 'ck_dc_assessments_override_justified'


def upgrade():
    drop_check('dc_assessments', CHECK)
    seal_column('dc_assessments', 'justification', sa.Text(), optional=True)
    create_check('dc_assessments', CHECK, 'is_override = false OR justification IS NOT NULL')


def downgrade():
    drop_check('dc_assessments', CHECK)
    open_column('dc_assessments', 'justification', sa.Text())
    create_check('dc_assessments', CHECK, "is_override = false OR justification <> ''")
