"""One tick = run every job the domains registered, in their order.

Deadlines scan crossed points into the outbox, notifications dispatch the
outbox, the sandbox's simulated counterpart answers first (sandbox only); the
scheduler itself knows none of them (``mla.core.plugins.Job``).

APScheduler 3.x fires the tick on a fixed interval with its default in-memory
job store: nothing about jobs is persisted (the SQLAlchemy job store would
unpickle from the database), because the tables are the state: after downtime
the next tick finds every crossed point and every undelivered row.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from flask.helpers import get_debug_flag

from mla.core import clock
from mla.core.plugins import Tick, jobs
from mla.extensions import db
from mla.scheduler.lock import DispatcherLock
from mla.settings import current_settings

log = logging.getLogger("mla.scheduler")

DEFAULT_TICK_SECONDS = 30.0


@dataclass
class TickReport:
    """What one tick did: the counts the jobs returned, by name."""

    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def points(self) -> int:  # reminder points written (deadlines)
        return self.counts["points"]

    @property
    def delivered(self) -> int:
        return self.counts["delivered"]

    @property
    def retried(self) -> int:
        return self.counts["retried"]

    @property
    def dead(self) -> int:
        return self.counts["dead"]

    @property
    def counterpart_steps(self) -> int:  # sandbox only: steps the simulated counterpart took
        return self.counts["counterpart_steps"]


def run_tick(app: Flask, lease: timedelta | None = None) -> TickReport:
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    tick = Tick(lease=lease)
    with app.app_context():
        try:
            settings = current_settings()
            for job in jobs(app):
                if job.when(settings):
                    counts.update(job.run(tick))
        finally:
            db.session.remove()
    result = TickReport(counts, time.perf_counter() - started)
    if result.points or result.delivered or result.retried or result.dead:
        log.info("tick: %s points, %s delivered, %s retried, %s dead in %.3fs", result.points,
                 result.delivered, result.retried, result.dead, result.seconds)
    return result


def _safe_tick(app: Flask, lease: timedelta | None = None) -> None:
    try:
        run_tick(app, lease)
    except Exception:  # the next tick tries again; one failure must not stop the loop
        log.exception("scheduler tick failed")


def make_scheduler(app: Flask, tick_seconds: float, *, blocking: bool,
                   lease: timedelta | None = None) -> Any:
    scheduler_cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_cls(timezone="UTC")  # default MemoryJobStore only
    scheduler.add_job(_safe_tick, IntervalTrigger(seconds=tick_seconds), args=[app, lease],
                      id="comity-tick", max_instances=1, coalesce=True,
                      next_run_time=clock.real_now(), replace_existing=True)
    return scheduler


def lock_for(app: Flask) -> Any:
    with app.app_context():
        return DispatcherLock(db.engine, app.extensions["mla.settings"].instance_path)


def run_forever(app: Flask, tick_seconds: float = DEFAULT_TICK_SECONDS,
                lease: timedelta | None = None) -> None:
    """The `scheduler run` process: wait for the lock, then tick until stopped."""
    lock = lock_for(app)
    with app.app_context():
        lock.acquire()
    log.info("scheduler: dispatcher lock acquired; ticking every %ss", tick_seconds)
    scheduler = make_scheduler(app, tick_seconds, blocking=True, lease=lease)

    def _stop(signum: int, _frame: Any) -> None:
        log.info("scheduler: signal %s, stopping", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        scheduler.start()
    finally:
        lock.release()


_in_process: threading.Thread | None = None


def start_in_process(app: Flask, tick_seconds: float = DEFAULT_TICK_SECONDS) -> bool:
    """Run the dispatcher in a daemon thread of this process (`make run`)."""
    global _in_process
    if _in_process is not None:
        return False

    def _run() -> None:
        lock = lock_for(app)
        with app.app_context():
            lock.acquire(poll_seconds=5.0)
        log.info("scheduler: running in-process, ticking every %ss", tick_seconds)
        make_scheduler(app, tick_seconds, blocking=True).start()

    _in_process = threading.Thread(target=_run, name="comity-scheduler", daemon=True)
    _in_process.start()
    return True


def start_with_dev_server(app: Flask) -> bool:
    """Start the in-process dispatcher only under `flask run` with MLA_RUN_SCHEDULER=1.

    Never under gunicorn (no `run` command), never in tests, never in the
    reloader's watcher process.
    """
    settings = app.extensions["mla.settings"]
    if not settings.run_scheduler_in_process or settings.testing:
        return False
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return False
    reload = ctx.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    if reload and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return False
    return start_in_process(app)
