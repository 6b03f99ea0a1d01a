"""users.time_zone: the IANA zone a user reads times in (NULL: the instance's home zone).
A plain ADD COLUMN on SQLite too, as users.language: batch mode would rebuild users and
cascade-delete the sessions and tokens hanging off it.

Revision ID: ba0560f0616a
Revises: a9c1e3f5b7d2
Create Date: 2026-11-30 13:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ba0560f0616a'
down_revision = 'a9c1e3f5b7d2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('users', 'time_zone')
