"""The scheduler never starts inside the web app by accident; one tick is idempotent."""

from __future__ import annotations

from mla.scheduler.runner import make_scheduler, run_tick, start_with_dev_server
from tests.notifications.helpers import settings_override


def test_not_started_by_the_app_factory_in_tests_or_outside_flask_run(app):
    assert start_with_dev_server(app) is False                      # testing
    with settings_override(app, run_scheduler_in_process=True, testing=False):
        assert start_with_dev_server(app) is False                  # not `flask run`


def test_memory_job_store_only(app):
    from apscheduler.jobstores.memory import MemoryJobStore

    scheduler = make_scheduler(app, 30, blocking=False)
    assert all(isinstance(store, MemoryJobStore) for store in scheduler._jobstores.values())
    assert [job.id for job in scheduler.get_jobs()] == ["comity-tick"]


def test_a_tick_on_an_empty_database_does_nothing(app, db):
    report = run_tick(app)
    assert (report.points, report.delivered) == (0, 0)
