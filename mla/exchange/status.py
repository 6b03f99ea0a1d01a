"""Status updates between the two central authorities of one request, and receipts.

Each side's steps send a *status* package to the other (workflow effects named in the
workflow files, so the steps stay data): the requested state acknowledges, asks for
supplementary information, reports execution or refuses; the requesting state answers
a request for information. What arrives is registered on the request it answers and
waits for a caseworker: confirming it takes the matching step of their own workflow
(or, when the request has already moved on, only notes it).

Which step a status leads to on the receiving side is the table ``STATUSES`` below:
the steps are named in the shipped workflows (outgoing_mla, incoming_mla and their
extradition twins), and a status whose step the request's workflow lacks is noted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.cases.models import Case, CaseEvent
from mla.cases.services import add_event
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.documents.models import Document, DocumentType
from mla.documents.services import Upload, document_content, store_document
from mla.exchange import transport
from mla.exchange.hooks import step_requests
from mla.exchange.models import Direction, ExchangeMessage, MessageStatus
from mla.exchange.package import OpenedPackage, PackageDocument, new_message_id, seal
from mla.exchange.services import (
    counterpart_keys,
    counterpart_record,
    local_identity,
    record_incoming,
    seal_request,
)
from mla.extensions import db
from mla.notifications.services import assignee_recipients, notify_users
from mla.workflow.hooks import NO_ARGUMENT, Argument, TransitionContext, effect
from mla.workflow.registry import definition_for_case
from mla.workflow.services import apply_transition

STATUS_SCHEMA = "comity-status/1"
EXCHANGE_ACTOR = transport.EXCHANGE_ACTOR


@dataclass(frozen=True)
class StatusKind:
    """A status one side sends and what the other side's confirmation does with it."""

    code: str
    label: Any                      # for the timeline: what the counterpart did
    banner: Any                     # for the banner: what confirming does
    sent_by: str                    # direction of the sender's request: incoming|outgoing
    steps: tuple[str, ...]          # receiving side's steps, the first possible is taken
    text_value: str = ""            # the step field the status's text fills, if any
    # Documents of these types go with the status (those not sent with an earlier one).
    documents: tuple[str, ...] = ()


STATUSES: dict[str, StatusKind] = {s.code: s for s in (
    StatusKind("acknowledged", _l("The requested state acknowledged the request"),
               _l("The requested state acknowledged the request"),
               "incoming", ("record_acknowledgement", "record_acknowledgment")),
    StatusKind("information_requested",
               _l("The requested state asks for supplementary information"),
               _l("Counterpart asks for supplementary information"),
               "incoming", ("information_requested",), text_value="questions"),
    StatusKind("executed", _l("The requested state reports the request executed"),
               _l("Counterpart reports the request executed"),
               "incoming", ("record_results",), documents=(DocumentType.EVIDENCE,)),
    StatusKind("refused", _l("The requested state refused the request"),
               _l("Counterpart refused the request"),
               "incoming", ("record_refusal",), text_value="reasons"),
    StatusKind("information_supplied",
               _l("The requesting state sent the supplementary information"),
               _l("Counterpart sent the supplementary information"),
               "outgoing", ("information_received", "execution_information_received"),
               documents=(DocumentType.SUPPLEMENTARY,)),
)}


def _status_codes() -> list[str]:
    return list(STATUSES)


# -- the conversation a request belongs to -------------------------------------------
def conversation_of(case: Case) -> ExchangeMessage | None:
    """The request package this request travelled in (sent or received), if any."""
    return db.session.scalar(
        select(ExchangeMessage).where(ExchangeMessage.case_id == case.id,
                                      ExchangeMessage.kind == "request")
        .order_by(ExchangeMessage.id))


def messages_of(case: Case) -> list[ExchangeMessage]:
    return list(db.session.scalars(
        select(ExchangeMessage).where(ExchangeMessage.case_id == case.id)
        .order_by(ExchangeMessage.created_at, ExchangeMessage.id)))


def pending_statuses(case: Case) -> list[ExchangeMessage]:
    """Status updates received for ``case`` that a caseworker has not confirmed yet."""
    return list(db.session.scalars(
        select(ExchangeMessage).where(
            ExchangeMessage.case_id == case.id, ExchangeMessage.kind == "status",
            ExchangeMessage.direction == Direction.INCOMING,
            ExchangeMessage.status == MessageStatus.AWAITING_CONFIRMATION)
        .order_by(ExchangeMessage.created_at, ExchangeMessage.id)))


def status_kind(message: ExchangeMessage) -> StatusKind | None:
    return STATUSES.get(str((message.data or {}).get("status", "")))


def status_text(message: ExchangeMessage) -> str:
    """The counterpart's words (questions, reasons): kept sealed on the timeline entry."""
    event_id = (message.data or {}).get("event_id")
    event = db.session.get(CaseEvent, event_id) if event_id else None
    return event.comment if event is not None else ""


def step_for(case: Case, kind: StatusKind) -> str | None:
    """The receiving side's step this status leads to from where the request stands."""
    workflow = definition_for_case(case)
    for name in kind.steps:
        transition = workflow.transition(name)
        if transition is not None and case.state in transition.sources:
            return name
    return None


def step_label(case: Case, name: str | None) -> str:
    if name is None:
        return ""
    workflow = definition_for_case(case)
    transition = workflow.transition(name)
    return workflow.label_of(transition.target_for(case.state)) if transition else ""


# -- sending -------------------------------------------------------------------------
@effect("exchange_transmit", NO_ARGUMENT)
def exchange_transmit_effect(ctx: TransitionContext, arg: str | None) -> None:
    """On the transmit step with the secure electronic channel: seal the request for its
    counterpart and queue it, in the step's transaction (the outbox delivers it)."""
    if ctx.values.get("channel") != "electronic":
        return
    sealed = seal_request(ctx.actor, ctx.case, check=False)  # its timeline entry: "sealed"
    transport.enqueue_package(ctx.case, sealed.message, sealed.data, sealed.counterpart.address)


def _text_for(kind: StatusKind, ctx: TransitionContext) -> str:
    value = ctx.values.get("questions") or ctx.values.get("reasons") or ""
    return str(value or ctx.comment or "")


@effect("exchange_status", Argument(required=True, choices=_status_codes))
def exchange_status_effect(ctx: TransitionContext, arg: str | None) -> None:
    """Tell the counterpart what this step did, when the request travelled electronically
    (a request registered by hand has nobody to tell)."""
    kind = STATUSES[str(arg)]
    requests = step_requests(ctx)  # read by the step's guard already, if it has one
    if not requests:
        return
    request_message = requests[0]
    extra: dict[str, Any] = {}
    due = ctx.values.get("due_on")
    if isinstance(due, date):
        extra["due_on"] = due.isoformat()
    send_status(ctx.actor, ctx.case, request_message, kind, _text_for(kind, ctx), extra,
                step=ctx.transition.name if ctx.transition else "")


def send_status(actor: Actor, case: Case, request_message: ExchangeMessage, kind: StatusKind,
                text: str, extra: dict[str, Any] | None = None, *, step: str = "") -> None:
    identity = local_identity()
    record = counterpart_record(request_message.counterpart)
    keys = counterpart_keys(request_message.counterpart) if record is not None else None
    if identity is None or record is None or keys is None:
        # Trust withdrawn since: the step goes on; the timeline says nothing was sent.
        add_event(case, actor, "exchange", data={"action": "status_not_sent",
                                                 "status": kind.code})
        return
    body = {"schema": STATUS_SCHEMA, "status": kind.code,
            "in_reply_to": request_message.message_id, "reference": case.reference,
            "your_reference": case.counterpart_reference, "step": step, "text": text,
            **(extra or {})}
    message_id = new_message_id()
    documents = _unsent_documents(case, kind)
    data = seal("status", body, [package for _, package in documents], sender=identity,
                recipient=keys, message_id=message_id)
    message = ExchangeMessage(
        message_id=message_id, direction=Direction.OUTGOING, kind="status",
        counterpart=keys.authority_id, case_id=case.id, status=MessageStatus.SEALED,
        package_sha256=hashlib.sha256(data).hexdigest(),
        in_reply_to=request_message.message_id, issued_at=now(),
        data={"status": kind.code, "document_ids": [d.id for d, _ in documents]})
    db.session.add(message)
    db.session.flush()
    transport.enqueue_package(case, message, data, record.address)
    add_event(case, actor, "exchange", data={"action": "status_queued", "status": kind.code,
                                             "message_id": message.message_id,
                                             "documents": len(documents)})
    record_audit(actor, "exchange.status_send", case, message_id=message.message_id,
                 status=kind.code, counterpart=keys.authority_id)


def _unsent_documents(case: Case, kind: StatusKind) -> list[tuple[Document, PackageDocument]]:
    if not kind.documents:
        return []
    sent: set[int] = set()
    for earlier in db.session.scalars(select(ExchangeMessage).where(
            ExchangeMessage.case_id == case.id, ExchangeMessage.kind == "status",
            ExchangeMessage.direction == Direction.OUTGOING)):
        sent.update((earlier.data or {}).get("document_ids", []))
    documents = db.session.scalars(select(Document).where(
        Document.case_id == case.id, Document.doc_type.in_(kind.documents))
        .order_by(Document.created_at, Document.id))
    return [(d, PackageDocument(name=d.filename, media_type=d.content_type,
                                content=document_content(d), kind=str(d.doc_type),
                                language=d.language or ""))
            for d in documents if d.id not in sent]


# -- receiving -----------------------------------------------------------------------
class UnknownRequest(ServiceError):
    """A status update for a request this authority never exchanged with its sender."""


def receive_status(opened: OpenedPackage, data: bytes) -> Case:
    """Register a verified status package on the request it answers; it waits there for
    a caseworker's confirmation. Raises UnknownRequest (nothing written)."""
    body = opened.body
    kind = STATUSES.get(str(body.get("status", "")))
    in_reply_to = str(body.get("in_reply_to", ""))
    request_message = db.session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.kind == "request", ExchangeMessage.message_id == in_reply_to,
        ExchangeMessage.counterpart == opened.sender))
    case = request_message.case if request_message is not None else None
    if kind is None or case is None or body.get("schema") != STATUS_SCHEMA:
        raise UnknownRequest(_("This status update answers no request exchanged with its "
                               "sender, or is of a kind Comity does not know."),
                             code="unknown_request")
    # The requested state's statuses go to the requesting state's request and back.
    expected_direction = "outgoing" if kind.sent_by == "incoming" else "incoming"
    if case.direction != expected_direction:
        raise UnknownRequest(_("This status update does not fit the request it names."),
                             code="unknown_request")
    text = str(body.get("text", ""))[:5000]
    event = add_event(case, EXCHANGE_ACTOR, "exchange", comment=text, data={
        "action": "status_received", "status": kind.code, "message_id": opened.message_id,
        "their_reference": str(body.get("reference", ""))[:100],
        "due_on": str(body.get("due_on", ""))[:10], "documents": len(opened.documents)})
    db.session.flush()
    types = {t.value for t in DocumentType}
    for item in opened.documents:
        store_document(EXCHANGE_ACTOR, case, Upload(filename=item.name, data=item.content),
                       event=event, language=item.language[:8],
                       doc_type=item.kind if item.kind in types else DocumentType.ANNEX)
    record_incoming(opened, data, case=case, status=MessageStatus.AWAITING_CONFIRMATION,
                    in_reply_to=in_reply_to, details={
                        "status": kind.code, "event_id": event.id,
                        "their_reference": str(body.get("reference", ""))[:100]})
    case.updated_at = now()
    record_audit(EXCHANGE_ACTOR, "exchange.status_receive", case,
                 message_id=opened.message_id, status=kind.code, sender=opened.sender)
    notify_users(assignee_recipients(case), f"exchange:{opened.message_id}",
                 lambda: _("%(reference)s: %(status)s – confirm it on the request",
                           reference=case.reference, status=kind.banner),
                 lambda: text, case=case, category="exchange")
    return case


def confirm_status(actor: Actor, case: Case, message_id: int, *,
                   expected_version: int) -> ExchangeMessage:
    """A caseworker confirms a status update: the matching step of their workflow is
    taken (with the counterpart's words as its values), or, when the request has moved
    past it, the update is only noted."""
    message = db.session.get(ExchangeMessage, message_id)
    if message is None or message.case_id != case.id or message.kind != "status" \
            or message.direction != Direction.INCOMING:
        raise ServiceError(_("No such status update on this request."), code="not_found")
    if message.status != MessageStatus.AWAITING_CONFIRMATION:
        raise ServiceError(_("This status update was already confirmed."), code="conflict")
    kind = status_kind(message)
    if kind is None:
        raise ServiceError(_("This status update is of a kind Comity does not know."),
                           code="invalid")
    step = step_for(case, kind)
    text = status_text(message)
    if step is not None:
        values: dict[str, Any] = {}
        if kind.text_value:
            values[kind.text_value] = text or str(kind.label)
        their_reference = str((message.data or {}).get("their_reference", ""))
        if kind.code == "acknowledged" and their_reference:
            values["counterpart_reference"] = their_reference
        comment = "" if kind.text_value else text[:5000]
        apply_transition(actor, case, step, expected_version=expected_version,
                         values=_known_fields(case, step, values), comment=comment)
    message.status = MessageStatus.CONFIRMED
    message.confirmed_at = now()
    message.confirmed_by_id = getattr(actor, "id", None)
    add_event(case, actor, "exchange", data={
        "action": "status_confirmed" if step else "status_noted", "status": kind.code,
        "message_id": message.message_id, "step": step or ""})
    record_audit(actor, "exchange.status_confirm", case, message_id=message.message_id,
                 status=kind.code, step=step or "")
    db.session.flush()
    return message


def _known_fields(case: Case, step: str, values: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the step asks for (a workflow edited locally may ask fewer)."""
    transition = definition_for_case(case).transition(step)
    names = {f.name for f in transition.fields} if transition else set()
    return {k: v for k, v in values.items() if k in names}


def case_of(case_id: int | None) -> Case | None:
    return db.session.get(Case, case_id) if case_id else None
