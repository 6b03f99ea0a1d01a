"""`flask persons reindex`: rebuild the persons' token index from the encrypted values."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mla.extensions import db
from mla.persons.services import rebuild_person_index

cli = AppGroup("persons", help="The persons' search index.")


@cli.command("reindex")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10000))
def reindex_command(batch_size: int) -> None:
    """Compute every person's name, date-of-birth and identifier tokens again under the
    key ring's blind-index key (after `flask db upgrade` created the index, or after the
    blind-index key changed)."""
    count = rebuild_person_index(batch_size=batch_size)
    db.session.commit()
    click.echo(f"Indexed {count} persons.")
