"""The dispatcher process killed with SIGKILL at random points: nothing lost, nothing twice."""

from __future__ import annotations

import random
import signal
import time

import pytest
from sqlalchemy import func, select

from mla.cases.models import Case
from mla.notifications.models import Notification, OutboxMessage
from tests.conftest import selected_backend
from tests.notifications.helpers import smtp_server
from tests.scheduler.helpers import insert_due_reminders, scheduler_env, start_scheduler

TOTAL = 500
WAVES = 5


def _counts(db):
    db.session.rollback()
    notifications = db.session.scalar(select(func.count(Notification.id)))
    open_rows = db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.status.in_(("pending", "claimed"))))
    db.session.rollback()  # never hold SQLite's write lock while the dispatcher works
    return notifications, open_rows


@pytest.mark.slow
def test_sigkill_three_times_while_500_reminders_fall_due(app, db, make_case, create_user,
                                                          tmp_path):
    worker = create_user("caseworker", email="worker@example.org")
    case = make_case(assignee_id=worker.id)
    case_id = db.session.get(Case, case.id).id
    rng = random.Random()
    log = tmp_path / "scheduler.log"
    with smtp_server() as (inbox, port):
        env = scheduler_env(app, port)
        process = start_scheduler(env, log)
        kills = 0
        try:
            for wave in range(WAVES):
                insert_due_reminders(db, case_id, TOTAL // WAVES)
                if kills < 3 and wave >= 1:
                    time.sleep(rng.uniform(1.0, 3.0))   # startup takes ~1 s: kill mid-work
                    process.send_signal(signal.SIGKILL)
                    process.wait(10)
                    kills += 1
                    process = start_scheduler(env, log)
                else:
                    time.sleep(rng.uniform(0.1, 0.6))
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                notifications, open_rows = _counts(db)
                if notifications == TOTAL and open_rows == 0 and len(inbox.message_ids()) >= TOTAL:
                    break
                time.sleep(0.3)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except Exception:
                process.kill()
        ids = inbox.message_ids()
    output = log.read_text(errors="replace")
    assert kills == 3
    notifications, open_rows = _counts(db)
    assert notifications == TOTAL, output[-3000:]
    assert open_rows == 0
    duplicates = db.session.execute(
        select(Notification.key).group_by(Notification.key).having(func.count() > 1)).all()
    assert duplicates == []
    assert len(ids) == TOTAL, output[-3000:]
    assert len(set(ids)) == TOTAL            # no Message-ID twice
    sent = db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.status == "sent"))
    assert sent == 2 * TOTAL


@pytest.mark.slow
def test_a_second_scheduler_waits_for_the_first(app, db, tmp_path):
    """Two `scheduler run` at once: one holds the lock and works, the other waits;
    when the first dies the second takes over (PostgreSQL advisory lock or SQLite flock)."""
    env = scheduler_env(app)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_scheduler(env, first_log)
    second = start_scheduler(env, second_log)
    try:
        give_up = time.monotonic() + 30   # two interpreters starting on a busy machine
        while time.monotonic() < give_up:
            logs = [first_log.read_text(), second_log.read_text()]
            working = [("lock acquired" in text) for text in logs]
            waiting = [("waiting" in text) for text in logs]
            if sum(working) + sum(waiting) >= 2:
                break
            time.sleep(0.3)
        time.sleep(1)
        logs = [first_log.read_text(), second_log.read_text()]
        working = [("lock acquired" in text) for text in logs]
        assert sum(working) == 1, logs
        assert waiting == [not w for w in working], logs
        holder, _other = (first, second) if working[0] else (second, first)
        other_log = second_log if working[0] else first_log
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        give_up = time.monotonic() + 15
        while time.monotonic() < give_up and "lock acquired" not in other_log.read_text():
            time.sleep(0.3)
        assert "lock acquired" in other_log.read_text()
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(10)


@pytest.mark.slow
@pytest.mark.postgres
def test_two_dispatchers_started_at_once_on_postgres_only_one_works(app, db, tmp_path):
    if selected_backend() != "postgres":
        pytest.skip("needs MLA_TEST_DB=postgres")
    test_a_second_scheduler_waits_for_the_first(app, db, tmp_path)
