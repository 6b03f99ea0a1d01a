"""Persons across requests (issue 16): the persons' token index and links between requests.

The tokens are HMACs under the blind-index key, which lives in the key ring outside
the database, so this migration cannot compute them: after `flask db upgrade`, run
`flask persons reindex` (the same app settings and key ring as the servers) to index
the persons already on file. Until then searches and link detection miss them.

Revision ID: e1a3c5f7b9d2
Revises: a7c9e1b3d5f8
Create Date: 2026-11-30 08:55:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'e1a3c5f7b9d2'
down_revision = 'a7c9e1b3d5f8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'person_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('digest', sa.String(length=32), nullable=False),
        sa.CheckConstraint("kind IN ('name', 'name_key', 'dob', 'identifier')",
                           name=op.f('ck_person_tokens_kind_known')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_person_tokens_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['case_persons.id'],
                                name=op.f('fk_person_tokens_person_id_case_persons'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_tokens')),
    )
    with op.batch_alter_table('person_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_person_tokens_digest', ['digest', 'person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_tokens_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_tokens_person_id'), ['person_id'],
                              unique=False)

    op.create_table(
        'case_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('other_case_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('found_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('decided_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=False),
        sa.CheckConstraint('case_id < other_case_id', name=op.f('ck_case_links_pair_ordered')),
        sa.CheckConstraint("status IN ('possible', 'confirmed', 'dismissed')",
                           name=op.f('ck_case_links_status_known')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_case_links_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['other_case_id'], ['cases.id'],
                                name=op.f('fk_case_links_other_case_id_cases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_case_links_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_links')),
        sa.UniqueConstraint('case_id', 'other_case_id',
                            name=op.f('uq_case_links_case_id_other_case_id')),
    )
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_links_other_case_id'), ['other_case_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_links_other_case_id'))
    op.drop_table('case_links')
    with op.batch_alter_table('person_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_tokens_person_id'))
        batch_op.drop_index(batch_op.f('ix_person_tokens_case_id'))
        batch_op.drop_index('ix_person_tokens_digest')
    op.drop_table('person_tokens')
