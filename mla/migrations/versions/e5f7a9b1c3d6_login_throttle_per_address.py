"""Sign-in lockout per account and client address: login_throttles gains client_ip in
its primary key. The table holds only short-lived failure counters, so it is
recreated empty (a lockout in progress ends at the upgrade).

Revision ID: e5f7a9b1c3d6
Revises: d4e6f8a0b2c4
Create Date: 2026-11-30 07:50:00

"""
from alembic import op
import sqlalchemy as sa

import mla.core.db


# revision identifiers, used by Alembic.
revision = 'e5f7a9b1c3d6'
down_revision = 'd4e6f8a0b2c4'
branch_labels = None
depends_on = None


def _create(with_address: bool) -> None:
    columns = [
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', mla.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('locked_until', mla.core.db.UTCDateTime(timezone=True), nullable=True),
    ]
    key = ['username']
    if with_address:
        columns.insert(1, sa.Column('client_ip', sa.String(length=45), nullable=False))
        key.append('client_ip')
    op.create_table('login_throttles', *columns,
                    sa.PrimaryKeyConstraint(*key, name=op.f('pk_login_throttles')))
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.create_index('ix_login_throttles_locked_until', ['locked_until'],
                              unique=False)


def _drop() -> None:
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_index('ix_login_throttles_locked_until')
    op.drop_table('login_throttles')


def upgrade():
    _drop()
    _create(with_address=True)


def downgrade():
    _drop()
    _create(with_address=False)
