"""Seal an assurance's words: what was asked and given, who gave it, its assessment.

assurances.terms (a person's detention conditions, their care, a sentence's review),
given_by (an official, named) and assessment (the caseworker's reasons) become sealed
columns (LargeBinary): terms a SealedText (NOT NULL), given_by and assessment
SealedOptionalText (NULL when there is none). The check that an assessed assurance is
reasoned reads `assessment IS NOT NULL` (a sealed value never compares with '').

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again. The check is dropped and made again around the change (on SQLite in batch
mode: no table refers to assurances, so copying it cascades nothing).

Revision ID: b8d0f2a4c6e9
Revises: a6c8e0f2b4d7
Create Date: 2026-11-30 19:00:00

"""
import sqlalchemy as sa

from mla.migrations.checks import create_check, drop_check
from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'b8d0f2a4c6e9'
down_revision = 'a6c8e0f2b4d7'
branch_labels = None
depends_on = None

CHECK = 'ck_assurances_assessment_reasoned'
REASONED = "state NOT IN ('sufficient', 'insufficient') OR (assessed_on IS NOT NULL AND {})"
# column: (its plain type, whether sealed it may be NULL: none)
COLUMNS = {'terms': (sa.Text(), False), 'given_by': (sa.String(200), True),
           'assessment': (sa.Text(), True)}


def upgrade():
    drop_check('assurances', CHECK)
    for column, (plain, optional) in COLUMNS.items():
        seal_column('assurances', column, plain, optional=optional)
    create_check('assurances', CHECK, REASONED.format('assessment IS NOT NULL'))


def downgrade():
    drop_check('assurances', CHECK)
    for column, (plain, _) in COLUMNS.items():
        open_column('assurances', column, plain)
    create_check('assurances', CHECK, REASONED.format("assessment <> ''"))
