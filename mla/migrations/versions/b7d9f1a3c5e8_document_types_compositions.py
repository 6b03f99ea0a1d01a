"""Documents get a type, a language, the document a translation translates and a
translation deadline; compositions (the editable, then frozen, text of a generated request
or letter); the authority's letterhead; letters.is_translation_needed.

Existing documents become annexes of no stated language (""): nobody said what they
were, and an annex is what an uploaded file most often is; the request page then lists
them among those whose language is to be stated or translated.

On SQLite through its own ALTER TABLE (never batch mode: copying and dropping
`documents` with foreign keys on would cascade-delete every document's content).

Revision ID: b7d9f1a3c5e8
Revises: a2c4e6f8b0d1
Create Date: 2026-11-30 10:45:00

"""
import sqlalchemy as sa
from alembic import op

from mla.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'b7d9f1a3c5e8'
down_revision = 'a2c4e6f8b0d1'
branch_labels = None
depends_on = None

TYPES = "('request', 'annex', 'supplementary', 'translation', 'evidence', 'decision', 'letter')"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    if _sqlite():
        op.execute("ALTER TABLE documents ADD COLUMN doc_type VARCHAR(20) NOT NULL "
                   f"DEFAULT 'annex' CONSTRAINT ck_documents_doc_type_known "
                   f"CHECK (doc_type IN {TYPES})")
        op.execute("ALTER TABLE documents ADD COLUMN language VARCHAR(8) NOT NULL DEFAULT ''")
        op.execute("ALTER TABLE documents ADD COLUMN translation_of_id INTEGER "
                   "CONSTRAINT fk_documents_translation_of_id_documents "
                   "REFERENCES documents (id) "
                   "CONSTRAINT ck_documents_only_translations_translate "
                   "CHECK (translation_of_id IS NULL OR doc_type = 'translation')")
        op.execute("ALTER TABLE documents ADD COLUMN translation_due_on DATE")
        op.execute("ALTER TABLE letters ADD COLUMN is_translation_needed BOOLEAN NOT NULL "
                   "DEFAULT 0")
    else:
        op.add_column('documents', sa.Column('doc_type', sa.String(length=20), nullable=False,
                                             server_default='annex'))
        op.add_column('documents', sa.Column('language', sa.String(length=8), nullable=False,
                                             server_default=''))
        op.add_column('documents', sa.Column('translation_of_id', sa.Integer(), nullable=True))
        op.add_column('documents', sa.Column('translation_due_on', sa.Date(), nullable=True))
        op.create_foreign_key(op.f('fk_documents_translation_of_id_documents'), 'documents',
                              'documents', ['translation_of_id'], ['id'])
        op.create_check_constraint(op.f('ck_documents_doc_type_known'), 'documents',
                                   f"doc_type IN {TYPES}")
        op.create_check_constraint(op.f('ck_documents_only_translations_translate'),
                                   'documents',
                                   "translation_of_id IS NULL OR doc_type = 'translation'")
        op.add_column('letters', sa.Column('is_translation_needed', sa.Boolean(),
                                           nullable=False, server_default=sa.false()))
    op.create_index(op.f('ix_documents_translation_of_id'), 'documents', ['translation_of_id'])

    op.create_table(
        'compositions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('letter_id', sa.Integer(), nullable=True),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('sections', sa.JSON(), nullable=False),
        sa.Column('is_translation_needed', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('approved_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('docx_document_id', sa.Integer(), nullable=True),
        sa.Column('pdf_document_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('request', 'letter')", name=op.f('ck_compositions_kind_known')),
        sa.CheckConstraint("status IN ('draft', 'approved')",
                           name=op.f('ck_compositions_status_known')),
        sa.CheckConstraint("status <> 'approved' OR (approved_at IS NOT NULL "
                           "AND pdf_document_id IS NOT NULL AND docx_document_id IS NOT NULL)",
                           name=op.f('ck_compositions_approved_has_files')),
        sa.CheckConstraint('version >= 1', name=op.f('ck_compositions_version_positive')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_compositions_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['letter_id'], ['letters.id'],
                                name=op.f('fk_compositions_letter_id_letters'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_compositions_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_compositions_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'],
                                name=op.f('fk_compositions_approved_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['docx_document_id'], ['documents.id'],
                                name=op.f('fk_compositions_docx_document_id_documents')),
        sa.ForeignKeyConstraint(['pdf_document_id'], ['documents.id'],
                                name=op.f('fk_compositions_pdf_document_id_documents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compositions')),
        sa.UniqueConstraint('letter_id', name=op.f('uq_compositions_letter_id')),
    )
    op.create_index(op.f('ix_compositions_case_id'), 'compositions', ['case_id'])

    op.create_table(
        'letterheads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('authority_name', sa.String(length=200), nullable=False),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('signatory_name', sa.String(length=200), nullable=False),
        sa.Column('signatory_title', sa.String(length=200), nullable=False),
        sa.Column('logo_content_type', sa.String(length=20), nullable=False),
        sa.Column('logo_sha256', sa.String(length=64), nullable=False),
        sa.Column('logo_sealed', sa.LargeBinary(), nullable=True),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('id = 1', name=op.f('ck_letterheads_single_row')),
        sa.CheckConstraint("logo_content_type IN ('', 'image/png', 'image/jpeg')",
                           name=op.f('ck_letterheads_logo_type_known')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_letterheads_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_letterheads')),
    )


def downgrade():
    op.drop_table('letterheads')
    op.drop_index(op.f('ix_compositions_case_id'), table_name='compositions')
    op.drop_table('compositions')
    op.drop_index(op.f('ix_documents_translation_of_id'), table_name='documents')
    if _sqlite():
        # translation_of_id first: its CHECK names doc_type.
        for column in ('translation_of_id', 'translation_due_on', 'language', 'doc_type'):
            op.execute(f'ALTER TABLE documents DROP COLUMN {column}')
        op.execute('ALTER TABLE letters DROP COLUMN is_translation_needed')
        return
    op.drop_column('letters', 'is_translation_needed')
    op.drop_constraint(op.f('ck_documents_only_translations_translate'), 'documents',
                       type_='check')
    op.drop_constraint(op.f('ck_documents_doc_type_known'), 'documents', type_='check')
    op.drop_constraint(op.f('fk_documents_translation_of_id_documents'), 'documents',
                       type_='foreignkey')
    for column in ('translation_due_on', 'translation_of_id', 'language', 'doc_type'):
        op.drop_column('documents', column)
