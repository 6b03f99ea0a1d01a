"""Scope of instruments as data: ratifications, reservations, bilateral treaties and
national settings; a request records its bilateral treaty; a deadline can run to a
new date agreed with the other side (EIO art. 12(6); UNTOC art. 18(24)).

Revision ID: d4e6f8a0b2c4
Revises: c3d5e7f9a1b2
Create Date: 2026-11-30 07:29:23

"""
from alembic import op
import sqlalchemy as sa

import mla.core.db


# revision identifiers, used by Alembic.
revision = 'd4e6f8a0b2c4'
down_revision = 'c3d5e7f9a1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('national_settings',
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('provisional_arrest_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', mla.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('provisional_arrest_days > 0', name=op.f('ck_national_settings_arrest_days_positive')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_national_settings_country_code_countries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('country_code', name=op.f('pk_national_settings'))
    )
    op.create_table('ratifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('instrument', sa.String(length=20), nullable=False),
    sa.Column('in_force_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('updated_at', mla.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("instrument IN ('ECE', 'ECE_AP2', 'ECE_AP3', 'ECMA', 'UNTOC', 'UNCAC', 'EIO', 'EAW')", name=op.f('ck_ratifications_instrument_known')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_ratifications_country_code_countries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratifications')),
    sa.UniqueConstraint('country_code', 'instrument', name=op.f('uq_ratifications_country_code_instrument'))
    )
    with op.batch_alter_table('ratifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratifications_country_code'), ['country_code'], unique=False)

    op.create_table('reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('updated_at', mla.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("code IN ('ecma_art5_1_a', 'ecma_art5_1_b', 'ecma_art5_1_c')", name=op.f('ck_reservations_code_known')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_reservations_country_code_countries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations')),
    sa.UniqueConstraint('country_code', 'code', name=op.f('uq_reservations_country_code_code'))
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reservations_country_code'), ['country_code'], unique=False)

    op.create_table('treaties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('party_a', sa.String(length=2), nullable=False),
    sa.Column('party_b', sa.String(length=2), nullable=False),
    sa.Column('citation', sa.String(length=300), nullable=False),
    sa.Column('in_force_on', sa.Date(), nullable=True),
    sa.Column('provisional_arrest_days', sa.Integer(), nullable=True),
    sa.Column('dc_threshold_months', sa.Integer(), nullable=True),
    sa.Column('supplementary_info_days', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', mla.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('extradition', 'mla', 'both')", name=op.f('ck_treaties_kind_known')),
    sa.CheckConstraint('dc_threshold_months IS NULL OR dc_threshold_months >= 0', name=op.f('ck_treaties_threshold_positive')),
    sa.CheckConstraint('party_a <> party_b', name=op.f('ck_treaties_two_parties')),
    sa.CheckConstraint('provisional_arrest_days IS NULL OR provisional_arrest_days > 0', name=op.f('ck_treaties_arrest_days_positive')),
    sa.CheckConstraint('supplementary_info_days IS NULL OR supplementary_info_days > 0', name=op.f('ck_treaties_info_days_positive')),
    sa.ForeignKeyConstraint(['party_a'], ['countries.code'], name=op.f('fk_treaties_party_a_countries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['party_b'], ['countries.code'], name=op.f('fk_treaties_party_b_countries'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treaties'))
    )
    with op.batch_alter_table('treaties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_treaties_party_a'), ['party_a'], unique=False)
        batch_op.create_index(batch_op.f('ix_treaties_party_b'), ['party_b'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('treaty_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_treaty_id'), ['treaty_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cases_treaty_id_treaties'), 'treaties', ['treaty_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreed_due_on', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_column('agreed_due_on')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_treaty_id_treaties'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cases_treaty_id'))
        batch_op.drop_column('treaty_id')

    with op.batch_alter_table('treaties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treaties_party_b'))
        batch_op.drop_index(batch_op.f('ix_treaties_party_a'))

    op.drop_table('treaties')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reservations_country_code'))

    op.drop_table('reservations')
    with op.batch_alter_table('ratifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratifications_country_code'))

    op.drop_table('ratifications')
    op.drop_table('national_settings')
