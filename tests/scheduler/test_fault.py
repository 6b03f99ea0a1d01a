"""The dispatcher process killed with SIGKILL mid-work: nothing lost, nothing twice.

Each crash happens at a chosen point of the dispatch (tests/scheduler/crash.py), and
each child runs one tick (`scheduler run --once`), so the test waits for a process to
exit, never for a time to pass. The leases of the killed processes are then let run
out on a moved clock, and the remaining work is done by explicit ticks.
"""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mla.cases.models import Case
from mla.core import clock
from mla.notifications.models import Notification, OutboxMessage
from mla.scheduler.lock import DispatcherLock
from mla.scheduler.runner import run_tick
from mla.settings import SmtpSettings
from tests.conftest import selected_backend
from tests.notifications.helpers import settings_override, smtp_server
from tests.scheduler.helpers import (
    HANG_GUARD_SECONDS,
    LineReader,
    insert_due_reminders,
    scheduler_env,
    start_scheduler,
    start_scheduler_piped,
    stop,
)

TOTAL = 500
LEASE_SECONDS = 3600  # no child outlives another's lease, however slow the machine
# A wave of reminders falls due, then a child runs one tick (None: no child after that
# wave); three children die, the fourth finds two waves waiting.
CRASHES = ["claimed", "in_app", "email:7", None, "none"]


def _counts(db):
    db.session.rollback()
    notifications = db.session.scalar(select(func.count(Notification.id)))
    open_rows = db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.status.in_(("pending", "claimed"))))
    db.session.rollback()  # never hold SQLite's write lock while the dispatcher works
    return notifications, open_rows


def _one_tick(env, log, crash_at: str) -> int:
    """`scheduler run --once` in a child; its exit code (-9: it died by SIGKILL)."""
    process = start_scheduler(env, log, "--once", "--lease", str(LEASE_SECONDS),
                              crash_at=crash_at)
    try:
        return process.wait(HANG_GUARD_SECONDS)  # only a guard against a hang
    finally:
        stop(process)


@pytest.mark.slow
def test_sigkill_three_times_while_500_reminders_fall_due(app, db, make_case, create_user,
                                                          tmp_path, set_now):
    worker = create_user("caseworker", email="worker@example.org")
    case = make_case(assignee_id=worker.id)
    case_id = db.session.get(Case, case.id).id
    log = tmp_path / "scheduler.log"
    with smtp_server() as (inbox, port):
        env = scheduler_env(app, port)
        exits = []
        for crash_at in CRASHES:
            insert_due_reminders(db, case_id, TOTAL // len(CRASHES))
            if crash_at is not None:
                exits.append(_one_tick(env, log, crash_at))
        output = log.read_text(errors="replace")
        assert exits == [-signal.SIGKILL] * 3 + [0], output[-3000:]
        left = _counts(db)[1]
        claimed = db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status == "claimed"))
        db.session.rollback()
        assert left == claimed > 0  # the dead processes' claims, nothing else
        # What the killed processes had claimed is theirs until the lease runs out:
        # after it, the next ticks take it over and finish.
        set_now(clock.real_now() + timedelta(seconds=LEASE_SECONDS + 60))
        smtp = SmtpSettings(host="127.0.0.1", port=port, sender="ca@example.org")
        with settings_override(app, smtp=smtp):
            for _ in range(3):
                run_tick(app)
                if _counts(db)[1] == 0:
                    break
        ids = inbox.message_ids()
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
    options = ("--tick", "30")  # the first tick runs at once; ticking is not under test
    first, second = start_scheduler_piped(env, *options), start_scheduler_piped(env, *options)
    try:
        readers = [LineReader(first), LineReader(second)]
        said = [reader.wait_for("lock acquired", "waiting") for reader in readers]
        assert sorted(said) == ["lock acquired", "waiting"], said
        holder, waiting = (0, 1) if said[0] == "lock acquired" else (1, 0)
        # While the other waits the lock is held: this process cannot take it either.
        probe = DispatcherLock(db.engine, app.extensions["mla.settings"].instance_path)
        try:
            assert probe.try_acquire() is False
        finally:
            probe.release()
        stop((first, second)[holder])
        assert readers[waiting].wait_for("lock acquired") == "lock acquired"
    finally:
        stop(first)
        stop(second)


@pytest.mark.slow
@pytest.mark.postgres
def test_two_dispatchers_started_at_once_on_postgres_only_one_works(app, db, tmp_path):
    if selected_backend() != "postgres":
        pytest.skip("needs MLA_TEST_DB=postgres")
    test_a_second_scheduler_waits_for_the_first(app, db, tmp_path)
