"""Seal a speciality consent's words: its subject and the reasons of its decision.

speciality_consents.subject (the other offences or the state a surrendered person
faces) and reasons (why consent was given or refused) become sealed columns
(LargeBinary): subject a SealedText (NOT NULL), reasons a SealedOptionalText (NULL while
pending). The check that a decision is reasoned reads `reasons IS NOT NULL` (a sealed
value never compares with '').

Existing rows are sealed with the instance's key ring (so `flask db upgrade` needs
MLA_KEY_FILE or MLA_KEY_RING, as the app does), 1000 rows at a time; going down opens
them again. The check is dropped and made again around the change (on SQLite in batch
mode: no table refers to speciality_consents, so copying it cascades nothing).

Revision ID: d2f4b6c8e0a3
Revises: c0e2a4b6d8f1
Create Date: 2026-11-30 19:20:00

"""
import sqlalchemy as sa

from mla.migrations.checks import create_check, drop_check
from mla.migrations.sealing import open_column, seal_column

# revision identifiers, used by Alembic.
revision = 'd2f4b6c8e0a3'
down_revision = 'c0e2a4b6d8f1'
branch_labels = None
depends_on = None

CHECK = 'ck_speciality_consents_decision_reasoned'
REASONED = "state = 'pending' OR (decided_on IS NOT NULL AND {})"
# column: (its plain type, whether sealed it may be NULL: none)
COLUMNS = {'subject': (sa.Text(), False), 'reasons': (sa.Text(), True)}


def upgrade():
    drop_check('speciality_consents', CHECK)
    for column, (plain, optional) in COLUMNS.items():
        seal_column('speciality_consents', column, plain, optional=optional)
    create_check('speciality_consents', CHECK, REASONED.format('reasons IS NOT NULL'))


def downgrade():
    drop_check('speciality_consents', CHECK)
    for column, (plain, _) in COLUMNS.items():
        open_column('speciality_consents', column, plain)
    create_check('speciality_consents', CHECK, REASONED.format("reasons <> ''"))
