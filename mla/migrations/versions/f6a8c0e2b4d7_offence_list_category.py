"""The EAW/EIO list category the issuing authority ticked, as the caseworker confirmed it
on the request's offence (EAW art. 2(2); CJEU C-303/05): the ICCS mapping only suggests it.

Revision ID: f6a8c0e2b4d7
Revises: e5f7a9b1c3d6
Create Date: 2026-11-30 08:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f6a8c0e2b4d7'
down_revision = 'e5f7a9b1c3d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_offences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('list_category', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_list_category_confirmed', sa.Boolean(),
                                      nullable=False, server_default=sa.false()))
        batch_op.create_check_constraint(
            batch_op.f('ck_case_offences_list_category_range'),
            'list_category IS NULL OR list_category BETWEEN 1 AND 32')
        batch_op.create_check_constraint(
            batch_op.f('ck_case_offences_list_category_confirmed'),
            'list_category IS NULL OR is_list_category_confirmed')


def downgrade():
    with op.batch_alter_table('case_offences', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_offences_list_category_confirmed'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_case_offences_list_category_range'),
                                 type_='check')
        batch_op.drop_column('is_list_category_confirmed')
        batch_op.drop_column('list_category')
