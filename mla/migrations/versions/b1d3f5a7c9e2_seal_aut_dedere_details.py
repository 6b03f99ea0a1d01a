"""Seal what a domestic prosecution decided after an extradition was refused.

aut_dedere_referrals.details is the caseworker's account of the outcome (the sentence,
why proceedings were dropped: it names the person). It becomes a sealed column
(LargeBinary, NULL while the outcome is awaited: SealedOptionalText). No check
constraint names it.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again (mla.migrations.sealing).

Revision ID: b1d3f5a7c9e2
Revises: a9c1e3f5b7d0
Create Date: 2026-11-30 19:50:00

"""
import sqlalchemy as sa

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'b1d3f5a7c9e2'
down_revision = 'a9c1e3f5b7d0'
branch_labels = None
depends_on = None


def upgrade():
    seal_column('aut_dedere_referrals', 'details', sa.Text(), optional=True)


def downgrade():
    open_column('aut_dedere_referrals', 'details', sa.Text())
