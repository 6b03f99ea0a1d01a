"""Seal the outbox's e-mails, the in-app notifications and a letter's discard reason.

What 386ee44 left plain: an outbox row's subject and body (an approved letter to a
counterpart, a reminder naming a request and its persons; an exchange package, already
a JWE, is sealed again with the rest), a notification's title and body (copied from its
outbox row) and letters.discard_reason (free text). Each becomes a SealedText column
(LargeBinary); none is searched or sorted in SQL.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: b8d0f2a4c6e1
Revises: f1a3c5e7b9d4
Create Date: 2026-11-30 15:30:00

"""
import sqlalchemy as sa

from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'b8d0f2a4c6e1'
down_revision = 'f1a3c5e7b9d4'
branch_labels = None
depends_on = None

# (table, column, its plain type before this revision)
COLUMNS = (
    ('outbox_messages', 'subject', sa.String(length=300)),
    ('outbox_messages', 'body', sa.Text()),
    ('notifications', 'title', sa.String(length=300)),
    ('notifications', 'body', sa.Text()),
    ('letters', 'discard_reason', sa.String(length=300)),
)


def upgrade():
    for table, column, plain in COLUMNS:
        seal_column(table, column, plain)


def downgrade():
    # This revision declared each opened column TEXT on SQLite, whatever its plain type.
    for table, column, plain in COLUMNS:
        open_column(table, column, plain, sqlite_type='TEXT')
