"""`flask --app wsgi audit verify` (CONTRACT.md v1.1): exit 0 when the chain is intact,
1 naming the first broken entry otherwise."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from mla.audit.chain import verify
from mla.audit.models import AuditEntry
from mla.extensions import db

cli = AppGroup("audit", help="The audit trail.")


@cli.command("verify")
def verify_command() -> None:
    """Check the audit trail's hash chain from the first entry to the last."""
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)
                              .execution_options(yield_per=1000))
    try:
        count, broken = verify(rows)
    finally:
        rows.close()  # a server-side cursor on PostgreSQL, left open by an early stop
    if broken is not None:
        click.echo(f"Audit trail BROKEN at entry {broken.entry_id}: {broken.reason}. "
                   f"{count - 1} entries before it are intact.", err=True)
        raise SystemExit(1)
    click.echo(f"Audit trail intact: {count} entries, every link checked.")
