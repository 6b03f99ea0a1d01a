"""One tick = scan deadlines into the outbox, then dispatch the outbox.

APScheduler 3.x fires the tick on a fixed interval with its default in-memory
job store: nothing about jobs is persisted (the SQLAlchemy job store would
unpickle from the database), because the tables are the state: after downtime
the next tick finds every crossed point and every undelivered row.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from mla.core import clock
from mla.settings import current_settings

log = logging.getLogger("mla.scheduler")

DEFAULT_TICK_SECONDS = 30.0


@dataclass
class TickReport:
    points: int
    delivered: int
    retried: int
    dead: int
    seconds: float
    counterpart_steps: int = 0  # sandbox only: steps the simulated counterpart took


def run_tick(app: Flask, lease: timedelta | None = None) -> TickReport:
    from mla.deadlines.reminders import scan_deadlines
    from mla.extensions import db
    from mla.notifications.dispatcher import dispatch_due

    started = time.perf_counter()
    with app.app_context():
        try:
            steps = _run_simulated_counterpart() if current_settings().is_sandbox else 0
            points = scan_deadlines()
            report = dispatch_due(lease=lease)
        finally:
            db.session.remove()
    result = TickReport(points, report.delivered, report.retried, report.dead,
                        time.perf_counter() - started, steps)
    if points or report.delivered or report.retried or report.dead:
        log.info("tick: %s points, %s delivered, %s retried, %s dead in %.3fs", points,
                 report.delivered, report.retried, report.dead, result.seconds)
    return result


def _run_simulated_counterpart() -> int:
    """In a sandbox the simulated counterpart answers before deadlines are scanned,
    so the standalone scheduler process and the trainer's button behave alike."""
    from mla.core.transaction import unit_of_work
    from mla.sandbox.counterpart import run_counterpart

    with unit_of_work():
        return run_counterpart()


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
    from mla.extensions import db
    from mla.scheduler.lock import DispatcherLock

    with app.app_context():
        return DispatcherLock(db.engine, app.extensions["mla.settings"].instance_path)


def run_forever(app: Flask, tick_seconds: float = DEFAULT_TICK_SECONDS,
                lease: timedelta | None = None) -> None:
    """The `scheduler run` process: wait for the lock, then tick until stopped."""
    import signal

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
    import os

    import click

    settings = app.extensions["mla.settings"]
    if not settings.run_scheduler_in_process or settings.testing:
        return False
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return False
    reload = ctx.params.get("reload")
    if reload is None:
        from flask.helpers import get_debug_flag

        reload = get_debug_flag()
    if reload and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return False
    return start_in_process(app)
