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
import json

import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring
from mla.migrations.sealing import in_batches

# revision identifiers, used by Alembic.
revision = 'c8e0a2b4d6f7'
down_revision = 'b6d8f0a2c4e5'
branch_labels = None
depends_on = None

CONTEXT = 'case_events.sealed_values'

events = sa.table('case_events', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                  sa.column('data', sa.JSON), sa.column('sealed_values', sa.LargeBinary))


def _is_sealed_line(line) -> bool:
    """A line of a field sealed in its own column (the request's summary, a conduct)."""
    return isinstance(line, dict) and (
        line.get('field') == 'summary'
        or (line.get('field') == 'offences' and line.get('part') == 'conduct'))


def _batches():
    """The correction entries, 1000 rows at a time in id order."""
    return in_batches(sa.select(events.c.id, events.c.data, events.c.sealed_values)
                      .where(events.c.kind == 'edited'), events.c.id)


def _opened(row) -> dict:
    if row.sealed_values is None:
        return {}
    return json.loads(key_ring().decrypt(bytes(row.sealed_values), context=CONTEXT))


def _sealed(values: dict) -> bytes | None:
    if not values:
        return None
    return key_ring().encrypt(json.dumps(values, ensure_ascii=False), context=CONTEXT)


def _lines(row) -> list | None:
    data = row.data if isinstance(row.data, dict) else None
    lines = data.get('changes') if data is not None else None
    return lines if isinstance(lines, list) else None


def _seal(bind) -> None:
    for rows in _batches():
        changes = []
        for row in rows:
            lines = _lines(row)
            if not lines:
                continue
            corrected = {}
            kept = []
            for index, line in enumerate(lines):
                if _is_sealed_line(line) and ('old' in line or 'new' in line):
                    corrected[str(index)] = {'old': line.get('old'), 'new': line.get('new')}
                    line = {k: v for k, v in line.items() if k not in ('old', 'new')}
                    line['encrypted'] = True
                kept.append(line)
            if not corrected:
                continue
            values = {**_opened(row), 'corrected': corrected}
            changes.append({'row_id': row.id, 'kept': {**row.data, 'changes': kept},
                            'sealed': _sealed(values)})
        _update(bind, changes)


def _open(bind) -> None:
    for rows in _batches():
        changes = []
        for row in rows:
            lines = _lines(row)
            values = _opened(row)
            corrected = values.pop('corrected', None)
            if not lines or not corrected:
                continue
            kept = []
            for index, line in enumerate(lines):
                was = corrected.get(str(index))
                if was is not None and _is_sealed_line(line):
                    line = {k: v for k, v in line.items() if k != 'encrypted'}
                    line.update(old=was.get('old'), new=was.get('new'))
                kept.append(line)
            changes.append({'row_id': row.id, 'kept': {**row.data, 'changes': kept},
                            'sealed': _sealed(values)})
        _update(bind, changes)


def _update(bind, changes: list[dict]) -> None:
    if changes:
        bind.execute(events.update().where(events.c.id == sa.bindparam('row_id'))
                     .values(data=sa.bindparam('kept'), sealed_values=sa.bindparam('sealed')),
                     changes)


def upgrade():
    _seal(op.get_bind())


def downgrade():
    _open(op.get_bind())
