"""`flask --app wsgi demo load`: the demo data set for `make run`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mla.core.transaction import unit_of_work
from mla.demo.services import has_data, load_demo, read_demo_logins

cli = AppGroup("demo", help="Demo data for trying Comity out.")


@cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
def load_command(if_empty: bool) -> None:
    """Load demo authorities, one account per role and a few requests."""
    if has_data():
        if not if_empty:
            raise click.ClickException("The database already holds users; demo data not loaded.")
    else:
        with unit_of_work():
            load_demo()
        click.echo("Demo data loaded.")
    logins = read_demo_logins()
    if logins:
        click.echo("\nDemo sign-ins (also in instance/demo-logins.txt):")
        for login in logins:
            click.echo(f"  {login.role:<11} user: {login.username:<11} password: {login.password}")
        click.echo("")
