"""How a sealed package travels to a counterpart's exchange endpoint: one HTTPS POST
from the outbox, and the signed receipt that comes back.

The package is already signed and encrypted (mla.exchange.package); the transport
adds what the wire needs and nothing else: TLS with the system's certificate
verification, no redirects (a redirect could send the package somewhere the
directory never named), a time limit and a size limit on the answer.

Plain http is refused except to a loopback address (the tests' two instances on one
machine) or when the operator allows it explicitly (MLA_EXCHANGE_ALLOW_HTTP, e.g.
behind a TLS-terminating tunnel they trust).

The outbox channel ``exchange``: a step that sends a package writes the outbox row in
its own transaction (the package text is the row's body, the counterpart's address its
recipient); the dispatcher posts it like an e-mail, with the same retries and backoff
for a counterpart that cannot be reached. A counterpart that *refuses* the package
(a 4xx with a code and a reason) is not asked again: the row goes to the undeliverable
list and the request's timeline says why. A 2xx carries the counterpart's receipt, a
package of kind ``receipt`` signed by it and sealed for us: it is opened and checked
(it must name the message sent) before the delivery counts, and kept as evidence.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from mla.audit.services import record_audit
from mla.cases.models import Case
from mla.cases.services import add_event
from mla.core.actors import SystemActor
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.core.transaction import unit_of_work
from mla.exchange.models import Direction, ExchangeMessage, MessageStatus
from mla.exchange.package import OpenedPackage, PackageRefused
from mla.exchange.services import open_received, record_incoming
from mla.extensions import db
from mla.notifications.dispatcher import DispatchReport, _claimed_rows, _fail, _mark, _mine
from mla.notifications.models import OutboxMessage, OutboxStatus
from mla.notifications.outbox import enqueue
from mla.settings import current_settings

log = logging.getLogger(__name__)

CHANNEL = "exchange"
# Who registers what arrives (history and audit name it).
EXCHANGE_ACTOR = SystemActor("exchange")

# What the endpoint accepts and answers: a JOSE object (RFC 7515/7516 media type).
PACKAGE_MEDIA_TYPE = "application/jose"
INBOX_PATH = "/exchange/v1/inbox"
# An answer (a receipt, or a refusal in JSON) is small; anything larger is not ours.
MAX_ANSWER_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 30


class AddressRefused(ValueError):
    """The exchange address may not be used; the message says why (a caseworker reads it)."""


@dataclass(frozen=True)
class Answer:
    """What the counterpart's endpoint said: status, media type and body."""

    status: int
    media_type: str
    body: bytes

    @property
    def is_accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_refusal(self) -> bool:
        """A 4xx is the counterpart's word on this package: sending it again will not
        change it (but a 408 or 429 is about the moment, not the package)."""
        return 400 <= self.status < 500 and self.status not in (408, 429)

    def refusal(self) -> tuple[str, str]:
        """(code, reason) of a refusal answered as JSON, or a description of the answer."""
        try:
            error = json.loads(self.body.decode("utf-8"))["error"]
            return str(error["code"])[:60], str(error["message"])[:1000]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return f"http_{self.status}", f"HTTP {self.status}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_address(address: str, *, allow_http: bool = False) -> str:
    """The endpoint URL to post to, or AddressRefused saying why not."""
    try:
        parts = urllib.parse.urlsplit(address.strip())
    except ValueError:
        raise AddressRefused(f"not a URL: {address!r}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AddressRefused(f"not an https address: {address!r}")
    if parts.username or parts.password:
        raise AddressRefused("an exchange address carries no user name or password")
    if parts.scheme == "http" and not (allow_http or is_loopback(parts.hostname)):
        raise AddressRefused(
            f"plain http is refused for {parts.hostname} (use https, or set "
            "MLA_EXCHANGE_ALLOW_HTTP=1 for a channel you secure otherwise)")
    if parts.query or parts.fragment:
        raise AddressRefused("an exchange address has no query or fragment")
    path = parts.path.rstrip("/")
    if not path.endswith(INBOX_PATH):
        # The directory may hold the instance's base address: the inbox is below it.
        path = f"{path}{INBOX_PATH}"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener(context: ssl.SSLContext | None) -> urllib.request.OpenerDirector:
    tls = context or ssl.create_default_context()  # verifies the chain and the host name
    # No proxy from the environment: a package goes straight to the address trusted.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                       urllib.request.HTTPSHandler(context=tls),
                                       _NoRedirects())


def post_package(address: str, package: bytes, *, allow_http: bool = False,
                 context: ssl.SSLContext | None = None,
                 timeout: float = TIMEOUT_SECONDS) -> Answer:
    """POST the package; the counterpart's answer whatever its status. Raises
    AddressRefused before connecting, OSError (URLError, timeouts) when it cannot
    be reached or the answer is too large."""
    url = check_address(address, allow_http=allow_http)
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=package, method="POST",
        headers={"Content-Type": PACKAGE_MEDIA_TYPE, "Accept": f"{PACKAGE_MEDIA_TYPE}, "
                 "application/json", "User-Agent": "Comity-exchange/1"})
    try:
        response = _opener(context).open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        body = response.read(MAX_ANSWER_BYTES + 1)
        if len(body) > MAX_ANSWER_BYTES:
            raise OSError("the counterpart's answer is larger than any receipt")
        media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        return Answer(status=response.status or 0, media_type=media_type, body=body)


def allow_http() -> bool:
    """MLA_EXCHANGE_ALLOW_HTTP: plain http to a non-loopback address (module doc)."""
    return current_settings().exchange_allow_http


# -- the outbox channel --------------------------------------------------------------
def enqueue_package(case: Case, message: ExchangeMessage, package: bytes,
                    address: str) -> None:
    """Queue ``package`` for ``address`` in the caller's transaction. The key is the
    message id: the same message is queued once however often the step is retried."""
    if not address:
        raise ServiceError(_("The counterpart's identity names no exchange address: "
                             "send the package as a file instead."), code="no_address")
    try:
        check_address(address, allow_http=allow_http())
    except AddressRefused as exc:
        raise ServiceError(_("The counterpart's exchange address cannot be used: "
                             "%(reason)s", reason=str(exc)), code="address_refused") from None
    enqueue(f"exchange:{message.message_id}", CHANNEL,
            subject=f"{message.kind} {message.message_id}"[:300],
            body=package.decode("ascii"), to_address=address[:254], case_id=case.id,
            category="exchange", data={"message_id": message.message_id,
                                        "kind": message.kind})


def deliver_exchange(token: str, ids: list[int], report: DispatchReport) -> None:
    """The dispatcher's deliverer for this channel (one claimed batch)."""
    rows = _claimed_rows(token, ids, CHANNEL)
    if not rows:
        return
    if current_settings().is_sandbox:
        # A training sandbox never sends anything anywhere: kept, readable, not sent.
        for row in rows:
            _mark(token, row.id, status=OutboxStatus.SANDBOXED, sent_at=now(),
                  claim_token=None, claimed_until=None)
            report.sandboxed += 1
        return
    for row in rows:
        _deliver_one(token, row, report)


def _deliver_one(token: str, row: OutboxMessage, report: DispatchReport) -> None:
    message_id = str((row.data or {}).get("message_id", ""))
    try:
        answer = post_package(row.to_address, row.body.encode("ascii"),
                              allow_http=allow_http())
    except AddressRefused as exc:
        _give_up(token, row, message_id, "address_refused", str(exc), report)
        return
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # unreachable, timed out, TLS refused, the connection cut mid-answer
        report.errors.append(f"{row.key}: {exc}")
        _fail(token, row, f"The counterpart could not be reached: {exc}", report)
        return
    if answer.is_refusal:
        code, reason = answer.refusal()
        if code == "replayed":
            # A counterpart checks the signature before the message id: only a package we
            # signed is refused as a replay of our id, so it already holds this message (an
            # earlier attempt whose answer was lost, or the same package sent by file).
            _sent_without_receipt(
                token, row, message_id,
                "the counterpart already holds this message; its receipt did not reach us",
                report)
            return
        _give_up(token, row, message_id, code, reason, report)
        return
    if not answer.is_accepted:
        _fail(token, row, f"The counterpart answered HTTP {answer.status}", report)
        return
    _accept_receipt(token, row, message_id, answer.body, report)


def _accept_receipt(token: str, row: OutboxMessage, message_id: str, data: bytes,
                    report: DispatchReport) -> None:
    """Delivered: verify the receipt and record both in one transaction. A receipt that
    does not verify leaves the delivery marked sent (the counterpart has the package)
    with the reason on the timeline, so nobody is misled into sending it again."""
    try:
        with unit_of_work():
            receipt = open_received(data)
            if receipt.kind != "receipt" or receipt.body.get("message_id") != message_id:
                raise PackageRefused("malformed", "the receipt names another message")
            record_receipt(message_id, receipt, data)
            _sent(token, row)
        report.exchange += 1
        return
    except PackageRefused as refused:
        reason = f"{refused.code}: {refused.reason}"
    _sent_without_receipt(token, row, message_id, reason, report)


def _sent_without_receipt(token: str, row: OutboxMessage, message_id: str, reason: str,
                          report: DispatchReport) -> None:
    """The counterpart has the package but we hold no verified receipt for it: marked sent
    (sending it again would only be refused as a replay), the reason on the timeline."""
    with unit_of_work():
        _sent(token, row, last_error=f"receipt not verified ({reason})")
        sent = _outgoing(message_id)
        if sent is not None and sent.case is not None:
            add_event(sent.case, EXCHANGE_ACTOR, "exchange", comment=reason, data={
                "action": "receipt_unverified", "kind": sent.kind, "message_id": message_id})
            record_audit(EXCHANGE_ACTOR, "exchange.receipt_unverified", sent.case,
                         message_id=message_id)
    report.errors.append(f"{row.key}: receipt not verified")


def _sent(token: str, row: OutboxMessage, last_error: str = "") -> None:
    db.session.execute(
        update(OutboxMessage).where(_mine(token, [row.id]))
        .values(status=OutboxStatus.SENT, sent_at=now(), claim_token=None, claimed_until=None,
                last_error=last_error)
        .execution_options(synchronize_session=False))


def _give_up(token: str, row: OutboxMessage, message_id: str, code: str, reason: str,
             report: DispatchReport) -> None:
    """Refused by the counterpart (or by us, for its address): never tried again."""
    with unit_of_work():
        db.session.execute(
            update(OutboxMessage).where(_mine(token, [row.id]))
            .values(status=OutboxStatus.DEAD, last_error=f"{code}: {reason}"[:2000],
                    claim_token=None, claimed_until=None)
            .execution_options(synchronize_session=False))
        record_undelivered(message_id, code, reason)
    report.dead += 1
    log.warning("exchange message %s refused: %s", message_id, code)


def delivery_of(message: ExchangeMessage) -> OutboxMessage | None:
    """The outbox row carrying an outgoing message (None: sealed for a file only)."""
    return db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.key == f"exchange:{message.message_id}"))


def _outgoing(message_id: str) -> ExchangeMessage | None:
    return db.session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.direction == Direction.OUTGOING,
        ExchangeMessage.message_id == message_id))


def record_receipt(message_id: str, receipt: OpenedPackage, data: bytes) -> ExchangeMessage | None:
    """The counterpart's signed receipt for our message ``message_id``: kept with the
    message (the package, still sealed for us, as evidence) and shown on the request."""
    sent = _outgoing(message_id)
    if sent is None:
        return None
    sent.status = MessageStatus.DELIVERED
    their_reference = str(receipt.body.get("reference", ""))[:100]
    sent.data = {**(sent.data or {}), "receipt_message_id": receipt.message_id,
                 "receipt_issued_at": receipt.issued_at.isoformat(),
                 "their_reference": their_reference,
                 "receipt": data.decode("ascii")}
    record_incoming(receipt, data, case=sent.case, status=MessageStatus.RECEIVED,
                    in_reply_to=message_id, details={"their_reference": their_reference})
    case = sent.case
    if case is not None:
        if sent.kind == "request" and their_reference and not case.counterpart_reference:
            case.counterpart_reference = their_reference
        add_event(case, EXCHANGE_ACTOR, "exchange", data={
            "action": "delivered", "kind": sent.kind, "status": (sent.data or {}).get("status"),
            "message_id": message_id, "receipt_message_id": receipt.message_id,
            "their_reference": their_reference})
        record_audit(EXCHANGE_ACTOR, "exchange.receipt", case, message_id=message_id,
                     receipt=receipt.message_id, sender=receipt.sender)
    return sent


def record_undelivered(message_id: str, code: str, reason: str) -> None:
    """The counterpart refused our package (or its address is refused here): shown on
    the request, with the reason, as a delivery that will not be tried again."""
    sent = _outgoing(message_id)
    if sent is None or sent.case is None:
        return
    # The code is a fact of the protocol; the words are the counterpart's, sealed.
    sent.data = {**(sent.data or {}), "refusal": {"code": code}}
    sent.refusal_reason = reason[:1000]
    add_event(sent.case, EXCHANGE_ACTOR, "exchange", comment=reason[:1000], data={
        "action": "refused_by_counterpart", "kind": sent.kind, "code": code,
        "message_id": message_id})
    record_audit(EXCHANGE_ACTOR, "exchange.undelivered", sent.case, message_id=message_id,
                 code=code)


def receipt_body(opened: OpenedPackage, case: Case) -> dict[str, Any]:
    return {"schema": "comity-receipt/1", "message_id": opened.message_id,
            "kind": opened.kind, "reference": case.reference,
            "received_at": now().isoformat(timespec="seconds")}
