"""Seal why a surrendered person's speciality protection lapsed.

speciality_records.lapse_reason says why the protection ended (the person stayed beyond
the period, left and came back, renounced it). It becomes a sealed column (LargeBinary,
NULL when there is none: SealedOptionalText).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: e4a6c8d0f2b5
Revises: d2f4b6c8e0a3
Create Date: 2026-11-30 19:30:00

"""
import sqlalchemy as sa

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'e4a6c8d0f2b5'
down_revision = 'd2f4b6c8e0a3'
branch_labels = None
depends_on = None

def upgrade():
    seal_column('speciality_records', 'lapse_reason', sa.Text(), optional=True)


def downgrade():
    open_column('speciality_records', 'lapse_reason', sa.Text())
