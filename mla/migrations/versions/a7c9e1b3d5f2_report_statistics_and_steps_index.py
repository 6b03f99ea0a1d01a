"""The reports' planner statistics and an index of the counterparts' steps.

- st_report_stays_closing (PostgreSQL): the values workflow_name, next_state and
  next_kind take together in report_stays, so the planner counts a period's closings
  (it expected 38,000 of 285,000 at a million requests and looked each one's stays up in
  turn); report_stays is analysed once so the statistics exist at once.
- ix_case_events_counterpart_steps: the transmission, acknowledgement and execution
  steps (a partial index of case_events), read by the counterparts report instead of
  the whole history.

Revision ID: a7c9e1b3d5f2
Revises: e3b5c7d9f1a4
Create Date: 2026-11-30 17:25:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c9e1b3d5f2'
down_revision = 'e3b5c7d9f1a4'
branch_labels = None
depends_on = None

STEPS = ("kind = 'transition' AND transition IN ('transmit', 'record_acknowledgement', "
         "'record_results', 'extradition_granted')")


def upgrade():
    op.create_index('ix_case_events_counterpart_steps', 'case_events',
                    ['case_id', 'transition', 'at'], unique=False,
                    postgresql_where=sa.text(STEPS), sqlite_where=sa.text(STEPS))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE STATISTICS st_report_stays_closing (mcv) "
                   "ON workflow_name, next_state, next_kind FROM report_stays")
        op.execute("ANALYZE report_stays")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP STATISTICS IF EXISTS st_report_stays_closing")
    op.drop_index('ix_case_events_counterpart_steps', table_name='case_events')
