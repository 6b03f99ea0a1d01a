"""Every trainee works on their own copy of the scenario: sandbox_copies and their
members, cases.sandbox_copy_id (NULL outside a sandbox), and one scenario-case row
per copy (keyed by the request, no longer by the pack's key alone).

cases gets its column by a plain ALTER TABLE ADD COLUMN on SQLite too: batch mode
would rebuild cases and cascade-delete every row hanging off it (see f3b5d7e9a1c2).
sandbox_scenario_cases is recreated with its rows (training data, a few per pack).

Revision ID: c8e0a2b4d6f1
Revises: f7c9e1a3b5d8
Create Date: 2026-11-30 09:10:00

"""
import sqlalchemy as sa
from alembic import op

import mla.core.db

# revision identifiers, used by Alembic.
revision = 'c8e0a2b4d6f1'
down_revision = 'f7c9e1a3b5d8'
branch_labels = None
depends_on = None


def _scenario_cases(primary: str) -> None:
    columns = [
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('counterpart_plan', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_sandbox_scenario_cases_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint(primary, name=op.f('pk_sandbox_scenario_cases')),
    ]
    if primary == 'key':
        columns.append(sa.UniqueConstraint('case_id',
                                           name=op.f('uq_sandbox_scenario_cases_case_id')))
    op.create_table('sandbox_scenario_cases', *columns)
    if primary == 'case_id':
        op.create_index(op.f('ix_sandbox_scenario_cases_key'), 'sandbox_scenario_cases',
                        ['key'], unique=False)


def _rebuild_scenario_cases(primary: str) -> None:
    table = sa.table('sandbox_scenario_cases', sa.column('key', sa.String()),
                     sa.column('case_id', sa.Integer()), sa.column('counterpart_plan', sa.JSON()))
    rows = [dict(r._mapping) for r in op.get_bind().execute(
        sa.select(table.c.key, table.c.case_id, table.c.counterpart_plan))]
    op.drop_table('sandbox_scenario_cases')
    _scenario_cases(primary)
    if primary == 'key':  # one row per key again: the first copy's (the trainer's)
        first: dict[str, dict] = {}
        for row in sorted(rows, key=lambda r: r['case_id']):
            first.setdefault(row['key'], row)
        rows = list(first.values())
    if rows:
        op.bulk_insert(table, rows)


def upgrade():
    op.create_table(
        'sandbox_copies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', mla.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('built_at', mla.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_copies')),
    )
    op.create_table(
        'sandbox_copy_members',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('copy_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['copy_id'], ['sandbox_copies.id'],
                                name=op.f('fk_sandbox_copy_members_copy_id_sandbox_copies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_sandbox_copy_members_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_sandbox_copy_members')),
    )
    op.create_index(op.f('ix_sandbox_copy_members_copy_id'), 'sandbox_copy_members',
                    ['copy_id'], unique=False)
    op.add_column('cases', sa.Column('sandbox_copy_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_cases_sandbox_copy_id'), 'cases', ['sandbox_copy_id'],
                    unique=False)
    _rebuild_scenario_cases('case_id')


def downgrade():
    _rebuild_scenario_cases('key')
    op.drop_index(op.f('ix_cases_sandbox_copy_id'), table_name='cases')
    op.drop_column('cases', 'sandbox_copy_id')
    op.drop_index(op.f('ix_sandbox_copy_members_copy_id'), table_name='sandbox_copy_members')
    op.drop_table('sandbox_copy_members')
    op.drop_table('sandbox_copies')
