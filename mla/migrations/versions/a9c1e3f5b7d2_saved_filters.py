"""Saved filters of the request list, each user's own (saved_filters).

Revision ID: a9c1e3f5b7d2
Revises: d2f4a6c8e0b1
Create Date: 2026-11-30 11:30:00

"""
import sqlalchemy as sa
from alembic import op

import mla.core.db

# revision identifiers, used by Alembic.
revision = 'a9c1e3f5b7d2'
down_revision = 'd2f4a6c8e0b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_filters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('query', sa.String(length=1000), nullable=False),
        sa.Column('created_at', mla.core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint('length(name) > 0', name=op.f('ck_saved_filters_name_not_empty')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_saved_filters_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filters')),
        sa.UniqueConstraint('user_id', 'name', name=op.f('uq_saved_filters_user_id_name')),
    )
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_filters_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_filters_user_id'))
    op.drop_table('saved_filters')
