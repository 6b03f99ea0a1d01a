"""The reports' summary of the history (report_stays: one row per finished stay of a
request in a state), filled from case_events; an index to find closings by state.

Revision ID: c3e5a7b9d1f4
Revises: d4f6a8c0e2b1
Create Date: 2026-11-30 13:40:00

"""
import sqlalchemy as sa
from alembic import op

import mla.core.db

# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f4'
down_revision = 'd4f6a8c0e2b1'
branch_labels = None
depends_on = None

# Every finished stay: each history row that entered a state, with the next such row of
# the same request (in the order (at, id)) and the request's unchanging facts; the same on
# SQLite (3.25+) and PostgreSQL but for reading the refusal ground out of the JSON.
BACKFILL = """
INSERT INTO report_stays (entered_event_id, case_id, workflow_name, direction, registered_at,
                          state, entered_at, left_event_id, left_at, next_state, next_kind,
                          ground)
SELECT r.id, r.case_id, c.workflow_name, c.direction, c.created_at, r.to_state, r.at,
       r.next_id, r.next_at, r.next_state, r.next_kind, r.next_ground
FROM (
    SELECT id, case_id, to_state, at,
           lead(id) OVER w AS next_id, lead(at) OVER w AS next_at,
           lead(to_state) OVER w AS next_state, lead(kind) OVER w AS next_kind,
           lead(NULLIF({ground}, '')) OVER w AS next_ground
    FROM case_events WHERE to_state IS NOT NULL
    WINDOW w AS (PARTITION BY case_id ORDER BY at, id)
) AS r
JOIN cases AS c ON c.id = r.case_id
WHERE r.next_id IS NOT NULL
"""
GROUND = {
    "postgresql": "COALESCE((data -> 'values') ->> 'refusal_ground', "
                  "(data -> 'values') ->> 'ground')",
    "sqlite": "COALESCE(json_extract(data, '$.values.refusal_ground'), "
              "json_extract(data, '$.values.ground'))",
}


def upgrade():
    op.create_table(
        'report_stays',
        sa.Column('entered_event_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('workflow_name', sa.String(length=60), nullable=False),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('registered_at', mla.core.db.UTCDateTime(), nullable=False),
        sa.Column('state', sa.String(length=60), nullable=False),
        sa.Column('entered_at', mla.core.db.UTCDateTime(), nullable=False),
        sa.Column('left_event_id', sa.Integer(), nullable=False),
        sa.Column('left_at', mla.core.db.UTCDateTime(), nullable=False),
        sa.Column('next_state', sa.String(length=60), nullable=False),
        sa.Column('next_kind', sa.String(length=30), nullable=False),
        sa.Column('ground', sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_report_stays_case_id_cases'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entered_event_id'], ['case_events.id'],
                                name=op.f('fk_report_stays_entered_event_id_case_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['left_event_id'], ['case_events.id'],
                                name=op.f('fk_report_stays_left_event_id_case_events'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('entered_event_id', name=op.f('pk_report_stays')),
    )
    op.execute(BACKFILL.format(ground=GROUND[op.get_bind().dialect.name]))
    with op.batch_alter_table('report_stays', schema=None) as batch_op:
        batch_op.create_index('ix_report_stays_case_left', ['case_id', 'left_at'], unique=False,
                              postgresql_include=['workflow_name', 'state', 'entered_at',
                                                  'next_state', 'next_kind'])
        batch_op.create_index('ix_report_stays_next_left', ['next_state', 'left_at'],
                              unique=False,
                              postgresql_include=['case_id', 'registered_at', 'workflow_name',
                                                  'direction', 'next_kind'])
        batch_op.create_index('ix_report_stays_ground', ['case_id', 'left_event_id'],
                              unique=False, postgresql_where=sa.text('ground IS NOT NULL'),
                              sqlite_where=sa.text('ground IS NOT NULL'))
        batch_op.create_index(batch_op.f('ix_report_stays_left_event_id'), ['left_event_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('report_stays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_stays_left_event_id'))
        batch_op.drop_index('ix_report_stays_ground')
        batch_op.drop_index('ix_report_stays_next_left')
        batch_op.drop_index('ix_report_stays_case_left')
    op.drop_table('report_stays')
