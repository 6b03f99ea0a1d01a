"""Seal the words of decisions between linked requests.

case_links.decision_note (the caseworker's note confirming or dismissing that two
requests concern one person) becomes a SealedOptionalText (LargeBinary, NULL when there
is none); competing_decisions.reasons (why one of competing extradition requests for a
person prevails) a SealedText (NOT NULL). No check constraint names either column.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: a9c1e3f5b7d0
Revises: e4a6c8d0f2b5
Create Date: 2026-11-30 19:40:00

"""
import sqlalchemy as sa

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'a9c1e3f5b7d0'
down_revision = 'e4a6c8d0f2b5'
branch_labels = None
depends_on = None

# (table, column): whether sealed it may be NULL (none)
COLUMNS = {('case_links', 'decision_note'): True, ('competing_decisions', 'reasons'): False}


def upgrade():
    for (table, column), optional in COLUMNS.items():
        seal_column(table, column, sa.Text(), optional=optional)


def downgrade():
    for table, column in COLUMNS:
        open_column(table, column, sa.Text())
