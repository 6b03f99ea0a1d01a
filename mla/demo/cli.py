"""`flask --app wsgi demo load`: the demo data set for `make run`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mla.core.errors import ServiceError
from mla.core.transaction import unit_of_work
from mla.demo.services import has_data, load_demo, logins_file, read_demo_logins

cli = AppGroup("demo", help="Demo data for trying Comity out.")


@cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
def load_command(if_empty: bool) -> None:
    """Load demo authorities, one account per role and a few requests."""
    if has_data():
        if not if_empty:
            raise click.ClickException("The database already holds users; demo data not loaded.")
    else:
        try:
            with unit_of_work():
                load_demo()
        except ServiceError as exc:  # e.g. reference data not loaded yet
            raise click.ClickException(
                f"Demo data not loaded: {exc.message} "
                "(run `flask reference load` first).") from exc
        click.echo("Demo data loaded.")
    logins = read_demo_logins()
    if logins:
        click.echo(f"\nDemo sign-ins (also in {logins_file()}):")
        for login in logins:
            click.echo(f"  {login.role:<11} user: {login.username:<11} password: {login.password}")
        click.echo("")
