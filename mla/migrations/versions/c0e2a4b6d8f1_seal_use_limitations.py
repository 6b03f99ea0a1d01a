"""Seal a use limitation's words: its scope, who imposed it, the caseworker's note.

use_limitations.scope (what the evidence may not be used for: it names proceedings and
persons), imposed_by (an official, named) and note become sealed columns (LargeBinary):
scope and imposed_by SealedText (NOT NULL), note SealedOptionalText (NULL when none).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: c0e2a4b6d8f1
Revises: b8d0f2a4c6e9
Create Date: 2026-11-30 19:10:00

"""
import sqlalchemy as sa

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'c0e2a4b6d8f1'
down_revision = 'b8d0f2a4c6e9'
branch_labels = None
depends_on = None

# column: (its plain type, whether sealed it may be NULL: none)
COLUMNS = {'scope': (sa.Text(), False), 'imposed_by': (sa.String(200), False),
           'note': (sa.Text(), True)}


def upgrade():
    for column, (plain, optional) in COLUMNS.items():
        seal_column('use_limitations', column, plain, optional=optional)


def downgrade():
    for column, (plain, _) in COLUMNS.items():
        open_column('use_limitations', column, plain)
