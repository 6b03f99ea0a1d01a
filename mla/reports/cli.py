"""`flask --app wsgi reports rebuild`: recompute the reports' summary from the history."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mla.core.transaction import unit_of_work
from mla.reports.summary import rebuild_stays

cli = AppGroup("reports", help="Reports.")


@cli.command("rebuild")
def rebuild() -> None:
    """Recompute the time spent in each state from every request's history (safe to run
    again: the summary is replaced, in one transaction)."""
    with unit_of_work():
        stays = rebuild_stays()
    click.echo(f"report summary rebuilt: {stays} finished stays")
