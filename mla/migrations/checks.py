"""Dropping a check constraint and making it again in a migration.

A revision that seals a column a check constraint reads (a sealed value never compares
with '') drops the check first, changes the column, and makes the check again with a
condition that reads the new column::

    def upgrade():
        drop_check('dc_assessments', CHECK)
        seal_column('dc_assessments', 'justification', sa.Text(), optional=True)
        create_check('dc_assessments', CHECK, 'is_override = false OR justification IS NOT NULL')

Both go through Alembic's batch mode, which on SQLite copies the table: use them only on
a table no other table refers to (copying one that others point at, with foreign keys
on, would cascade-delete their rows; see ``mla.migrations.sealing``). ``name`` is the
constraint's full name (``ck_<table>_<name>``), taken as it is (``batch_op.f``).

Imported by the revisions as ``mla.migrations.checks``, like ``mla.migrations.sealing``
(shipped in the wheel as package data).
"""
from __future__ import annotations

from alembic import op


def drop_check(table: str, name: str) -> None:
    """Drop the check constraint ``name`` of ``table``."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(name), type_='check')


def create_check(table: str, name: str, condition: str) -> None:
    """Make the check constraint ``name`` of ``table`` with ``condition`` (SQL)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f(name), condition)
