"""`flask --app wsgi exchange identity|trust|export|import|confirm` (CONTRACT.md v1.1).

Standard output carries what a script reads (the identity document's JSON, the new
reference as the last line); explanations go to standard error.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from mla.audit.services import record_audit
from mla.cases.models import Case
from mla.core.actors import COMMAND_LINE
from mla.core.errors import ServiceError
from mla.core.transaction import unit_of_work
from mla.documents.models import Letterhead
from mla.exchange.identity import (
    IdentityError,
    create_local_identity,
    public_identity_document,
    readable_fingerprint,
    rotate_local_identity,
)
from mla.exchange.package import MAX_PACKAGE_BYTES, PackageRefused
from mla.exchange.services import (
    Leaving,
    confirm_imported,
    export_request,
    import_package,
    record_refusal,
    trust_counterpart,
)
from mla.extensions import db

cli = AppGroup("exchange", help="Secure exchange of requests with other central authorities.")


def _say(message: str) -> None:
    click.echo(message, err=True)


def _authority_name() -> str:
    letterhead = db.session.get(Letterhead, 1)
    return letterhead.authority_name if letterhead and letterhead.authority_name else ""


@cli.command("identity")
@click.option("--name", default="", help="The authority's name (first time: the letterhead's "
              "name, else 'Central authority').")
@click.option("--address", default="", help="The exchange address counterparts send to "
              "(https://…/exchange/v1/inbox); MLA_EXCHANGE_URL when not given.")
@click.option("--rotate", is_flag=True, help="Make new key pairs; the old public keys stay "
              "listed as retired so counterparts still verify older packages.")
def identity_command(name: str, address: str, rotate: bool) -> None:
    """Create this instance's key pairs if missing and print its public identity document."""
    try:
        identity, created = create_local_identity(
            current_app, name=name or _authority_name(), address=address)
        if rotate and not created:
            identity = rotate_local_identity(current_app)
    except IdentityError as exc:
        raise click.ClickException(str(exc)) from None
    action = "create" if created else "rotate" if rotate else ""
    if action:
        with unit_of_work():
            record_audit(COMMAND_LINE, f"exchange.identity_{action}",
                         object_type="exchange_identity", object_id=identity.authority_id,
                         signing=identity.signing_kid, encryption=identity.encryption_kid)
    _say(f"{'Created' if created else 'Rotated' if rotate else 'Existing'} exchange identity "
         f"{identity.authority_id} in {identity.path}.")
    _say(f"Signing key fingerprint:    {readable_fingerprint(identity.signing_kid)}")
    _say(f"Encryption key fingerprint: {readable_fingerprint(identity.encryption_kid)}")
    _say("Give counterparts the document below; read them the fingerprints by another way.")
    click.echo(json.dumps(public_identity_document(identity), indent=2, ensure_ascii=False))


@cli.command("trust")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def trust_command(file: Path) -> None:
    """Register (or update after a rotation) a counterpart's public identity document."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(document, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        raise click.ClickException(f"{file} does not hold a JSON identity document.") from None
    try:
        with unit_of_work():
            record = trust_counterpart(COMMAND_LINE, document)
            authority, exchange_id = record.authority.name, record.exchange_id
            signing, encryption = record.signing_fingerprint, record.encryption_fingerprint
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    _say(f"Trusted {authority} ({exchange_id}).")
    _say("Check these with the counterpart by telephone or in person:")
    _say(f"  signing:    {readable_fingerprint(signing)}")
    _say(f"  encryption: {readable_fingerprint(encryption)}")


def _case(reference: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip()))
    if case is None:
        raise click.ClickException(f"No request with the reference {reference!r}.")
    return case


@cli.command("export")
@click.argument("reference")
@click.option("--out", "out", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the package.")
@click.option("--leave-out", "left_out", multiple=True, type=int, metavar="DOCUMENT_ID",
              help="A document under a use limitation to leave out of the package.")
@click.option("--acknowledge", "reason", default="", metavar="REASON",
              help="Send documents under a use limitation anyway, for this reason.")
def export_command(reference: str, out: Path, left_out: tuple[int, ...], reason: str) -> None:
    """Write the signed, encrypted package of an approved outgoing request."""
    leaving = Leaving(left_out=frozenset(left_out), acknowledged=bool(reason), reason=reason)
    try:
        with unit_of_work():
            data = export_request(COMMAND_LINE, _case(reference), leaving)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    out.write_bytes(data)
    _say(f"Wrote {len(data)} bytes to {out}: send it to the counterpart by any channel.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Verify, decrypt and register a package as an incoming request awaiting
    confirmation; its reference is the last line printed."""
    if file.stat().st_size > MAX_PACKAGE_BYTES:
        raise click.ClickException("The file is larger than any exchange package can be.")
    data = file.read_bytes()
    try:
        with unit_of_work():
            case = import_package(COMMAND_LINE, data)
            reference, counterpart = case.reference, case.counterpart_reference
    except (PackageRefused, ServiceError) as refused:
        with unit_of_work():
            record_refusal(COMMAND_LINE, refused, channel="file", size=len(data))
        if isinstance(refused, PackageRefused):
            raise click.ClickException(f"Refused ({refused.code}): {refused.reason}") from None
        raise click.ClickException(f"Not registered: {refused.message}") from None
    _say(f"Registered the request {counterpart} as {reference}, awaiting a caseworker's "
         "confirmation.")
    click.echo(reference)


@cli.command("confirm")
@click.argument("reference")
def confirm_command(reference: str) -> None:
    """Confirm an electronically received request after checking it."""
    try:
        with unit_of_work():
            confirm_imported(COMMAND_LINE, _case(reference))
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    _say(f"{reference} confirmed.")
