"""How many requests there are, kept as they are written (issue 13): the exact total of
an unfiltered list without counting every row.

`GET /api/v1/cases` by page number answers an exact ``total`` (CONTRACT v1). For a
reader who sees every request and filters nothing, that total is every row of
``cases``, and ``count(*)`` reads a whole index to give it: about 50 ms at 1,000,000
requests on a two-core machine, more than the rest of the page. Triggers on ``cases``
keep the number in ``case_tally`` instead, on every write path (the form, the API, the
import's executemany, sandbox copies and their deletion, the demo, a bulk load), without
any of them knowing of it:

- an INSERT or DELETE on ``cases`` adds a row to ``case_tally`` (its number of rows,
  negative for a DELETE): per statement on PostgreSQL (statement-level triggers with
  transition tables), per row on SQLite. Writers only ever add rows, never update a
  shared one, so two registrations never wait on each other here (a shared counter
  row would be locked from a request's INSERT to its commit, and could deadlock with
  the audit chain's lock taken in the other order); a TRUNCATE empties the tally.
- the total is ``sum(delta)``; the scheduler folds the rows into one on every tick
  (``fold``): one DELETE ... RETURNING and one INSERT in the tick's transaction, so a
  reader sees either the rows or their sum, and a row another writer adds meanwhile is
  not among those deleted.

Created by migration ``e6f8a0b2c4d7`` and, for databases built with ``create_all``
(tests, benches), by the listeners in models.py. A later migration that rebuilds
``cases`` on SQLite (batch mode: copy, drop, rename) drops its triggers with the old
table and must create them again (``CREATE_SQLITE``); tests/test_migrations.py checks
they exist at head.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from mla.extensions import Model, db

CREATE_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION case_tally_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN INSERT INTO case_tally (delta) SELECT count(*) FROM new_rows HAVING count(*) > 0; "
    "RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION case_tally_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN INSERT INTO case_tally (delta) SELECT -count(*) FROM old_rows HAVING count(*) > 0; "
    "RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION case_tally_truncated() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN DELETE FROM case_tally; RETURN NULL; END $$",
    "CREATE TRIGGER case_tally_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION case_tally_inserted()",
    "CREATE TRIGGER case_tally_delete AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION case_tally_deleted()",
    "CREATE TRIGGER case_tally_truncate AFTER TRUNCATE ON cases "
    "FOR EACH STATEMENT EXECUTE FUNCTION case_tally_truncated()",
)
DROP_POSTGRESQL = (
    "DROP TRIGGER IF EXISTS case_tally_insert ON cases",
    "DROP TRIGGER IF EXISTS case_tally_delete ON cases",
    "DROP TRIGGER IF EXISTS case_tally_truncate ON cases",
    "DROP FUNCTION IF EXISTS case_tally_inserted()",
    "DROP FUNCTION IF EXISTS case_tally_deleted()",
    "DROP FUNCTION IF EXISTS case_tally_truncated()",
)
CREATE_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS case_tally_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO case_tally (delta) VALUES (1); END",
    "CREATE TRIGGER IF NOT EXISTS case_tally_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO case_tally (delta) VALUES (-1); END",
)
TRIGGERS = ("case_tally_insert", "case_tally_delete")
# The requests already there when the tally begins (a migrated database).
SEED = "INSERT INTO case_tally (delta) SELECT count(*) FROM cases"


class CaseTally(Model):
    """Rows added to and removed from ``cases``; their sum is how many there are."""

    __tablename__ = "case_tally"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delta: Mapped[int] = mapped_column(BigInteger)


def total() -> int:
    """How many requests there are: exact, as ``count(*)`` on ``cases`` would answer."""
    return int(db.session.scalar(select(func.coalesce(func.sum(CaseTally.delta), 0))) or 0)


def fold() -> int:
    """The tally's rows replaced by their sum, in the caller's transaction; how many rows
    were folded (0 or 1: nothing to do)."""
    if (db.session.scalar(select(func.count()).select_from(CaseTally)) or 0) < 2:
        return 0
    deltas = db.session.scalars(delete(CaseTally).returning(CaseTally.delta)).all()
    if deltas:
        db.session.execute(insert(CaseTally).values(delta=sum(deltas)))
    return len(deltas)
