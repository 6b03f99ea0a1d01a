"""`flask --app wsgi reference load` (CONTRACT.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mla.core.transaction import unit_of_work
from mla.reference.services import load_reference_data

cli = AppGroup("reference", help="Shipped reference data.")


@cli.command("load")
def load_command() -> None:
    """Load or refresh countries, instruments and the ICCS taxonomy (idempotent)."""
    with unit_of_work():
        report = load_reference_data()
    click.echo(
        f"Reference data loaded: {report.countries} countries, "
        f"{report.instruments} instruments, {report.iccs_codes} ICCS codes."
    )
