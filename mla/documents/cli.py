"""`flask --app mla documents copy --to STORE`: move an instance between document stores."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mla.core.transaction import unit_of_work
from mla.documents.storage import copy_content
from mla.settings import DOCUMENT_STORES

cli = AppGroup("documents", help="Stored document content.")


@cli.command("copy")
@click.option("--to", "to_store", required=True, type=click.Choice(DOCUMENT_STORES),
              help="The store to fill from the other one.")
def copy_command(to_store: str) -> None:
    """Copy every document's encrypted content into the store TO (unchanged, checked
    first); the other store is left as it is. Then set MLA_DOCUMENT_STORE=TO."""
    with unit_of_work():
        report = copy_content(to_store)
    click.echo(f"{report.copied} copied, {report.already_there} already there.")
    if not report.complete:
        raise click.ClickException(
            f"missing from both stores: {report.missing or 'none'}; "
            f"not opening with this key ring or damaged: {report.damaged or 'none'} "
            "(document ids).")
