"""`flask --app wsgi offences import PATH --jurisdiction CC` (CONTRACT.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from mla.core.actors import COMMAND_LINE
from mla.core.transaction import unit_of_work
from mla.dualcrim.catalogue import (
    CatalogueImportError,
    import_catalogue,
    known_iccs_codes,
    parse_catalogue,
)

cli = AppGroup("offences", help="Offence catalogues for the dual-criminality check.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jurisdiction", "-j", required=True, help="ISO 3166-1 alpha-2 code.")
def import_command(path: Path, jurisdiction: str) -> None:
    """Replace a jurisdiction's catalogue with a CSV file; all-or-nothing."""
    try:
        with unit_of_work():
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = parse_catalogue(handle, known_iccs_codes())
            with click.progressbar(length=len(rows), label="Importing offences",
                                   file=sys.stderr) as bar:
                catalogue = import_catalogue(COMMAND_LINE, jurisdiction, rows,
                                             source_name=path.name, progress=bar.update)
            count, code = catalogue.offence_count, catalogue.jurisdiction
    except CatalogueImportError as exc:
        for error in exc.errors:
            click.echo(f"{path.name}: {error}", err=True)
        raise click.ClickException(f"{exc.message} Nothing was imported.") from None
    except UnicodeDecodeError:
        raise click.ClickException(
            f"{path.name}: the file is not UTF-8. Nothing was imported.") from None
    except Exception as exc:  # a ServiceError such as an unknown country
        message = getattr(exc, "message", None)
        if message is None:
            raise
        raise click.ClickException(f"{message} Nothing was imported.") from None
    click.echo(f"Imported {count} offences for {code}.")
