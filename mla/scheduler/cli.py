"""`flask --app wsgi scheduler run`: the reminder dispatcher as its own process."""

from __future__ import annotations

import logging
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from mla.scheduler.runner import lock_for, run_forever, run_tick

cli = AppGroup("scheduler", help="The reminder and outbox dispatcher.")


@cli.command("run")
@click.option("--tick", "tick_seconds", type=click.FloatRange(min=0.05), default=30.0,
              show_default=True, help="Seconds between ticks.")
@click.option("--lease", "lease_seconds", type=click.FloatRange(min=1), default=120.0,
              show_default=True,
              help="Seconds a claimed message stays reserved before another tick may retake it.")
@click.option("--once", is_flag=True, help="Run one tick and exit.")
def run_command(tick_seconds: float, lease_seconds: float, once: bool) -> None:
    """Scan deadlines and deliver the outbox on a fixed tick (one instance works at a time)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lease = timedelta(seconds=lease_seconds)
    if once:
        lock = lock_for(app)
        lock.acquire()
        try:
            report = run_tick(app, lease)
        finally:
            lock.release()
        click.echo(f"{report.points} points, {report.delivered} delivered, "
                   f"{report.retried} retried, {report.dead} dead in {report.seconds:.3f}s")
        return
    run_forever(app, tick_seconds, lease)
