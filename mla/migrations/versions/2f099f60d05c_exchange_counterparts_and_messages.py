"""Exchange between central authorities: counterparts' public identities (exchange id,
address, public keys and their fingerprints, one per directory authority) and the
messages sealed or opened (by message id, unique per direction and counterpart: a
replayed package is refused). No private key and no personal data here.

Revision ID: 2f099f60d05c
Revises: b7d9f1a3c5e8
Create Date: 2026-11-30 10:28:57

"""
import sqlalchemy as sa
from alembic import op

from mla.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '2f099f60d05c'
down_revision = 'b7d9f1a3c5e8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'exchange_counterparts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('authority_id', sa.Integer(), nullable=False),
        sa.Column('exchange_id', sa.String(length=80), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('signing_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('encryption_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('valid_from', UTCDateTime(timezone=True), nullable=False),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('registered_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['authority_id'], ['authorities.id'], ondelete='CASCADE',
            name=op.f('fk_exchange_counterparts_authority_id_authorities')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_counterparts')),
        sa.UniqueConstraint('authority_id', name=op.f('uq_exchange_counterparts_authority_id')),
        sa.UniqueConstraint('exchange_id', name=op.f('uq_exchange_counterparts_exchange_id')),
    )
    op.create_table(
        'exchange_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=100), nullable=False),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('counterpart', sa.String(length=80), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('package_sha256', sa.String(length=64), nullable=False),
        sa.Column('in_reply_to', sa.String(length=100), nullable=False),
        sa.Column('issued_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.CheckConstraint("direction IN ('incoming', 'outgoing')",
                           name=op.f('ck_exchange_messages_direction_known')),
        sa.CheckConstraint("kind IN ('request', 'receipt', 'status')",
                           name=op.f('ck_exchange_messages_kind_known')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='SET NULL',
                                name=op.f('fk_exchange_messages_case_id_cases')),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_exchange_messages_confirmed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_messages')),
        sa.UniqueConstraint('direction', 'counterpart', 'message_id',
                            name=op.f('uq_exchange_messages_direction_counterpart_message_id')),
    )
    op.create_index('ix_exchange_messages_case', 'exchange_messages', ['case_id', 'created_at'])


def downgrade():
    op.drop_index('ix_exchange_messages_case', table_name='exchange_messages')
    op.drop_table('exchange_messages')
    op.drop_table('exchange_counterparts')
