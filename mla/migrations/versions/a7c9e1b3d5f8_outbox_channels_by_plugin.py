"""Outbox channels are the ones installed domains register, not a CHECK list.

The channel list was a central list in the schema: a domain bringing a new way of
delivering had to change a constraint in notifications' table. The outbox now
refuses, when a row is written, a channel no installed domain registered
(mla.core.plugins.Domain.outbox_channels), which is where the list lives.

Revision ID: a7c9e1b3d5f8
Revises: c8e0f2a4b6d9
Create Date: 2026-11-30 08:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c9e1b3d5f8'
down_revision = 'c8e0f2a4b6d9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_messages_channel_known'), type_='check')


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_outbox_messages_channel_known'),
                                         "channel IN ('in_app', 'email')")
