"""The audit trail becomes a hash chain: audit_entries gains prev_hash and entry_hash,
and every existing entry is hashed in id order (mla.audit.chain, as of this revision:
the serialisation is copied here so later changes to the code cannot alter history).

Revision ID: d9f1a3b5c7e0
Revises: e1a3c5f7b9d2
Create Date: 2026-11-30 08:55:00

"""
import hashlib
import json
from datetime import UTC

from alembic import op
import sqlalchemy as sa

import mla.core.db


# revision identifiers, used by Alembic.
revision = 'd9f1a3b5c7e0'
down_revision = 'e1a3c5f7b9d2'
branch_labels = None
depends_on = None

GENESIS = "0" * 64

entries = sa.table(
    'audit_entries',
    sa.column('id', sa.Integer()),
    sa.column('at', mla.core.db.UTCDateTime(timezone=True)),
    sa.column('actor_id', sa.Integer()),
    sa.column('actor_label', sa.String()),
    sa.column('action', sa.String()),
    sa.column('object_type', sa.String()),
    sa.column('object_id', sa.String()),
    sa.column('details', sa.JSON()),
    sa.column('ip_address', sa.String()),
    sa.column('prev_hash', sa.String()),
    sa.column('entry_hash', sa.String()),
)


def _hash(prev_hash, row):
    values = {
        "at": row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "details": row.details or {},
        "ip_address": row.ip_address,
    }
    body = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body).hexdigest()


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    previous = GENESIS
    last_id = None
    while True:  # in pages of 1,000 by id, so a long trail never sits in memory at once
        query = sa.select(entries).order_by(entries.c.id).limit(1000)
        if last_id is not None:
            query = query.where(entries.c.id > last_id)
        rows = bind.execute(query).all()
        if not rows:
            break
        for row in rows:
            digest = _hash(previous, row)
            bind.execute(entries.update().where(entries.c.id == row.id)
                         .values(prev_hash=previous, entry_hash=digest))
            previous = digest
            last_id = row.id
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
