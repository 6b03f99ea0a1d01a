"""Seal a deadline's pause reason.

deadlines.pause_reason is what the caseworker typed when the step that pauses a request's
clocks was taken (the pause_clocks effect takes the step's comment): it may name the
person, an informant, a lawyer. It becomes a sealed column (LargeBinary, NULL while the
clock is not paused: SealedOptionalText), as a4c6e8f0b2d9 sealed the extension reason.
The timeline entry of the pause keeps the words in case_events.comment, sealed already.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: b6d8f0a2c4e5
Revises: a4c6e8f0b2d9
Create Date: 2026-11-30 18:00:00

"""
import sqlalchemy as sa

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'b6d8f0a2c4e5'
down_revision = 'a4c6e8f0b2d9'
branch_labels = None
depends_on = None

def upgrade():
    seal_column('deadlines', 'pause_reason', sa.String(300), optional=True)


def downgrade():
    open_column('deadlines', 'pause_reason', sa.String(300))
