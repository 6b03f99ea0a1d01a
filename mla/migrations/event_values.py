"""A timeline entry's sealed values (``case_events.sealed_values``) in a migration.

Since revision f1a3c5e7b9d4 a timeline entry keeps what a person typed in
``sealed_values``: a JSON object sealed with the running app's key ring under the
context ``"case_events.sealed_values"`` (the model's ``SealedText``), NULL when there is
nothing. A revision that moves words from an entry's ``data`` into it, or back going
down, walks the entries with ``rewrite_events`` and says what becomes of each::

    def _seal(row):
        if 'reason' not in row.data:
            return None                       # the entry stays as it is
        values = opened(row)
        values['reason'] = row.data['reason']
        return {k: v for k, v in row.data.items() if k != 'reason'}, values

    def upgrade():
        rewrite_events(_seal, events.c.kind == 'letter')

Each row (``id``, ``kind``, ``data``, ``sealed_values``) goes to the revision's function,
BATCH rows at a time in id order (``mla.migrations.sealing.in_batches``); what it
returns, the entry's new data and its values, is written back in one executemany per
batch, the values sealed (NULL when empty).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring
from mla.migrations.sealing import in_batches

CONTEXT = 'case_events.sealed_values'

events = sa.table('case_events', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                  sa.column('data', sa.JSON), sa.column('sealed_values', sa.LargeBinary))

Row = sa.Row[Any, Any, Any, Any]
#: A revision's change of one entry: its new data and its values (to be sealed), or None
#: to leave the entry as it is.
Change = Callable[[Row], tuple[Any, dict[str, Any]] | None]


def event_batches(*where: sa.ColumnElement[bool]) -> Iterator[Sequence[Row]]:
    """The entries matching ``where`` (all of them without), BATCH rows at a time in id
    order."""
    selected = sa.select(events.c.id, events.c.kind, events.c.data, events.c.sealed_values)
    return in_batches(selected.where(*where), events.c.id)


def opened(row: Row) -> dict[str, Any]:
    """The entry's sealed values, opened ({} when it has none)."""
    if row.sealed_values is None:
        return {}
    found: dict[str, Any] = json.loads(
        key_ring().decrypt(bytes(row.sealed_values), context=CONTEXT))
    return found


def sealed(values: dict[str, Any]) -> bytes | None:
    """``values`` sealed as the entry's ``sealed_values`` (None when there are none)."""
    if not values:
        return None
    return key_ring().encrypt(json.dumps(values, ensure_ascii=False), context=CONTEXT)


def rewrite_events(change: Change, *where: sa.ColumnElement[bool]) -> None:
    """Write back, for each entry matching ``where``, the data and sealed values
    ``change`` returns for it (the entries it returns None for are left alone)."""
    for rows in event_batches(*where):
        changes = []
        for row in rows:
            changed = change(row)
            if changed is None:
                continue
            data, values = changed
            changes.append({'row_id': row.id, 'kept': data, 'sealed': sealed(values)})
        _update(changes)


def _update(changes: list[dict[str, Any]]) -> None:
    """Set each entry's data (``kept``) and sealed values (``sealed``, already sealed),
    by ``row_id``, in one executemany."""
    if changes:
        op.get_bind().execute(
            events.update().where(events.c.id == sa.bindparam('row_id'))
            .values(data=sa.bindparam('kept'), sealed_values=sa.bindparam('sealed')),
            changes)
