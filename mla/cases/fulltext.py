"""The SQLite index behind `q=` (issue 13): an FTS5 table with the trigram tokenizer.

`q=` finds any part of a reference, a title or a counterpart's reference. PostgreSQL
serves that with pg_trgm GIN indexes on the columns themselves (models.py); SQLite has
no such index, so an FTS5 table (``cases_fts``) indexes the same three columns by
trigrams. It is an external-content table: it keeps the index only and reads the text
from ``cases`` (rowid = ``cases.id``). Triggers on ``cases`` keep it in step, so every
write path (the form, corrections, the import's executemany, deletion, sandbox copies,
the demo) is covered without knowing of it.

Created by the migration ``d4f6a8c0e2b1`` and, for databases built with
``create_all`` (tests, benches), by the listeners in models.py. Alembic's autogenerate
cannot read a virtual table: migrations/env.py leaves these names out of its
comparison (``is_fulltext_table``). A later migration that rebuilds ``cases`` on SQLite
(``batch_alter_table``: copy, drop, rename) drops the triggers with the old table and
must run ``CREATE_TRIGGERS`` again; tests/test_migrations.py checks they exist at head.

SQLite 3.40's trigram tokenizer folds case (Unicode, not only ASCII) but has no
``remove_diacritics`` (3.45): titles are indexed in their casefolded form
(``title_search``), as the LIKE they replace compared them.
"""

from __future__ import annotations

from sqlalchemy import Integer, Select, column, literal_column, select, table

TABLE = "cases_fts"
# A trigram index finds nothing for a shorter term.
MIN_LENGTH = 3

CREATE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS cases_fts USING fts5("
    "reference, title_search, counterpart_reference, "
    "content='cases', content_rowid='id', tokenize='trigram')"
)
# An external-content table is told what to forget with the values it indexed: the
# update trigger fires only when an indexed column changes, so a transition (state,
# version, dates) costs the index nothing.
CREATE_TRIGGERS = (
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
)
# Rows already in ``cases`` (a migrated database) are indexed in one pass.
REBUILD = "INSERT INTO cases_fts (cases_fts) VALUES ('rebuild')"
# The triggers go with ``cases``; the table would outlive it.
DROP_TABLE = "DROP TABLE IF EXISTS cases_fts"

_fts = table(TABLE, column("rowid", Integer))


def is_fulltext_table(name: str) -> bool:
    """The FTS table and its shadow tables (``cases_fts_data``, ``_idx``, ...)."""
    return name == TABLE or name.startswith(f"{TABLE}_")


def quoted(text: str) -> str:
    """``text`` as one FTS5 string: whatever it holds (quotes, AND, *, parentheses,
    any script) is matched as written, never read as query syntax."""
    return '"' + text.replace('"', '""') + '"'


def match_query(term: str, *, by_part: bool) -> str:
    """The FTS5 query for ``term``: in the title (casefolded, as indexed), and with
    ``by_part`` in the reference (upper case) and the counterpart's reference too."""
    query = f"{{title_search}} : {quoted(term.casefold())}"
    if by_part:
        query += (f" OR {{reference}} : {quoted(term.upper())}"
                  f" OR {{counterpart_reference}} : {quoted(term)}")
    return query


def matching_rowids(term: str, *, by_part: bool) -> Select[tuple[int]]:
    """``SELECT rowid FROM cases_fts WHERE cases_fts MATCH ...`` (the ids of the
    matching requests) for a term of at least ``MIN_LENGTH`` characters."""
    return select(_fts.c.rowid).where(
        literal_column(TABLE).op("MATCH")(match_query(term, by_part=by_part)))
