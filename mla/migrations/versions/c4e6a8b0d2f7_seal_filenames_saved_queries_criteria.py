"""Seal an uploaded file's name, a saved list's search and how each criterion weighed in
a competing decision.

- documents.filename (often the person's: "passport_<name>") becomes a SealedText
  (LargeBinary, NOT NULL). It was also copied in clear into the timeline: the entry of
  an upload or of a copy to another request (kind "document") and of a use limitation
  recorded on it ("use_limitation", action "recorded") kept data["filename"] beside
  data["document_id"]. The copy is dropped from existing entries (the page now looks the
  name up by the id); going down puts it back from the opened documents.filename.
- saved_filters.query (the list's query string: its q may be a person's exact name)
  becomes a SealedText (NOT NULL; "" for no filter is sealed too).
- competing_decisions.criteria (criterion code -> the caseworker's words) becomes a
  SealedJSON (NOT NULL).
No check constraint or index names these columns.

The audit entries of limitations recorded before keep their "filename" detail: each is
hash-chained (mla/audit/chain.py), and rewriting one would break `audit verify` there.

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again (mla.migrations.sealing: seal_column, open_column, and in_batches for the
timeline's entries).

Revision ID: c4e6a8b0d2f7
Revises: f7a9c1e3b5d2
Create Date: 2026-11-30 21:00:00

"""
import sqlalchemy as sa
from alembic import op

from mla.migrations.sealing import in_batches, open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'c4e6a8b0d2f7'
down_revision = 'f7a9c1e3b5d2'
branch_labels = None
depends_on = None

# (table, column): the plain type it had.
COLUMNS = {('documents', 'filename'): sa.String(length=255),
           ('saved_filters', 'query'): sa.String(length=1000),
           ('competing_decisions', 'criteria'): sa.JSON()}

events = sa.table('case_events', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                  sa.column('data', sa.JSON))
documents = sa.table('documents', sa.column('id', sa.Integer), sa.column('filename', sa.String))


def _named(kind: str, data: object) -> bool:
    """Whether the version before wrote the document's name into this entry: an upload
    or a copy (not a request document's approval, which never carried it), and a use
    limitation recorded."""
    if not isinstance(data, dict) or 'document_id' not in data:
        return False
    if kind == 'document':
        return 'composition_id' not in data
    return data.get('action') == 'recorded'


def _rename_events(bind, *, restore: bool) -> None:
    """Drop the name from each entry that carried it (``restore``: put it back, read
    from the plain documents.filename), BATCH rows at a time in id order."""
    selected = sa.select(events.c.id, events.c.kind, events.c.data).where(
        events.c.kind.in_(('document', 'use_limitation')))
    for rows in in_batches(selected, events.c.id):
        named = [row for row in rows if _named(row.kind, row.data)]
        names: dict[int, str] = {}
        if restore and named:
            names = dict(bind.execute(sa.select(documents.c.id, documents.c.filename).where(
                documents.c.id.in_({row.data['document_id'] for row in named}))).all())
        changes = []
        for row in named:
            data = {k: v for k, v in row.data.items() if k != 'filename'}
            if restore and row.data['document_id'] in names:
                data['filename'] = names[row.data['document_id']]
            if data != row.data:
                changes.append({'row_id': row.id, 'changed': data})
        if changes:
            bind.execute(events.update().where(events.c.id == sa.bindparam('row_id'))
                         .values(data=sa.bindparam('changed')), changes)


def upgrade():
    _rename_events(op.get_bind(), restore=False)
    for (table, column), plain in COLUMNS.items():
        seal_column(table, column, plain,
                    empty=dict if isinstance(plain, sa.JSON) else list)


def downgrade():
    for (table, column), plain in COLUMNS.items():
        open_column(table, column, plain,
                    empty=dict if isinstance(plain, sa.JSON) else list)
    _rename_events(op.get_bind(), restore=True)
