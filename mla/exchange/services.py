"""Exchange with another central authority: trust, export, import, confirmation.

Services take an explicit actor and flush; the caller commits (CLI: unit_of_work; web:
the request boundary). A refused package writes nothing but its audit entry, which the
caller records in a transaction of its own (``record_refusal``) after rolling back.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.cases.models import Case, Person
from mla.cases.services import (
    CaseInput,
    OffenceInput,
    PersonInput,
    add_event,
    register_case,
)
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.directory.models import Authority
from mla.directory.services import AuthorityInput, save_authority
from mla.documents.models import Document, DocumentType
from mla.documents.services import Upload, document_content, store_document
from mla.documents.signals import leaving_warnings
from mla.exchange.identity import (
    CounterpartKeys,
    IdentityError,
    LocalIdentity,
    counterpart_from_document,
    load_local_identity,
)
from mla.exchange.models import CounterpartIdentity, Direction, ExchangeMessage, MessageStatus
from mla.exchange.package import (
    OpenedPackage,
    PackageDocument,
    PackageRefused,
    new_message_id,
    open_package,
    seal,
)
from mla.extensions import db
from mla.reference.services import known_country
from mla.treaties.models import Treaty
from mla.workflow.registry import definition_for_case

log = logging.getLogger(__name__)

REQUEST_SCHEMA = "comity-request/1"
# The workflow step that sends a request: a request may be exported from a state it
# leaves from (approved and signed, in the shipped workflows).
SEND_STEP = "transmit"
# Documents that travel with a request (not the authority's own decisions or letters).
SENT_DOCUMENT_TYPES = frozenset({DocumentType.REQUEST, DocumentType.ANNEX,
                                 DocumentType.TRANSLATION, DocumentType.SUPPLEMENTARY,
                                 DocumentType.EVIDENCE})


# -- identity and trust --------------------------------------------------------------
def local_identity() -> LocalIdentity | None:
    return load_local_identity(current_app)


def _require_identity() -> LocalIdentity:
    identity = local_identity()
    if identity is None:
        raise ServiceError(_("This authority has no exchange identity yet: create it with "
                             "`flask exchange identity`."), code="no_identity")
    return identity


def counterpart_record(exchange_id: str) -> CounterpartIdentity | None:
    return db.session.scalar(select(CounterpartIdentity).where(
        CounterpartIdentity.exchange_id == exchange_id))


def counterpart_of_authority(authority_id: int | None) -> CounterpartIdentity | None:
    if authority_id is None:
        return None
    return db.session.scalar(select(CounterpartIdentity).where(
        CounterpartIdentity.authority_id == authority_id))


def counterpart_keys(exchange_id: str) -> CounterpartKeys | None:
    """A trusted counterpart's public keys by its exchange id (None: not trusted)."""
    record = counterpart_record(exchange_id)
    if record is None:
        return None
    try:
        return counterpart_from_document(record.document)
    except IdentityError:
        log.error("the registered identity of %s does not read", exchange_id)
        return None


def trust_counterpart(actor: Actor, document: dict[str, Any]) -> CounterpartIdentity:
    """Register (or update after a rotation) a counterpart's public identity document,
    on the directory's authority of that name and country (created when missing)."""
    try:
        keys = counterpart_from_document(document)
    except IdentityError as exc:
        raise ServiceError(_("This is not a usable identity document: %(problem)s.",
                             problem=str(exc)), code="invalid") from None
    own = local_identity()
    if own is not None and own.authority_id == keys.authority_id:
        raise ServiceError(_("This is this authority's own identity, not a counterpart's."),
                           code="invalid")
    if known_country(keys.country) is None:
        raise ServiceError(_("Unknown country code %(code)r.", code=keys.country),
                           code="invalid")
    record = counterpart_record(keys.authority_id)
    is_new = record is None
    if record is None:
        record = CounterpartIdentity(exchange_id=keys.authority_id,
                                     authority=_directory_authority(actor, keys))
        db.session.add(record)
    previous = record.signing_fingerprint if not is_new else ""
    record.address = keys.address
    record.signing_fingerprint = keys.signing_fingerprint
    record.encryption_fingerprint = keys.encryption_fingerprint
    record.valid_from = keys.valid_from
    record.document = dict(document)
    record.updated_at = now()
    authority = record.authority
    if "electronic" not in (authority.channels or []):
        authority.channels = [*(authority.channels or []), "electronic"]
    db.session.flush()
    record_audit(actor, "exchange.trust" if is_new else "exchange.trust_update",
                 object_type="authorities", object_id=authority.id,
                 exchange_id=keys.authority_id, signing=keys.signing_fingerprint,
                 encryption=keys.encryption_fingerprint, previous_signing=previous)
    return record


def _directory_authority(actor: Actor, keys: CounterpartKeys) -> Authority:
    found = db.session.scalar(select(Authority).where(
        Authority.country_code == keys.country, Authority.kind == "central_authority",
        db.func.lower(Authority.name) == keys.name.lower()))
    if found is not None and counterpart_of_authority(found.id) is None:
        return found
    return save_authority(actor, AuthorityInput(
        name=keys.name, country_code=keys.country, kind="central_authority",
        channels=["electronic"],
        notes=_("Registered from its exchange identity (%(id)s).", id=keys.authority_id)))


# -- what a request carries ----------------------------------------------------------
def request_body(case: Case) -> dict[str, Any]:
    """The fields another central authority needs to register the request (UNTOC art.
    18(15): the authority making it, subject and nature, summary of facts, assistance
    sought, persons concerned, purpose and the legal basis)."""
    domestic = case.domestic_authority
    return {
        "schema": REQUEST_SCHEMA,
        "reference": case.reference,
        "kind": case.kind,
        "legal_basis": case.legal_basis,
        "treaty": _treaty_name(case),
        "title": case.title,
        "summary": case.summary,
        "is_urgent": case.is_urgent,
        "urgency_reason": case.urgency_reason,
        "your_reference": case.counterpart_reference,
        "requesting_authority": {"name": domestic.name if domestic else "",
                                 "reference": case.domestic_reference},
        "registered_at": case.created_at.isoformat(timespec="seconds"),
        "offences": [{"label": o.label, "statute": o.statute,
                      "max_penalty_months": o.max_penalty_months,
                      "iccs": list(o.iccs_codes or []), "conduct": o.conduct}
                     for o in case.offences],
        "measures": [{"code": m.code, "details": m.details} for m in case.measures],
        "persons": [_person(p) for p in case.persons],
    }


def _treaty_name(case: Case) -> str:
    treaty = db.session.get(Treaty, case.treaty_id) if case.treaty_id else None
    return treaty.name if treaty else ""


def _person(person: Person) -> dict[str, Any]:
    values = {name: str(value) for name, value in person.decrypted().items()}
    return dict(values, role=person.role, is_in_custody=person.is_in_custody)


def sent_documents(case: Case) -> list[Document]:
    """The documents a package of the request carries."""
    return list(db.session.scalars(select(Document).where(
        Document.case_id == case.id, Document.doc_type.in_(SENT_DOCUMENT_TYPES))
        .order_by(Document.created_at, Document.id)))


def _package_documents(documents: list[Document]) -> list[PackageDocument]:
    return [PackageDocument(name=d.filename, media_type=d.content_type,
                            content=document_content(d), kind=str(d.doc_type),
                            language=d.language or "")
            for d in documents]


# -- documents under a use limitation (UNTOC art. 18(19)/(20)) -------------------------
@dataclass(frozen=True)
class Leaving:
    """The caseworker's answer to the warnings on documents about to leave: documents
    left out of the package, or the limitations acknowledged with a reason."""

    left_out: frozenset[int] = frozenset()
    acknowledged: bool = False
    reason: str = ""


_leaving: ContextVar[Leaving | None] = ContextVar("exchange_leaving", default=None)


@contextmanager
def leaving_as(choice: Leaving) -> Iterator[None]:
    """The answer the transmit step's sealing reads (the step's fields cannot carry it)."""
    token = _leaving.set(choice)
    try:
        yield
    finally:
        _leaving.reset(token)


def limited_documents(case: Case) -> list[tuple[Document, list[str]]]:
    """The package's documents someone warns about before they leave, with the warnings."""
    documents = sent_documents(case)
    warnings = leaving_warnings(case, documents, "exchange")
    return [(d, warnings[d.id]) for d in documents if d.id in warnings]


def _cleared_documents(case: Case, choice: Leaving) -> tuple[list[Document], dict[int, list[str]]]:
    """The documents that go, once the caseworker has read every warning: ServiceError
    (409, code ``use_limited``) while a warned document goes unacknowledged."""
    documents = [d for d in sent_documents(case) if d.id not in choice.left_out]
    warnings = leaving_warnings(case, documents, "exchange")
    if warnings and not choice.acknowledged:
        sentences = [w for d in documents for w in warnings.get(d.id, [])]
        raise ServiceError(" ".join([_(
            "A document of this request is under a use limitation: acknowledge the "
            "limitation with a reason, or leave the document out."), *sentences]),
            code="use_limited", status=409,
            details={"documents": sorted(warnings), "blocked_by": sentences})
    if warnings and not choice.reason.strip():
        raise ServiceError(_("Say why the document is used although it is limited (for "
                             "example: consent received on a date)."),
                           code="invalid", details={"field": "reason"})
    return documents, warnings


# -- export --------------------------------------------------------------------------
@dataclass(frozen=True)
class SealedRequest:
    data: bytes
    message: ExchangeMessage
    counterpart: CounterpartIdentity


def may_send(case: Case) -> str | None:
    """Why the request may not be sent yet (None: it may)."""
    if case.direction != "outgoing":
        return _("Only an outgoing request is sent to a counterpart; %(reference)s is "
                 "incoming.", reference=case.reference)
    workflow = definition_for_case(case)
    step = workflow.transition(SEND_STEP)
    if step is None or case.state not in step.sources:
        ready = ", ".join(workflow.label_of(s) for s in (step.sources if step else ()))
        return _("%(reference)s may not be sent yet: it is “%(state)s”; a request is sent "
                 "once it is approved (%(ready)s).", reference=case.reference,
                 state=workflow.label_of(case.state), ready=ready or "-")
    if case.counterpart_authority_id is None:
        return _("%(reference)s names no counterpart authority: choose the requested "
                 "state's central authority first.", reference=case.reference)
    if counterpart_of_authority(case.counterpart_authority_id) is None:
        return _("%(authority)s is not a trusted exchange counterpart: register its identity "
                 "document with `flask exchange trust` after checking its fingerprint.",
                 authority=case.counterpart_authority.name)
    if local_identity() is None:
        return _("This authority has no exchange identity yet: create it with "
                 "`flask exchange identity`.")
    return None


def seal_request(actor: Actor, case: Case, *, check: bool = True,
                 leaving: Leaving | None = None) -> SealedRequest:
    """The request's package for its counterpart, recorded as an outgoing message.

    Sealing the same request again keeps its message id, so the counterpart registers it
    once however many copies arrive. ``check=False`` skips the state check (the
    transport seals inside the step that leaves that state). A document under a use
    limitation goes only if ``leaving`` (or ``leaving_as``) acknowledges it or leaves it
    out."""
    reason = may_send(case) if check else None
    if reason is not None:
        raise ServiceError(reason, code="not_sendable")
    choice = leaving or _leaving.get() or Leaving()
    documents, warned = _cleared_documents(case, choice)
    identity = _require_identity()
    record = counterpart_of_authority(case.counterpart_authority_id)
    if record is None:
        raise ServiceError(_("The counterpart is not a trusted exchange counterpart."),
                           code="not_sendable")
    keys = counterpart_keys(record.exchange_id)
    if keys is None:
        raise ServiceError(_("The counterpart's registered identity cannot be read: register "
                             "it again."), code="not_sendable")
    message = db.session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.case_id == case.id, ExchangeMessage.direction == Direction.OUTGOING,
        ExchangeMessage.kind == "request", ExchangeMessage.counterpart == keys.authority_id))
    message_id = message.message_id if message is not None else new_message_id()
    issued = now()
    data = seal("request", request_body(case), _package_documents(documents), sender=identity,
                recipient=keys, message_id=message_id)
    digest = hashlib.sha256(data).hexdigest()
    if message is None:
        message = ExchangeMessage(message_id=message_id, direction=Direction.OUTGOING,
                                  kind="request", counterpart=keys.authority_id,
                                  case_id=case.id, status=MessageStatus.SEALED)
        db.session.add(message)
    message.package_sha256 = digest
    message.issued_at = issued
    db.session.flush()
    limited: dict[str, Any] = {"left_out": sorted(choice.left_out), "limited_sent": sorted(warned)}
    # The caseworker's words may name a person (whose consent, given when): sealed with the
    # timeline entry; the audit keeps only that a reason was given, and its length.
    reason = choice.reason.strip() if warned else ""
    add_event(case, actor, "exchange", data={
        "label": "Sealed for electronic transmission", "action": "sealed",
        "message_id": message_id, "counterpart": keys.authority_id, **limited},
        sealed_values=json.dumps({"reason": reason}, ensure_ascii=False) if reason else None)
    record_audit(actor, "exchange.seal", case, message_id=message_id,
                 counterpart=keys.authority_id, sha256=digest, **limited,
                 reason_given=bool(reason), reason_length=len(reason))
    return SealedRequest(data=data, message=message, counterpart=record)


def export_request(actor: Actor, case: Case, leaving: Leaving | None = None) -> bytes:
    """The signed, encrypted package of an approved outgoing request (ServiceError with
    the reason when it may not be sent yet, or a limited document is not answered for)."""
    return seal_request(actor, case, leaving=leaving).data


# -- import --------------------------------------------------------------------------
def is_seen(message_id: str) -> bool:
    return db.session.scalar(select(ExchangeMessage.id).where(
        ExchangeMessage.direction == Direction.INCOMING,
        ExchangeMessage.message_id == message_id)) is not None


def open_received(data: bytes, *, at: datetime | None = None) -> OpenedPackage:
    """Verify and decrypt a package addressed to us (PackageRefused saying why).
    Nothing is written."""
    identity = local_identity()
    if identity is None:
        raise PackageRefused("wrong_recipient", _(
            "This authority has no exchange identity yet, so no package can be addressed "
            "to it."))
    return open_package(data, local=identity, counterparts=counterpart_keys,
                        already_seen=is_seen, now=at)


def record_incoming(opened: OpenedPackage, data: bytes, *, case: Case | None,
                    status: MessageStatus, in_reply_to: str = "",
                    details: dict[str, Any] | None = None) -> ExchangeMessage:
    """Remember a message received (its id against replay); the transport's receipts and
    status updates use it too."""
    message = ExchangeMessage(
        message_id=opened.message_id, direction=Direction.INCOMING, kind=opened.kind,
        counterpart=opened.sender, case_id=case.id if case else None, status=status,
        package_sha256=hashlib.sha256(data).hexdigest(), in_reply_to=in_reply_to,
        issued_at=opened.issued_at, data=details or {})
    db.session.add(message)
    db.session.flush()
    return message


def import_package(actor: Actor, data: bytes) -> Case:
    """Verify, decrypt and register a request package as an incoming request awaiting a
    caseworker's confirmation. Raises PackageRefused (nothing written: record it with
    ``record_refusal`` after rolling back) or ServiceError (the request does not fit)."""
    opened = open_received(data)
    if opened.kind != "request":
        raise PackageRefused("malformed", _(
            "This package is a %(kind)s, not a request: it is taken by the exchange "
            "endpoint, not imported.", kind=opened.kind))
    return register_request(actor, opened, data)


def register_request(actor: Actor, opened: OpenedPackage, data: bytes) -> Case:
    body = opened.body
    if body.get("schema") != REQUEST_SCHEMA:
        raise PackageRefused("malformed", _("The request in this package is in a format this "
                                            "version of Comity does not read."))
    record = counterpart_record(opened.sender)
    if record is None:  # checked by open_package; trust may have been withdrawn meanwhile
        raise PackageRefused("unknown_sender")
    try:
        case_input = _case_input(body, record)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise PackageRefused("malformed", _("The request in this package lacks fields or "
                                            "has values of the wrong type.")) from None
    case = register_case(actor, case_input)
    details = {m.code: str(m_in.get("details", "")) for m in case.measures
               for m_in in body.get("measures", []) if m_in.get("code") == m.code}
    for measure in case.measures:
        measure.details = details.get(measure.code, "")[:5000]
    for document in opened.documents:
        _attach(actor, case, document)
    message = record_incoming(opened, data, case=case,
                              status=MessageStatus.AWAITING_CONFIRMATION)
    add_event(case, actor, "exchange", data={
        "label": "Received electronically, awaiting confirmation", "action": "received",
        "message_id": message.message_id, "counterpart": opened.sender,
        "documents": len(opened.documents)})
    record_audit(actor, "exchange.import", case, message_id=message.message_id,
                 sender=opened.sender, sha256=message.package_sha256,
                 documents=len(opened.documents))
    return case


def _case_input(body: dict[str, Any], record: CounterpartIdentity) -> CaseInput:
    def text(value: Any, limit: int) -> str:
        return str(value or "").strip()[:limit]

    requesting = body.get("requesting_authority") or {}
    summary = text(body.get("summary"), 20000)
    if requesting.get("name"):
        summary = _("Requesting authority: %(name)s (reference %(ref)s)",
                    name=text(requesting["name"], 200),
                    ref=text(requesting.get("reference"), 100) or "-") + "\n\n" + summary
    return CaseInput(
        direction="incoming", kind=str(body["kind"]),
        counterpart_country=record.authority.country_code,
        counterpart_authority_id=record.authority_id,
        legal_basis=str(body["legal_basis"]), title=text(body["title"], 300),
        counterpart_reference=text(body["reference"], 100),
        summary=summary.strip(), is_urgent=bool(body.get("is_urgent")),
        urgency_reason=text(body.get("urgency_reason"), 300),
        offences=[OffenceInput(
            label=text(o["label"], 200), statute=text(o.get("statute"), 200),
            max_penalty_months=(int(o["max_penalty_months"])
                                if o.get("max_penalty_months") is not None else None),
            iccs=[str(c) for c in o.get("iccs", [])], conduct=text(o.get("conduct"), 20000))
            for o in body.get("offences", [])],
        measures=[str(m["code"]) for m in body.get("measures", [])],
        persons=[PersonInput(
            role=str(p["role"]), full_name=text(p["full_name"], 300),
            date_of_birth=text(p.get("date_of_birth"), 40),
            nationality=text(p.get("nationality"), 200),
            identifiers=text(p.get("identifiers"), 1000), address=text(p.get("address"), 1000),
            is_in_custody=bool(p.get("is_in_custody"))) for p in body.get("persons", [])],
    )


def _attach(actor: Actor, case: Case, item: PackageDocument) -> Document:
    document = store_document(actor, case, Upload(filename=item.name, data=item.content))
    kinds = {t.value for t in DocumentType}
    document.doc_type = DocumentType(item.kind if item.kind in kinds else "annex")
    document.language = item.language[:8]
    return document


# -- confirmation --------------------------------------------------------------------
def awaiting_confirmation(case: Case) -> ExchangeMessage | None:
    """The electronically received request message of ``case`` not yet confirmed."""
    return db.session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.case_id == case.id, ExchangeMessage.direction == Direction.INCOMING,
        ExchangeMessage.kind == "request",
        ExchangeMessage.status == MessageStatus.AWAITING_CONFIRMATION))


def request_messages(case: Case) -> list[ExchangeMessage]:
    """The request packages ``case`` travelled in (sent or received), oldest first; none
    for a request registered by hand."""
    return list(db.session.scalars(select(ExchangeMessage).where(
        ExchangeMessage.case_id == case.id, ExchangeMessage.kind == "request")
        .order_by(ExchangeMessage.id)))


def received_request(case: Case) -> ExchangeMessage | None:
    """The package ``case`` came in, confirmed or not (None: registered by hand)."""
    return db.session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.case_id == case.id, ExchangeMessage.direction == Direction.INCOMING,
        ExchangeMessage.kind == "request"))


def confirm_imported(actor: Actor, case: Case) -> ExchangeMessage:
    """A caseworker has checked the pre-filled request and its documents: the request
    goes on through its workflow (until then its first step is held back)."""
    message = awaiting_confirmation(case)
    if message is None:
        raise ServiceError(_("%(reference)s is not waiting for confirmation.",
                             reference=case.reference), code="not_available")
    message.status = MessageStatus.CONFIRMED
    message.confirmed_at = now()
    message.confirmed_by_id = getattr(actor, "id", None)
    case.updated_at = message.confirmed_at
    add_event(case, actor, "exchange", data={
        "label": "Electronic receipt confirmed", "action": "confirmed",
        "message_id": message.message_id})
    record_audit(actor, "exchange.confirm", case, message_id=message.message_id)
    db.session.flush()
    return message


# -- refusals ------------------------------------------------------------------------
def record_refusal(actor: Actor | None, refused: PackageRefused | ServiceError, *,
                   channel: str, size: int = 0) -> None:
    """Audit (and log) a refused package; no personal data: the code, the sender's and
    message's ids where they could be read, the channel and the size."""
    code = refused.code if isinstance(refused, PackageRefused) else "unprocessable"
    sender = getattr(refused, "sender", "")
    message_id = getattr(refused, "message_id", "")
    log.warning("exchange package refused (%s) from %s, message %s, channel %s",
                code, sender or "an unknown sender", message_id or "unknown", channel)
    record_audit(actor, "exchange.refused", object_type="exchange_package",
                 object_id=message_id[:100], code=code, sender=sender[:80], channel=channel,
                 size=size)
