"""Seal a deadline's extension reason and notice, and a counterpart's refusal words.

What was left plain:
- deadlines.extension_reason (typed by the caseworker who extended the clock: it may
  name the person, their lawyer, their health) and deadlines.extension_notice (the
  notice letter's subject, which letters already seal) become sealed columns
  (LargeBinary, NULL while the clock was never extended: SealedOptionalText).
- exchange_messages.data["refusal"]["reason"] (the words a counterpart refused our
  package with) moves to a new sealed column, exchange_messages.refusal_reason; the
  data keeps the refusal's code.

The audit entries of extensions never held the reason (rule, days or date agreed only);
the timeline entries keep theirs in case_events.comment, sealed already.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again.

Revision ID: a4c6e8f0b2d9
Revises: f5d7b9c1e3a6
Create Date: 2026-11-30 17:30:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.crypto import key_ring
from mla.migrations.sealing import in_batches, open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'a4c6e8f0b2d9'
down_revision = 'f5d7b9c1e3a6'
branch_labels = None
depends_on = None

# (column, its plain type) of deadlines, sealed under the context "deadlines.<column>".
DEADLINE_COLUMNS = (('extension_reason', sa.Text()), ('extension_notice', sa.String(200)))
REFUSAL_CONTEXT = 'exchange_messages.refusal_reason'

messages = sa.table('exchange_messages', sa.column('id', sa.Integer),
                    sa.column('data', sa.JSON), sa.column('refusal_reason', sa.LargeBinary))


def _sealer(context: str):
    def seal(value) -> bytes | None:
        return key_ring().encrypt(value, context=context) if value else None
    return seal


def _opener(context: str):
    def open_(value) -> str:
        return key_ring().decrypt(bytes(value), context=context) if value is not None else ''
    return open_


def _refused(bind):
    """Outgoing messages, BATCH at a time: only a refused one has data["refusal"]."""
    selected = sa.select(messages.c.id, messages.c.data, messages.c.refusal_reason)
    for rows in in_batches(selected, messages.c.id):
        yield [row for row in rows
               if isinstance(row.data, dict) and isinstance(row.data.get('refusal'), dict)]


def _seal_refusals(bind) -> None:
    seal = _sealer(REFUSAL_CONTEXT)
    for rows in _refused(bind):
        changes = []
        for row in rows:
            refusal = dict(row.data['refusal'])
            reason = refusal.pop('reason', '')
            changes.append({'row_id': row.id, 'kept': {**row.data, 'refusal': refusal},
                            'sealed': seal(reason)})
        _update_messages(bind, changes)


def _open_refusals(bind) -> None:
    open_ = _opener(REFUSAL_CONTEXT)
    for rows in _refused(bind):
        # The version before wrote the reason on every refusal, "" when there was none.
        changes = [{'row_id': row.id, 'sealed': None,
                    'kept': {**row.data, 'refusal': {**row.data['refusal'],
                                                     'reason': open_(row.refusal_reason)}}}
                   for row in rows]
        _update_messages(bind, changes)


def _update_messages(bind, changes: list[dict]) -> None:
    if changes:
        bind.execute(messages.update().where(messages.c.id == sa.bindparam('row_id'))
                     .values(data=sa.bindparam('kept'), refusal_reason=sa.bindparam('sealed')),
                     changes)


def upgrade():
    for column, plain in DEADLINE_COLUMNS:
        seal_column('deadlines', column, plain, optional=True)
    op.add_column('exchange_messages',
                  sa.Column('refusal_reason', sa.LargeBinary(), nullable=True))
    _seal_refusals(op.get_bind())


def downgrade():
    _open_refusals(op.get_bind())
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE exchange_messages DROP COLUMN refusal_reason')
    else:
        op.drop_column('exchange_messages', 'refusal_reason')
    for column, plain in DEADLINE_COLUMNS:
        open_column('deadlines', column, plain)
