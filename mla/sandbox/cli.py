"""`flask --app wsgi sandbox ...`: load a pack, reset, create a class, move the clock."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import inspect

from mla.auth.services import create_user, get_user_by_username, set_password
from mla.core import clock
from mla.core.actors import COMMAND_LINE
from mla.core.errors import ApiError
from mla.core.transaction import unit_of_work
from mla.core.zones import UTC_NAME, home_zone_name
from mla.extensions import db
from mla.sandbox.counterpart import run_sandbox_pass
from mla.sandbox.export import export_pack
from mla.sandbox.models import SandboxState
from mla.sandbox.pack import available_packs, read_pack, resolve_pack
from mla.sandbox.scenario import load_pack, reset_scenario
from mla.sandbox.services import accounts_csv, advance_clock, create_class_accounts
from mla.settings import current_settings

cli = AppGroup("sandbox", help="Training sandbox (MLA_MODE=sandbox only).")


def _require_sandbox() -> None:
    if not current_settings().is_sandbox:
        raise click.ClickException(
            "This is not a sandbox instance (MLA_MODE is not 'sandbox'); the sandbox "
            "commands would change real data and refuse to run.")
    if not inspect(db.session.connection()).has_table("sandbox_state"):
        db.session.rollback()
        raise click.ClickException(
            "The database has no sandbox tables: run `flask --app wsgi db upgrade` first.")
    db.session.rollback()


def simulated_time(now: datetime) -> str:
    """The simulated instant as the trainer's pages read it: in the instance's home
    zone, named, with UTC beside it ("2026-12-24 14:30 CET (13:30 UTC)"). A zone without
    a lettered abbreviation (tzdata's "-05") is named by its IANA name."""
    utc = now.astimezone(UTC)
    zone = home_zone_name()
    if zone == UTC_NAME:
        return f"{utc:%Y-%m-%d %H:%M} UTC"
    local = utc.astimezone(ZoneInfo(zone))
    abbreviation = local.tzname() or ""
    name = abbreviation if abbreviation.isascii() and abbreviation.isalpha() else zone
    beside = f"{utc:%H:%M}" if utc.date() == local.date() else f"{utc:%Y-%m-%d %H:%M}"
    return f"{local:%Y-%m-%d %H:%M} {name} ({beside} UTC)"


def _fail(exc: ApiError) -> click.ClickException:
    problems = getattr(exc, "problems", None) or getattr(exc, "errors", None) or []
    return click.ClickException("\n".join([exc.message, *[f"  {p}" for p in problems]]))


@cli.command("load")
@click.argument("pack")
@click.option("--if-empty", is_flag=True,
              help="Do nothing when a scenario is already loaded (keeps the class's work).")
@click.option("--trainer", "trainer_name", default="",
              help="Also create this trainer account (supervisor) and print its password.")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Keep the new trainer's password in this file (owner-only).")
def load_command(pack: str, if_empty: bool, trainer_name: str,
                 password_file: Path | None) -> None:
    """Wipe the training data and load PACK (a name under scenarios/ or a folder)."""
    _require_sandbox()

    state = db.session.get(SandboxState, 1)
    if if_empty and state is not None and state.pack:
        click.echo(f"Scenario {state.pack!r} is already loaded; nothing changed "
                   "(`sandbox reset` starts it over).")
    else:
        try:
            with unit_of_work():
                loaded = load_pack(COMMAND_LINE, pack)
        except ApiError as exc:
            raise _fail(exc) from None
        later = sum(1 for r in loaded.requests if loaded.arrives_at(r) is not None)
        click.echo(f"Loaded {loaded.name!r}: {len(loaded.requests) - later} requests, "
                   f"{len(loaded.exercises)} exercises; "
                   + (f"{later} more arriving during the exercise; " if later else "")
                   + f"simulated clock at {simulated_time(clock.now())}.")
    if trainer_name:
        _trainer(trainer_name, reset_password=False, keep=password_file)


def _trainer(username: str, *, reset_password: bool, keep: Path | None = None) -> None:
    user = get_user_by_username(username)
    if user is not None and not reset_password:
        where = f"it is kept in {keep}; " if keep is not None and keep.is_file() else ""
        click.echo(f"Trainer account {user.username!r} exists ({where}"
                   "`sandbox trainer USERNAME --reset-password` sets a new one).")
        return
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    try:
        with unit_of_work():
            if user is None:
                user = create_user(COMMAND_LINE, username=username, password=password,
                                   role="supervisor", display_name="Trainer")
            else:
                set_password(COMMAND_LINE, user, password)
    except ApiError as exc:
        raise _fail(exc) from None
    if keep is None:
        click.echo(f"Trainer login: {user.username} / {password}  (shown once)")
        return
    keep.parent.mkdir(parents=True, exist_ok=True)
    keep.touch(mode=0o600, exist_ok=True)
    keep.chmod(0o600)  # readable by its owner only
    keep.write_text(f"{user.username}\n{password}\n", encoding="utf-8")
    click.echo(f"Trainer login: {user.username} / {password}  (kept in {keep})")


@cli.command("trainer")
@click.argument("username")
@click.option("--reset-password", is_flag=True, help="Give an existing trainer a new password.")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also keep the password in this file (owner-only), as `make sandbox` does.")
def trainer_command(username: str, reset_password: bool, password_file: Path | None) -> None:
    """Create a trainer account (supervisor) and print its password."""
    _require_sandbox()
    _trainer(username, reset_password=reset_password, keep=password_file)


@cli.command("reset")
def reset_command() -> None:
    """Back to the loaded scenario's start: requests, messages and results wiped."""
    _require_sandbox()

    try:
        with unit_of_work():
            pack = reset_scenario(COMMAND_LINE)
    except ApiError as exc:
        raise _fail(exc) from None
    click.echo(f"Reset to the start of {pack.name!r} ({simulated_time(clock.now())}).")


@cli.command("class")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the accounts and passwords to this CSV (mode 0600) instead of "
                   "printing them.")
def class_command(path: Path, output: Path | None) -> None:
    """Create an account for each line of PATH (username,display_name[,role])."""
    _require_sandbox()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text.") from None
    try:
        with unit_of_work():
            accounts, _token = create_class_accounts(COMMAND_LINE, text)
    except ApiError as exc:
        raise _fail(exc) from None
    table = accounts_csv(accounts)
    if output is None:
        click.echo(table, nl=False)
        click.echo(f"{len(accounts)} accounts created; the passwords above are shown once.",
                   err=True)
        return
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(table)
    click.echo(f"{len(accounts)} accounts created; passwords written to {output}.")


@cli.command("clock")
@click.option("--days", default=0, type=click.IntRange(0, 366))
@click.option("--hours", default=0, type=click.IntRange(0, 23))
def clock_command(days: int, hours: int) -> None:
    """Show the simulated clock, or advance it and run one pass (deadlines, counterpart)."""
    _require_sandbox()

    if days or hours:
        try:
            with unit_of_work():
                advance_clock(COMMAND_LINE, days=days, hours=hours)
        except ApiError as exc:
            raise _fail(exc) from None
        report = run_sandbox_pass(current_app._get_current_object())  # type: ignore[attr-defined]
        click.echo(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in report.items()))
    db.session.rollback()
    click.echo(f"Simulated time: {simulated_time(clock.now())}")


@cli.command("packs")
def packs_command() -> None:
    """List the shipped scenario packs."""
    for name in available_packs():
        try:
            pack = read_pack(resolve_pack(name))
            click.echo(f"{name}\t{pack.title}")
        except ApiError as exc:
            click.echo(f"{name}\t(cannot be loaded: {exc.message})")


@cli.command("export-pack")
@click.argument("reference")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the pack skeleton to (created; must be empty).")
def export_pack_command(reference: str, out: Path) -> None:
    """Export a CLOSED request as a pack skeleton with fictional people, states and
    dates (runs on any instance; docs/sandbox.md). Audited."""
    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} is not empty; give a new folder.")
    try:
        with unit_of_work():
            exported = export_pack(COMMAND_LINE, reference)
    except ApiError as exc:
        raise _fail(exc) from None
    out.mkdir(parents=True, exist_ok=True)
    for name, text in exported.files.items():
        (out / name).write_text(text, encoding="utf-8")
    for note in exported.notes:
        click.echo(note)
    click.echo(f"Wrote a pack skeleton for {exported.reference} to {out}: read its texts, "
               f"then `flask --app wsgi sandbox load {out}` in a sandbox.")
