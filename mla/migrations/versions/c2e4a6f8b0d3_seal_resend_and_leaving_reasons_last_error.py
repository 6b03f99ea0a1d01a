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
import sqlalchemy as sa

from mla.migrations.event_values import events, opened, rewrite_events
from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'c2e4a6f8b0d3'
down_revision = 'b8d0f2a4c6e1'
branch_labels = None
depends_on = None

# The timeline entries that kept a reason in data: (kind, data["action"]).
REASONED = (('letter', 'retry'), ('exchange', 'sealed'))
KINDS = events.c.kind.in_(sorted({kind for kind, _action in REASONED}))


def _reasoned(row) -> dict | None:
    """The entry's data when it is one that kept a reason (else None)."""
    data = row.data if isinstance(row.data, dict) else None
    if data is None or (row.kind, data.get('action')) not in REASONED:
        return None
    return data


def _seal_reason(row):
    """The entry with its reason moved to its sealed values (None: it kept none)."""
    data = _reasoned(row)
    if data is None or 'reason' not in data:
        return None
    kept = {k: v for k, v in data.items() if k != 'reason'}
    typed = opened(row)
    if data['reason']:
        typed['reason'] = data['reason']
    return kept, typed


def _open_reason(row):
    """The entry with its reason back in its data (None: not one that kept a reason)."""
    data = _reasoned(row)
    if data is None:
        return None
    typed = opened(row)
    reason = typed.pop('reason', '')
    # The version before wrote the key on every such entry, "" when none was given.
    return {**data, 'reason': reason}, typed


def upgrade():
    rewrite_events(_seal_reason, KINDS)
    seal_column('outbox_messages', 'last_error', sa.Text(), optional=True)


def downgrade():
    open_column('outbox_messages', 'last_error', sa.Text())
    rewrite_events(_open_reason, KINDS)
