"""Seal a request's reason for urgency.

cases.urgency_reason is typed by the caseworker (or comes with a counterpart's package,
an import or a prosecutor's draft): a person in custody, about to flee, their health. It
becomes a sealed column (LargeBinary, NULL when there is none: SealedOptionalText). A
correction's timeline entry ("edited") kept its old and new value in the clear in
case_events.data; as c8e0a2b4d6f7 did for the summary and the conduct, each such line
now keeps only what changed ("encrypted": true) and its words move to the entry's
case_events.sealed_values under "corrected" (by the line's index).

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: d0f2b4c6e8a1
Revises: c8e0a2b4d6f7
Create Date: 2026-11-30 18:20:00

"""
import sqlalchemy as sa

from mla.migrations.event_values import events, opened, rewrite_events
from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'd0f2b4c6e8a1'
down_revision = 'c8e0a2b4d6f7'
branch_labels = None
depends_on = None

CORRECTIONS = events.c.kind == 'edited'


# --- the corrections' timeline entries ----------------------------------------------------

def _lines(row) -> list:
    data = row.data if isinstance(row.data, dict) else {}
    lines = data.get('changes')
    return lines if isinstance(lines, list) else []


def _is_urgency(line) -> bool:
    return isinstance(line, dict) and line.get('field') == 'urgency_reason'


def _seal_lines(row):
    """The entry with its urgency lines' words moved to its sealed values (None: it has
    none)."""
    lines = _lines(row)
    found = {str(i): {'old': line.get('old'), 'new': line.get('new')}
             for i, line in enumerate(lines)
             if _is_urgency(line) and ('old' in line or 'new' in line)}
    if not found:
        return None
    kept = [{**{k: v for k, v in line.items() if k not in ('old', 'new')},
             'encrypted': True} if str(i) in found else line
            for i, line in enumerate(lines)]
    values = opened(row)
    values['corrected'] = {**values.get('corrected', {}), **found}
    return {**row.data, 'changes': kept}, values


def _open_lines(row):
    """The entry with its urgency lines' words back in its data (None: it has none)."""
    lines = _lines(row)
    values = opened(row)
    corrected = values.get('corrected') or {}
    opened_lines = {str(i) for i, line in enumerate(lines)
                    if _is_urgency(line) and str(i) in corrected}
    if not opened_lines:
        return None
    kept = []
    for i, line in enumerate(lines):
        if str(i) in opened_lines:
            was = corrected.pop(str(i))
            line = {k: v for k, v in line.items() if k != 'encrypted'}
            line.update(old=was.get('old'), new=was.get('new'))
        kept.append(line)
    if not corrected:
        values.pop('corrected', None)
    return {**row.data, 'changes': kept}, values


def upgrade():
    seal_column('cases', 'urgency_reason', sa.String(300), optional=True)
    rewrite_events(_seal_lines, CORRECTIONS)


def downgrade():
    rewrite_events(_open_lines, CORRECTIONS)
    open_column('cases', 'urgency_reason', sa.String(300))
