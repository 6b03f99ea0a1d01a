"""Seal the free text that often names people: a request's summary of facts, the
conduct of each offence, and timeline comments (mla.core.crypto.SealedText).

Each column becomes binary; every existing row is sealed with the instance's key
ring (so `flask db upgrade` needs MLA_KEY_FILE or MLA_KEY_RING, as the app does).
Going down opens them again into text.

Revision ID: f3b5d7e9a1c2
Revises: b4d6f8a0c2e5
Create Date: 2026-11-30 08:40:00

"""
import sqlalchemy as sa

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'f3b5d7e9a1c2'
down_revision = 'b4d6f8a0c2e5'
branch_labels = None
depends_on = None

# (table, column): the context each value is sealed with is "table.column".
COLUMNS = (('cases', 'summary'), ('case_offences', 'conduct'), ('case_events', 'comment'))


def upgrade():
    for table, column in COLUMNS:
        seal_column(table, column, sa.Text())


def downgrade():
    for table, column in COLUMNS:
        open_column(table, column, sa.Text())
