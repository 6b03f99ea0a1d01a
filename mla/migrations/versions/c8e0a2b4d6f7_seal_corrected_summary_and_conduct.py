"""Seal the words a correction's timeline entry kept of a summary and a conduct.

A correction of a request (mla/cases/editing.py) wrote one timeline entry ("edited")
listing each change with its old and new value in case_events.data, in the clear, also
for the request's summary of facts and an offence's conduct, which are sealed in their
own columns (cases.summary, case_offences.conduct). Each such line now keeps only what
changed, with "encrypted": true, and its old and new words move to the entry's
case_events.sealed_values as {"corrected": {"<line's index>": {"old", "new"}}}, sealed
like a step's free text (the page shows an offence's conduct from there, a summary as
"changed"). The entry's audit row never held the values (field names only).

Existing entries are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: c8e0a2b4d6f7
Revises: b6d8f0a2c4e5
Create Date: 2026-11-30 18:10:00

"""
from mla.migrations.event_values import events, opened, rewrite_events

# revision identifiers, used by Alembic.
revision = 'c8e0a2b4d6f7'
down_revision = 'b6d8f0a2c4e5'
branch_labels = None
depends_on = None

CORRECTIONS = events.c.kind == 'edited'


def _is_sealed_line(line) -> bool:
    """A line of a field sealed in its own column (the request's summary, a conduct)."""
    return isinstance(line, dict) and (
        line.get('field') == 'summary'
        or (line.get('field') == 'offences' and line.get('part') == 'conduct'))


def _lines(row) -> list | None:
    data = row.data if isinstance(row.data, dict) else None
    lines = data.get('changes') if data is not None else None
    return lines if isinstance(lines, list) else None


def _seal(row):
    """The entry with its summary and conduct lines' words moved to its sealed values
    (None: it has none)."""
    lines = _lines(row)
    if not lines:
        return None
    corrected = {}
    kept = []
    for index, line in enumerate(lines):
        if _is_sealed_line(line) and ('old' in line or 'new' in line):
            corrected[str(index)] = {'old': line.get('old'), 'new': line.get('new')}
            line = {k: v for k, v in line.items() if k not in ('old', 'new')}
            line['encrypted'] = True
        kept.append(line)
    if not corrected:
        return None
    return {**row.data, 'changes': kept}, {**opened(row), 'corrected': corrected}


def _open(row):
    """The entry with its summary and conduct lines' words back in its data (None: it
    has none sealed)."""
    lines = _lines(row)
    values = opened(row)
    corrected = values.pop('corrected', None)
    if not lines or not corrected:
        return None
    kept = []
    for index, line in enumerate(lines):
        was = corrected.get(str(index))
        if was is not None and _is_sealed_line(line):
            line = {k: v for k, v in line.items() if k != 'encrypted'}
            line.update(old=was.get('old'), new=was.get('new'))
        kept.append(line)
    return {**row.data, 'changes': kept}, values


def upgrade():
    rewrite_events(_seal, CORRECTIONS)


def downgrade():
    rewrite_events(_open, CORRECTIONS)
