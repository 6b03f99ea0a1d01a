"""Letters keep what they were drafted from (letters.drafted_values, sealed JSON), so a
draft written again in another language keeps what the caseworker typed at the step.

A new nullable column: letters drafted before it have none (drafted again from nothing,
as before). No data to seal on the way up; going down drops it.

Revision ID: e7a9c1d3f5b2
Revises: c3e5a7b9d1f4
Create Date: 2026-11-30 14:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a9c1d3f5b2'
down_revision = 'c3e5a7b9d1f4'
branch_labels = None
depends_on = None


# Not batch mode: on SQLite it would copy and drop `letters`, which other tables point at.
def upgrade():
    op.add_column('letters', sa.Column('drafted_values', sa.LargeBinary(), nullable=True))


def downgrade():
    op.drop_column('letters', 'drafted_values')
