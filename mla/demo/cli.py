"""`flask --app wsgi demo load`: the demo data set for `make run`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mla.core.errors import ServiceError
from mla.core.transaction import unit_of_work
from mla.demo.history import DemoNotLoaded, generate_history
from mla.demo.services import has_data, load_demo, logins_file, read_demo_logins

cli = AppGroup("demo", help="Demo data for trying Comity out.")


@cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
@click.option("--history", "history", type=click.IntRange(0, 100_000), default=0,
              help="Also generate this many requests over three years (see `demo history`).")
@click.option("--seed", type=int, default=1, help="The history's random seed.")
def load_command(if_empty: bool, history: int, seed: int) -> None:
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
    if history:
        _history(history, seed)


@cli.command("history")
@click.argument("count", type=click.IntRange(1, 100_000))
@click.option("--seed", type=int, default=1, help="The same seed gives the same requests.")
def history_command(count: int, seed: int) -> None:
    """Generate COUNT fictional requests over three years, moved through the real
    workflows on a simulated clock, so the reports show something real."""
    _history(count, seed)


def _history(count: int, seed: int) -> None:
    done = 0
    try:
        while done < count:  # a transaction per hundred requests
            batch = min(100, count - done)
            with unit_of_work():
                steps = generate_history(batch, seed=seed * 1_000_003 + done)
            done += batch
            click.echo(f"{done} requests generated ({steps} steps in the last batch).")
    except DemoNotLoaded as exc:
        raise click.ClickException(f"No history generated: {exc}.") from exc
