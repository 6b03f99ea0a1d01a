"""The number of requests, kept by triggers (mla/cases/tally.py): the exact total of an
unfiltered list without counting every row.

case_tally holds rows added to and removed from cases; their sum is how many there are.
On PostgreSQL statement-level triggers with transition tables add a row per INSERT or
DELETE statement on cases (and a TRUNCATE empties the tally); on SQLite row-level
triggers add a row per request. The requests already there are counted once, as the
first row. The statements are copied here (a revision must not change when the code
does).

Revision ID: e6f8a0b2c4d7
Revises: c4e6a8b0d2f7
Create Date: 2026-11-30 21:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e6f8a0b2c4d7"
down_revision = "c4e6a8b0d2f7"
branch_labels = None
depends_on = None

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
DROP_SQLITE = (
    "DROP TRIGGER IF EXISTS case_tally_insert",
    "DROP TRIGGER IF EXISTS case_tally_delete",
)


def upgrade():
    op.create_table(
        "case_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_tally")),
    )
    op.execute("INSERT INTO case_tally (delta) SELECT count(*) FROM cases")
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in CREATE_POSTGRESQL if postgresql else CREATE_SQLITE:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in DROP_POSTGRESQL if postgresql else DROP_SQLITE:
        op.execute(statement)
    op.drop_table("case_tally")
