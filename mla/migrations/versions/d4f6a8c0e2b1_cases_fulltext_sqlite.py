"""SQLite: an FTS5 trigram index for `q=` (issue 13), kept by triggers on cases.

`q=` finds any part of a reference, a title (title_search) or a counterpart's
reference. PostgreSQL serves it with the pg_trgm GIN indexes of c8e0f2a4b6d9; on
SQLite it was a LIKE '%...%' over the whole table. cases_fts is an external-content
FTS5 table (the index only; the text stays in cases, rowid = cases.id), tokenize =
'trigram', filled here from the existing rows and kept in step by three triggers, so
every write path stays right without knowing of it. On PostgreSQL this revision does
nothing.

Written by hand: autogenerate cannot read a virtual table, and migrations/env.py
leaves cases_fts and its shadow tables out of the comparison
(mla.cases.fulltext.is_fulltext_table). The statements are copied, not imported, from
mla/cases/fulltext.py (what create_all runs), so this revision stays as it was
applied when that module changes. A later revision that rebuilds `cases` with
batch_alter_table on SQLite drops these triggers and must create them again.

Revision ID: d4f6a8c0e2b1
Revises: ba0560f0616a
Create Date: 2026-11-30 13:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4f6a8c0e2b1'
down_revision = 'ba0560f0616a'
branch_labels = None
depends_on = None

CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS cases_fts USING fts5("
    "reference, title_search, counterpart_reference, "
    "content='cases', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS cases_fts_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO cases_fts (rowid, reference, title_search, counterpart_reference) "
    "VALUES (new.id, new.reference, new.title_search, new.counterpart_reference); END",
    "CREATE TRIGGER IF NOT EXISTS cases_fts_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO cases_fts (cases_fts, rowid, reference, title_search, "
    "counterpart_reference) VALUES ('delete', old.id, old.reference, old.title_search, "
    "old.counterpart_reference); END",
    "CREATE TRIGGER IF NOT EXISTS cases_fts_update AFTER UPDATE OF id, reference, "
    "title_search, counterpart_reference ON cases BEGIN "
    "INSERT INTO cases_fts (cases_fts, rowid, reference, title_search, "
    "counterpart_reference) VALUES ('delete', old.id, old.reference, old.title_search, "
    "old.counterpart_reference); "
    "INSERT INTO cases_fts (rowid, reference, title_search, counterpart_reference) "
    "VALUES (new.id, new.reference, new.title_search, new.counterpart_reference); END",
    # The rows already there, indexed in one pass.
    "INSERT INTO cases_fts (cases_fts) VALUES ('rebuild')",
)
DROP = (
    "DROP TRIGGER IF EXISTS cases_fts_update",
    "DROP TRIGGER IF EXISTS cases_fts_delete",
    "DROP TRIGGER IF EXISTS cases_fts_insert",
    "DROP TABLE IF EXISTS cases_fts",
)


def upgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    for statement in CREATE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    for statement in DROP:
        op.execute(statement)
