"""Seal a requested measure's details.

case_measures.details comes with a counterpart's package (or is typed): whom or what the
measure concerns, where (an account holder, an address to search). It becomes a sealed
column (LargeBinary, NULL when there are none: SealedOptionalText).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: a6c8e0f2b4d7
Revises: f4b6d8e0a2c5
Create Date: 2026-11-30 18:50:00

"""
import sqlalchemy as sa

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'a6c8e0f2b4d7'
down_revision = 'f4b6d8e0a2c5'
branch_labels = None
depends_on = None

def upgrade():
    seal_column('case_measures', 'details', sa.Text(), optional=True)


def downgrade():
    open_column('case_measures', 'details', sa.Text())
