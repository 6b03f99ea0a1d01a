"""Letters: four eyes and honest status. Who drafted a letter is kept (created_by_id)
and may never approve it; "sent" becomes "approved" (whether it went is the outbox's
to say); admins choose who approves in notification_settings.

Revision ID: b7c41e9d2a10
Revises: 6af0f92a5fad
Create Date: 2026-11-30 07:40:00

"""
from alembic import op
import sqlalchemy as sa

import mla.core.db


# revision identifiers, used by Alembic.
revision = 'b7c41e9d2a10'
down_revision = '6af0f92a5fad'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('updated_at', mla.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_notification_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_notification_settings'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_letters_status_known'), type_='check')
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_letters_created_by_id_users'), 'users',
                                    ['created_by_id'], ['id'], ondelete='SET NULL')
    op.execute("UPDATE letters SET status = 'approved' WHERE status = 'sent'")
    # Letters drafted before this revision: the drafter's username was kept.
    op.execute("UPDATE letters SET created_by_id = (SELECT users.id FROM users "
               "WHERE users.username = letters.created_by_label) "
               "WHERE created_by_label <> ''")
    op.execute("UPDATE letters SET created_by_id = NULL WHERE created_by_id = decided_by_id")
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f('ck_letters_status_known'),
            "status IN ('draft', 'approved', 'discarded')")
        batch_op.create_check_constraint(
            batch_op.f('ck_letters_four_eyes'),
            "status <> 'approved' OR created_by_id IS NULL OR decided_by_id IS NULL "
            "OR created_by_id <> decided_by_id")


def downgrade():
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_letters_four_eyes'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_letters_status_known'), type_='check')
    op.execute("UPDATE letters SET status = 'sent' WHERE status = 'approved'")
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_letters_created_by_id_users'), type_='foreignkey')
        batch_op.drop_column('created_by_id')
        batch_op.create_check_constraint(
            batch_op.f('ck_letters_status_known'), "status IN ('draft', 'sent', 'discarded')")
    op.drop_table('notification_settings')
