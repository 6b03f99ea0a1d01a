"""The reports' index of the counterparts' steps holds every step they read."""

from __future__ import annotations

from mla.reports.queries import ACKNOWLEDGED, EXECUTED, TRANSMITTED
from mla.reports.summary import COUNTERPART_STEPS


def test_the_counterpart_steps_index_holds_the_steps_the_reports_read():
    # A step missing from the partial index's predicate would make PostgreSQL unable to
    # use it (the queries' condition would no longer imply the index's).
    assert set(TRANSMITTED + ACKNOWLEDGED + EXECUTED) == set(COUNTERPART_STEPS)
