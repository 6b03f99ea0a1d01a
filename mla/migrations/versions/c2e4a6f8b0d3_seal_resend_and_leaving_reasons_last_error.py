"""Seal a letter's re-send reason, an exchange package's reason for sending less, and
the outbox's last delivery error.

What b8d0f2a4c6e1 left plain:
- case_events.data["reason"] of a letter's "retry" entry (the failure the caseworker
  re-sent it after: the mail server's words, which may name a mailbox) and of an
  exchange "sealed" entry (why a document under a use limitation went anyway, typed by
  the caseworker). Each moves to case_events.sealed_values as {"reason": ...}, sealed
  like a step's free text; the entry's data keeps the rest (the documents left out and
  those sent although limited).
- outbox_messages.last_error (the mail server's or the counterpart's words) becomes a
  sealed column (LargeBinary, NULL while there is no error: SealedOptionalText).

The audit entries of earlier seals keep their "reason" detail: each is hash-chained
(mla/audit/chain.py), and rewriting one would break `audit verify` at that entry.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: c2e4a6f8b0d3
Revises: b8d0f2a4c6e1
Create Date: 2026-11-30 17:00:00

"""
import json

import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring
from mla.migrations.sealing import in_batches, open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'c2e4a6f8b0d3'
down_revision = 'b8d0f2a4c6e1'
branch_labels = None
depends_on = None

VALUES_CONTEXT = 'case_events.sealed_values'
# The timeline entries that kept a reason in data: (kind, data["action"]).
REASONED = (('letter', 'retry'), ('exchange', 'sealed'))
events = sa.table('case_events', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                  sa.column('data', sa.JSON), sa.column('sealed_values', sa.LargeBinary))


def _event_batches():
    """The letter and exchange entries, BATCH rows at a time in id order."""
    kinds = sorted({kind for kind, _action in REASONED})
    return in_batches(sa.select(events.c.id, events.c.kind, events.c.data,
                                events.c.sealed_values).where(events.c.kind.in_(kinds)),
                      events.c.id)


def _reasoned(row) -> dict | None:
    """The entry's data when it is one that kept a reason (else None)."""
    data = row.data if isinstance(row.data, dict) else None
    if data is None or (row.kind, data.get('action')) not in REASONED:
        return None
    return data


def _sealed(row) -> dict:
    if row.sealed_values is None:
        return {}
    return json.loads(key_ring().decrypt(bytes(row.sealed_values), context=VALUES_CONTEXT))


def _seal_reasons(bind) -> None:
    for rows in _event_batches():
        changes = []
        for row in rows:
            data = _reasoned(row)
            if data is None or 'reason' not in data:
                continue
            kept = {k: v for k, v in data.items() if k != 'reason'}
            typed = _sealed(row)
            if data['reason']:
                typed['reason'] = data['reason']
            sealed = (key_ring().encrypt(json.dumps(typed, ensure_ascii=False),
                                         context=VALUES_CONTEXT) if typed else None)
            changes.append({'row_id': row.id, 'kept': kept, 'sealed': sealed})
        _update_events(bind, changes)


def _open_reasons(bind) -> None:
    for rows in _event_batches():
        changes = []
        for row in rows:
            data = _reasoned(row)
            if data is None:
                continue
            typed = _sealed(row)
            reason = typed.pop('reason', '')
            sealed = (key_ring().encrypt(json.dumps(typed, ensure_ascii=False),
                                         context=VALUES_CONTEXT) if typed else None)
            # The version before wrote the key on every such entry, "" when none was given.
            changes.append({'row_id': row.id, 'kept': {**data, 'reason': reason},
                            'sealed': sealed})
        _update_events(bind, changes)


def _update_events(bind, changes: list[dict]) -> None:
    if changes:
        bind.execute(events.update().where(events.c.id == sa.bindparam('row_id'))
                     .values(data=sa.bindparam('kept'), sealed_values=sa.bindparam('sealed')),
                     changes)


def upgrade():
    _seal_reasons(op.get_bind())
    seal_column('outbox_messages', 'last_error', sa.Text(), optional=True)


def downgrade():
    open_column('outbox_messages', 'last_error', sa.Text())
    _open_reasons(op.get_bind())
