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
import json

import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring
from mla.migrations.sealing import in_batches, open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'd0f2b4c6e8a1'
down_revision = 'c8e0a2b4d6f7'
branch_labels = None
depends_on = None

VALUES_CONTEXT = 'case_events.sealed_values'

events = sa.table('case_events', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                  sa.column('data', sa.JSON), sa.column('sealed_values', sa.LargeBinary))


# --- the corrections' timeline entries ----------------------------------------------------

def _batches():
    """The correction entries, BATCH rows at a time in id order."""
    return in_batches(sa.select(events.c.id, events.c.data, events.c.sealed_values)
                      .where(events.c.kind == 'edited'), events.c.id)


def _lines(row) -> list:
    data = row.data if isinstance(row.data, dict) else {}
    lines = data.get('changes')
    return lines if isinstance(lines, list) else []


def _opened(row) -> dict:
    if row.sealed_values is None:
        return {}
    return json.loads(key_ring().decrypt(bytes(row.sealed_values), context=VALUES_CONTEXT))


def _sealed(values: dict) -> bytes | None:
    if not values:
        return None
    return key_ring().encrypt(json.dumps(values, ensure_ascii=False), context=VALUES_CONTEXT)


def _is_urgency(line) -> bool:
    return isinstance(line, dict) and line.get('field') == 'urgency_reason'


def _seal_lines(bind) -> None:
    for rows in _batches():
        changes = []
        for row in rows:
            lines = _lines(row)
            found = {str(i): {'old': line.get('old'), 'new': line.get('new')}
                     for i, line in enumerate(lines)
                     if _is_urgency(line) and ('old' in line or 'new' in line)}
            if not found:
                continue
            kept = [{**{k: v for k, v in line.items() if k not in ('old', 'new')},
                     'encrypted': True} if str(i) in found else line
                    for i, line in enumerate(lines)]
            values = _opened(row)
            values['corrected'] = {**values.get('corrected', {}), **found}
            changes.append({'row_id': row.id, 'kept': {**row.data, 'changes': kept},
                            'sealed': _sealed(values)})
        _update(bind, changes)


def _open_lines(bind) -> None:
    for rows in _batches():
        changes = []
        for row in rows:
            lines = _lines(row)
            values = _opened(row)
            corrected = values.get('corrected') or {}
            opened = {str(i) for i, line in enumerate(lines)
                      if _is_urgency(line) and str(i) in corrected}
            if not opened:
                continue
            kept = []
            for i, line in enumerate(lines):
                if str(i) in opened:
                    was = corrected.pop(str(i))
                    line = {k: v for k, v in line.items() if k != 'encrypted'}
                    line.update(old=was.get('old'), new=was.get('new'))
                kept.append(line)
            if not corrected:
                values.pop('corrected', None)
            changes.append({'row_id': row.id, 'kept': {**row.data, 'changes': kept},
                            'sealed': _sealed(values)})
        _update(bind, changes)


def _update(bind, changes: list[dict]) -> None:
    if changes:
        bind.execute(events.update().where(events.c.id == sa.bindparam('row_id'))
                     .values(data=sa.bindparam('kept'), sealed_values=sa.bindparam('sealed')),
                     changes)


def upgrade():
    seal_column('cases', 'urgency_reason', sa.String(300), optional=True)
    _seal_lines(op.get_bind())


def downgrade():
    _open_lines(op.get_bind())
    open_column('cases', 'urgency_reason', sa.String(300))
