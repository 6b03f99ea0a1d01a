"""users.language: the interface language a user chose (NULL: the browser's, then the
instance default). A plain ADD COLUMN on SQLite too: batch mode would rebuild users and
cascade-delete the sessions and tokens hanging off it.

Revision ID: a2c4e6f8b0d1
Revises: c8e0a2b4d6f1
Create Date: 2026-11-30 10:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a2c4e6f8b0d1'
down_revision = 'c8e0a2b4d6f1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    op.drop_column('users', 'language')
