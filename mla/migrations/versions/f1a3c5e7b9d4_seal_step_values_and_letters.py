"""Seal what a caseworker typed at a step and the letters to counterparts.

A step's timeline entry kept every value of its form in plain JSON (data["values"]):
its free text (reasons, conditions, questions, places) now goes to
case_events.sealed_values, a JSON object sealed with the key ring (SealedText); the
structured values (dates, choice codes, authorities, treaties, refusal grounds) stay in
data["values"], where reports read refusal grounds in SQL. A letter's subject and body
become sealed too (letters.subject, letters.body).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does). Which values stay plain is decided by
field name, as the shipped workflows typed their fields when this was written (a
migration must not follow later edits of the workflow files); any other name, such as
a field of a workflow added locally, is sealed. Going down opens them again.

Revision ID: f1a3c5e7b9d4
Revises: a4c6e8f0b2d5
Create Date: 2026-11-30 15:10:00

"""
import sqlalchemy as sa
from alembic import op

from mla.migrations.event_values import event_batches, events, opened, rewrite_events
from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'f1a3c5e7b9d4'
down_revision = 'a4c6e8f0b2d5'
branch_labels = None
depends_on = None

# The fields of the shipped workflows typed date, select, authority, refusal_ground or
# treaty (mla.workflow.definitions.STRUCTURED_FIELD_TYPES) at this revision.
STRUCTURED = frozenset({
    'arrested_on', 'cause', 'channel', 'consent_position', 'consented_on', 'consultation',
    'convention_offence', 'decided_on', 'due_on', 'executing_authority_id', 'extent',
    'ground', 'informed_on', 'new_surrender_on', 'notice', 'organised_group',
    'postponed_on', 'postponement', 'received_on', 'refusal_ground', 'surrender_on',
    'surrendered_on', 'transnational', 'treaty_id', 'until',
})
LETTER_COLUMNS = (('subject', sa.String(length=300)), ('body', sa.Text()))


def _seal_values(row):
    """The step entry with its typed values moved to its sealed values (None: it has
    none)."""
    data = row.data if isinstance(row.data, dict) else {}
    values = data.get('values')
    if not isinstance(values, dict):
        return None
    typed = {k: v for k, v in values.items() if k not in STRUCTURED}
    if not typed:
        return None
    return {**data, 'values': {k: v for k, v in values.items() if k in STRUCTURED}}, typed


def _open_values(bind) -> None:
    for rows in event_batches():
        for row in rows:
            if row.sealed_values is None:
                continue
            typed = opened(row)
            data = row.data if isinstance(row.data, dict) else {}
            merged = {**data, 'values': {**(data.get('values') or {}), **typed}}
            bind.execute(events.update().where(events.c.id == row.id).values(data=merged))


def upgrade():
    op.add_column('case_events', sa.Column('sealed_values', sa.LargeBinary(), nullable=True))
    rewrite_events(_seal_values)
    for column, plain in LETTER_COLUMNS:
        seal_column('letters', column, plain)


def downgrade():
    # This revision declared each opened column TEXT on SQLite, whatever its plain type.
    for column, plain in LETTER_COLUMNS:
        open_column('letters', column, plain, sqlite_type='TEXT')
    _open_values(op.get_bind())
    op.drop_column('case_events', 'sealed_values')
