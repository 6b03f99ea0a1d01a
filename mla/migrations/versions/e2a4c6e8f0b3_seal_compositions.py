"""Seal the text Comity drafts: a composed request's or letter's title and sections.

compositions.sections holds the whole text of an outgoing request or a letter (the
facts, the persons, what is asked) and compositions.title what the caseworker called
it. Both become sealed columns (LargeBinary, NOT NULL): the title a SealedText, the
sections a SealedJSON (the list sealed whole as JSON).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: e2a4c6e8f0b3
Revises: d0f2b4c6e8a1
Create Date: 2026-11-30 18:30:00

"""
import sqlalchemy as sa

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'e2a4c6e8f0b3'
down_revision = 'd0f2b4c6e8a1'
branch_labels = None
depends_on = None

# column: its plain type (sections: a JSON list, [] for none)
PLAIN = {'title': sa.String(300), 'sections': sa.JSON()}


def upgrade():
    for column, plain in PLAIN.items():
        seal_column('compositions', column, plain)


def downgrade():
    for column, plain in PLAIN.items():
        open_column('compositions', column, plain)
