"""Document content in the database (MLA_DOCUMENT_STORE=database, the new default).

Content that an earlier version wrote under ``instance/documents/`` is copied into the
table, unchanged (the same sealed blob), when this instance uses the database store;
the files stay where they are: remove them once you have checked the copy. Going
down writes each blob back to ``instance/documents/`` (where the earlier version reads
it) unless the file is there already, then drops the table.

Revision ID: 6af0f92a5fad
Revises: 483f02b3bd65
Create Date: 2026-11-30 07:55:00

"""
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

# revision identifiers, used by Alembic.
revision = '6af0f92a5fad'
down_revision = '483f02b3bd65'
branch_labels = None
depends_on = None


def upgrade():
    contents = op.create_table(
        'document_contents',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_document_contents_document_id_documents'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_id', name=op.f('pk_document_contents')),
    )
    _copy_files_into(contents)


def _copy_files_into(contents: sa.Table) -> None:
    if not has_app_context():
        return
    settings = current_app.extensions.get("mla.settings")
    if settings is None or settings.document_store != "database":
        return
    directory = Path(settings.instance_path) / "documents"
    if not directory.is_dir():
        return
    bind = op.get_bind()
    documents = sa.table('documents', sa.column('id', sa.Integer), sa.column('uid', sa.String))
    for document_id, uid in bind.execute(sa.select(documents.c.id, documents.c.uid)):
        path = directory / f"{uid}.bin"
        if uid.isalnum() and path.is_file():
            bind.execute(contents.insert().values(document_id=document_id,
                                                  sealed=path.read_bytes()))


def downgrade():
    _copy_rows_to_files()
    op.drop_table('document_contents')


def _copy_rows_to_files() -> None:
    if not has_app_context() or "mla.settings" not in current_app.extensions:
        return
    directory = Path(current_app.extensions["mla.settings"].instance_path) / "documents"
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT d.uid, c.sealed FROM document_contents c "
        "JOIN documents d ON d.id = c.document_id"))
    for uid, sealed in rows:
        path = directory / f"{uid}.bin"
        if uid.isalnum() and not path.exists():
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.write_bytes(bytes(sealed))
            path.chmod(0o600)
