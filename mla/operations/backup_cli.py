"""`flask backup create DIR`, `backup verify DIR`, `backup restore DIR [--force]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from mla.operations.backup import BackupError, create_backup, restore_backup, verify_backup
from mla.settings import current_settings

cli = AppGroup("backup", help="Back the instance up and restore it (README, Operations).")

_DIRECTORY = click.Path(file_okay=False, path_type=Path)


@cli.command("create")
@click.argument("directory", type=_DIRECTORY)
def create_command(directory: Path) -> None:
    """Back up the database (and document files) into DIRECTORY, new or empty.
    The key ring is not included: back it up separately."""
    try:
        manifest = create_backup(directory)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {directory}: {manifest.database} database at revision "
               f"{manifest.alembic_revision}, {len(manifest.files)} files, checksums in "
               "manifest.json.")
    click.echo(
        f"The key ring is NOT in this backup. Back up {current_settings().key_ring_source} "
        "separately, somewhere the database backups are not (keys "
        f"{', '.join(map(str, manifest.key_ids)) or 'none'} are needed to read this one).")


@cli.command("verify")
@click.argument("directory", type=_DIRECTORY)
def verify_command(directory: Path) -> None:
    """Check a backup's manifest and every file's checksum."""
    try:
        manifest = verify_backup(directory)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{directory}: complete, {len(manifest.files)} files match their checksums.")


@cli.command("restore")
@click.argument("directory", type=_DIRECTORY)
@click.option("--force", is_flag=True,
              help="Replace what the configured database (and document folder) holds.")
def restore_command(directory: Path, force: bool) -> None:
    """Restore DIRECTORY into the configured database, which must be empty (or --force).
    The configured key ring must be the one the backup's data is sealed with."""
    try:
        report = restore_backup(directory, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {directory} ({report.manifest.database}, made "
               f"{report.manifest.created_at}, {report.documents} document files).")
    if report.needs_upgrade:
        click.echo("The backup's schema is older than this version: run "
                   "`flask db upgrade` before starting the servers.")
