"""Conditions and assurances as records: speciality after surrender (what the person
was surrendered for, requests for consent with their clock and decision), use
limitations on documents (UNTOC art. 18(19), 18(20)), assurances with their states
(ECE art. 11 ...), and the aut dedere referral with its outcome and report back.

Revision ID: b4b4fbd51934
Revises: 2f099f60d05c
Create Date: 2026-11-30 11:03:31.658588

"""
import sqlalchemy as sa
from alembic import op

from mla.core.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'b4b4fbd51934'
down_revision = '2f099f60d05c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assurances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('source_article', sa.String(length=120), nullable=False),
    sa.Column('is_required', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=14), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('given_by', sa.String(length=200), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('assessment', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('death_penalty', 'fair_trial', 'prison_conditions', 'life_sentence_review', 'return_of_national', 'other')", name=op.f('ck_assurances_kind_known')),
    sa.CheckConstraint("state = 'requested' OR received_on IS NOT NULL", name=op.f('ck_assurances_receipt_dated')),
    sa.CheckConstraint("state IN ('requested', 'received', 'sufficient', 'insufficient')", name=op.f('ck_assurances_state_known')),
    sa.CheckConstraint("state NOT IN ('sufficient', 'insufficient') OR (assessed_on IS NOT NULL AND assessment <> '')", name=op.f('ck_assurances_assessment_reasoned')),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['users.id'], name=op.f('fk_assurances_assessed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_assurances_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assurances_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assurances'))
    )
    with op.batch_alter_table('assurances', schema=None) as batch_op:
        batch_op.create_index('ix_assurances_case', ['case_id'], unique=False)

    op.create_table('speciality_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('surrendered_on', sa.Date(), nullable=False),
    sa.Column('offences', sa.JSON(), nullable=False),
    sa.Column('discharged_on', sa.Date(), nullable=True),
    sa.Column('lapse_reason', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("direction IN ('surrendered_by_us', 'received_by_us')", name=op.f('ck_speciality_records_direction_known')),
    sa.CheckConstraint("state <> 'discharged' OR discharged_on IS NOT NULL", name=op.f('ck_speciality_records_discharge_dated')),
    sa.CheckConstraint("state IN ('protected', 'discharged', 'lapsed')", name=op.f('ck_speciality_records_state_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_speciality_records_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_speciality_records_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speciality_records')),
    sa.UniqueConstraint('case_id', name=op.f('uq_speciality_records_case_id'))
    )
    op.create_table('speciality_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('article', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('asked_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('rule_code', sa.String(length=40), nullable=True),
    sa.Column('deadline_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("purpose IN ('other_offences', 're_extradition')", name=op.f('ck_speciality_consents_purpose_known')),
    sa.CheckConstraint("state = 'pending' OR (decided_on IS NOT NULL AND reasons <> '')", name=op.f('ck_speciality_consents_decision_reasoned')),
    sa.CheckConstraint("state IN ('pending', 'granted', 'refused')", name=op.f('ck_speciality_consents_state_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_speciality_consents_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_speciality_consents_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadlines.id'], name=op.f('fk_speciality_consents_deadline_id_deadlines'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_speciality_consents_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['record_id'], ['speciality_records.id'], name=op.f('fk_speciality_consents_record_id_speciality_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speciality_consents'))
    )
    with op.batch_alter_table('speciality_consents', schema=None) as batch_op:
        batch_op.create_index('ix_speciality_consents_case_state', ['case_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_speciality_consents_record_id'), ['record_id'], unique=False)

    op.create_table('aut_dedere_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('refusal_ground', sa.String(length=60), nullable=False),
    sa.Column('authority_id', sa.Integer(), nullable=True),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('domestic_reference', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('deadline_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('not_prosecuted', 'charged', 'convicted', 'acquitted')", name=op.f('ck_aut_dedere_referrals_outcome_known')),
    sa.CheckConstraint("state <> 'reported' OR reported_on IS NOT NULL", name=op.f('ck_aut_dedere_referrals_report_dated')),
    sa.CheckConstraint("state = 'referred' OR (outcome IS NOT NULL AND outcome_on IS NOT NULL)", name=op.f('ck_aut_dedere_referrals_outcome_dated')),
    sa.CheckConstraint("state IN ('referred', 'outcome_recorded', 'reported')", name=op.f('ck_aut_dedere_referrals_state_known')),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], name=op.f('fk_aut_dedere_referrals_authority_id_authorities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_aut_dedere_referrals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadlines.id'], name=op.f('fk_aut_dedere_referrals_deadline_id_deadlines'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['letter_id'], ['letters.id'], name=op.f('fk_aut_dedere_referrals_letter_id_letters'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aut_dedere_referrals')),
    sa.UniqueConstraint('case_id', name=op.f('uq_aut_dedere_referrals_case_id'))
    )
    op.create_table('use_limitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('source_article', sa.String(length=120), nullable=False),
    sa.Column('imposed_by', sa.String(length=200), nullable=False),
    sa.Column('imposed_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('inherited_from_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('use', 'confidentiality', 'condition')", name=op.f('ck_use_limitations_kind_known')),
    sa.CheckConstraint("state IN ('in_force', 'consent_requested', 'consent_granted', 'consent_refused', 'lifted')", name=op.f('ck_use_limitations_state_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_use_limitations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_use_limitations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_use_limitations_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inherited_from_id'], ['use_limitations.id'], name=op.f('fk_use_limitations_inherited_from_id_use_limitations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_use_limitations'))
    )
    with op.batch_alter_table('use_limitations', schema=None) as batch_op:
        batch_op.create_index('ix_use_limitations_case', ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_use_limitations_document_id'), ['document_id'], unique=False)



def downgrade():
    with op.batch_alter_table('use_limitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_use_limitations_document_id'))
        batch_op.drop_index('ix_use_limitations_case')

    op.drop_table('use_limitations')
    op.drop_table('aut_dedere_referrals')
    with op.batch_alter_table('speciality_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speciality_consents_record_id'))
        batch_op.drop_index('ix_speciality_consents_case_state')

    op.drop_table('speciality_consents')
    op.drop_table('speciality_records')
    with op.batch_alter_table('assurances', schema=None) as batch_op:
        batch_op.drop_index('ix_assurances_case')

    op.drop_table('assurances')
