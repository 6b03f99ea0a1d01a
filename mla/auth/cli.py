"""`flask --app wsgi users create|token` (CONTRACT.md)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from mla.auth.services import create_api_token, create_user, get_user_by_username
from mla.core.access import ROLES
from mla.core.actors import COMMAND_LINE
from mla.core.errors import ServiceError
from mla.core.transaction import unit_of_work

cli = AppGroup("users", help="Manage user accounts.")


@cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", "display_name", default="", help="Full name shown in the interface.")
@click.option("--email", default="")
def create_command(username: str, role: str, display_name: str, email: str) -> None:
    """Create USERNAME; the password is read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        with unit_of_work():
            user = create_user(COMMAND_LINE, username=username, password=password, role=role,
                               display_name=display_name, email=email)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created user {user.username} with role {user.role}.")


@cli.command("token")
@click.argument("username")
@click.option("--label", default="cli", help="What the token is for.")
@click.option("--days", default=365, show_default=True, type=click.IntRange(min=1),
              help="Days until it expires.")
def token_command(username: str, label: str, days: int) -> None:
    """Create an API token for USERNAME; the token alone is the last line printed."""
    user = get_user_by_username(username)
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    with unit_of_work():
        token, secret = create_api_token(COMMAND_LINE, user, label=label, valid_days=days)
    click.echo(f"Token {token.prefix}… for {user.username}, expires {token.expires_at:%Y-%m-%d}.")
    click.echo(secret)
