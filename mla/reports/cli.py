"""`flask --app wsgi reports rebuild`: recompute the reports' summary from the history;
`reports warm`: compute the figures kept ready (mla.reports.ready)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mla.core.transaction import unit_of_work
from mla.reports.ready import drop_all, refresh_figures
from mla.reports.summary import rebuild_stays

cli = AppGroup("reports", help="Reports.")


@cli.command("rebuild")
def rebuild() -> None:
    """Recompute the time spent in each state from every request's history (safe to run
    again: the summary is replaced, in one transaction). The figures kept ready were
    computed from the old summary: they are dropped in the same transaction."""
    with unit_of_work():
        stays = rebuild_stays()
        dropped = drop_all()
    click.echo(f"report summary rebuilt: {stays} finished stays; "
               f"{dropped} kept figures dropped")


@cli.command("warm")
def warm() -> None:
    """Compute the report figures kept ready: the default view, and every view read in
    the last day whose figures are past half their max age (what the scheduler does a
    few at a time); then delete the figures nobody read for a week."""
    counts = refresh_figures(limit=None, seconds=None)
    click.echo(f"report figures: {counts['figures_refreshed']} computed, "
               f"{counts['figures_pruned']} unread for a week deleted")
