"""The exchange transport on its own: which addresses it posts to, TLS verification, no
redirects, what the dispatcher does with each answer, and the inbox's door (size, rate,
no CSRF token, no session)."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from limits import parse_many
from sqlalchemy import select, text

from mla.cases.models import CaseEvent
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.exchange import endpoint, transport
from mla.exchange.models import Direction, ExchangeMessage, MessageStatus
from mla.exchange.transport import AddressRefused, check_address, post_package
from mla.notifications.dispatcher import dispatch_due
from mla.notifications.models import OutboxMessage, OutboxStatus


# -- addresses -----------------------------------------------------------------------
@pytest.mark.parametrize(("address", "expected"), [
    ("https://ca.example.org", "https://ca.example.org/exchange/v1/inbox"),
    ("https://ca.example.org/comity/", "https://ca.example.org/comity/exchange/v1/inbox"),
    ("https://ca.example.org/exchange/v1/inbox", "https://ca.example.org/exchange/v1/inbox"),
    ("http://127.0.0.1:8123/exchange/v1/inbox", "http://127.0.0.1:8123/exchange/v1/inbox"),
    ("http://[::1]:8123", "http://[::1]:8123/exchange/v1/inbox"),
    ("http://localhost:5000", "http://localhost:5000/exchange/v1/inbox"),
])
def test_an_address_is_the_inbox_below_it(address, expected):
    assert check_address(address) == expected


@pytest.mark.parametrize(("address", "says"), [
    ("http://ca.example.org/exchange/v1/inbox", "plain http is refused"),
    ("http://10.0.0.5/exchange/v1/inbox", "plain http is refused"),
    ("ftp://ca.example.org/", "not an https address"),
    ("https://user:secret@ca.example.org/", "no user name or password"),
    ("https://ca.example.org/?next=elsewhere", "no query"),
    ("ca.example.org", "not an https address"),
])
def test_an_address_that_could_leak_the_package_is_refused(address, says):
    with pytest.raises(AddressRefused, match=says):
        check_address(address)


def test_plain_http_elsewhere_only_when_the_operator_allows_it():
    assert check_address("http://ca.example.org", allow_http=True) == \
        "http://ca.example.org/exchange/v1/inbox"


# -- a counterpart on loopback -------------------------------------------------------
class Counterpart:
    """A tiny HTTP(S) server that answers what the test tells it and records what came."""

    def __init__(self, status: int = 200, body: bytes = b"", headers: dict | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}
        self.received: list[tuple[str, str, bytes]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                outer.received.append((self.path, self.headers.get("Content-Type", ""),
                                       self.rfile.read(length)))
                self.send_response(outer.status)
                for name, value in outer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def counterpart() -> Iterator[Any]:
    started: list[Counterpart] = []

    def start(**kwargs: Any) -> Counterpart:
        started.append(Counterpart(**kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    at = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(at - dt.timedelta(days=1))
                   .not_valid_after(at + dt.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_tls_is_verified(counterpart, tmp_path):
    cert, key = _self_signed(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server = counterpart(status=200, body=b"receipt", tls=tls)
    with pytest.raises(OSError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        post_package(server.url, b"package")
    assert server.received == []
    trusting = ssl.create_default_context(cafile=str(cert))  # the same server, trusted
    answer = post_package(server.url, b"package", context=trusting)
    assert (answer.status, answer.body) == (200, b"receipt")
    assert server.received == [("/exchange/v1/inbox", "application/jose", b"package")]


def test_a_redirect_is_not_followed(counterpart):
    elsewhere = counterpart(status=200, body=b"")
    server = counterpart(status=307, headers={"Location": f"{elsewhere.url}/exchange/v1/inbox"})
    answer = post_package(server.url, b"package")
    assert answer.status == 307 and not answer.is_accepted and not answer.is_refusal
    assert elsewhere.received == []


def test_a_refusal_is_read_from_the_counterparts_json():
    answer = transport.Answer(409, "application/json", json.dumps(
        {"error": {"code": "replayed", "message": "Already received."}}).encode())
    assert answer.is_refusal and answer.refusal() == ("replayed", "Already received.")
    assert transport.Answer(429, "", b"").is_refusal is False  # about the moment: retried
    assert transport.Answer(502, "text/html", b"<html>").refusal() == ("http_502", "HTTP 502")


# -- the dispatcher ------------------------------------------------------------------
def _queued(db, make_case, address: str) -> tuple[Any, ExchangeMessage]:
    case = make_case(direction="outgoing", counterpart_country="XB")
    message = ExchangeMessage(
        message_id="urn:uuid:4b7f6c1e-0000-4000-8000-000000000001",
        direction=Direction.OUTGOING, kind="request", counterpart="XB:ministry",
        case_id=case.id, status=MessageStatus.SEALED,
        package_sha256=hashlib.sha256(b"x").hexdigest(), issued_at=now())
    db.session.add(message)
    db.session.flush()
    transport.enqueue_package(case, message, b"eyJhbGciOi.sealed.package.for.test", address)
    db.session.commit()
    return case, message


def _row(db) -> OutboxMessage:
    db.session.rollback()
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "exchange"))


def test_an_unreachable_counterpart_is_tried_again_later(db, make_case, counterpart,
                                                         create_user, login_as):
    server = counterpart(status=503, body=b"down for maintenance")
    case, _ = _queued(db, make_case, server.url)
    report = dispatch_due()
    row = _row(db)
    assert (row.status, row.attempts, report.retried) == (OutboxStatus.PENDING, 1, 1)
    assert "HTTP 503" in row.last_error and row.available_at > now()
    assert len(server.received) == 1 and server.received[0][2].startswith(b"eyJ")
    # The caseworker sees it on the request: not delivered yet, why, and when next.
    page = login_as(create_user("caseworker")).get(f"/requests/{case.reference}")
    text = page.get_data(as_text=True)
    assert "1 attempt failed:" in text and "The counterpart answered HTTP 503" in text
    assert "next attempt" in text


def test_a_closed_port_is_tried_again_later(db, make_case, counterpart):
    server = counterpart()
    address = server.url
    server.stop()
    _queued(db, make_case, address)
    report = dispatch_due()
    row = _row(db)
    assert (row.status, report.retried) == (OutboxStatus.PENDING, 1)
    assert "could not be reached" in row.last_error


def test_a_refused_package_is_not_sent_again_and_the_request_says_why(
        db, make_case, counterpart, create_user, login_as):
    refusal = "The sender is not a trusted counterpart for Tamsin Quarrelwood."
    server = counterpart(status=403, headers={"Content-Type": "application/json"},
                         body=json.dumps({"error": {
                             "code": "unknown_sender", "message": refusal}}).encode())
    case, _message = _queued(db, make_case, server.url)
    report = dispatch_due()
    row = _row(db)
    assert (row.status, report.dead) == (OutboxStatus.DEAD, 1)
    assert row.last_error.startswith("unknown_sender: The sender is not a trusted")
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                      CaseEvent.kind == "exchange"))
    assert event.data["action"] == "refused_by_counterpart"
    assert event.data["code"] == "unknown_sender"
    # The counterpart's words are sealed: only the code is readable in the message's data.
    stored = db.session.execute(text("SELECT data, refusal_reason FROM exchange_messages")).one()
    data = stored.data if isinstance(stored.data, dict) else json.loads(stored.data)
    assert data["refusal"] == {"code": "unknown_sender"}
    assert b"Quarrelwood" not in bytes(stored.refusal_reason)
    sent = db.session.scalar(select(ExchangeMessage))
    assert sent.refusal_reason == refusal
    db.session.rollback()
    assert dispatch_due().batches == 0  # never claimed again
    page = login_as(create_user("caseworker")).get(f"/requests/{case.reference}")
    html = page.get_data(as_text=True)
    # The panel's package says why in words, the counterpart's own below; the timeline
    # too, and names the exchange as who recorded it: no protocol code, no internal name.
    assert "refused: we are not a trusted counterpart there" in html
    assert f'<div class="small exchange-refusal">{refusal}</div>' in html
    assert "Refused by the counterpart (we are not a trusted counterpart there)" in html
    assert "unknown_sender" not in html
    assert "UTC</time> · secure exchange</div>" in html


def test_an_answer_that_is_no_receipt_counts_as_delivered_but_unverified(db, make_case,
                                                                         counterpart):
    """The counterpart took the package (2xx): sending it again would only be refused as
    a replay; the request says the receipt did not verify."""
    server = counterpart(status=200, body=b"not a receipt")
    case, _ = _queued(db, make_case, server.url)
    dispatch_due()
    row = _row(db)
    assert row.status == OutboxStatus.SENT and "receipt not verified" in row.last_error
    actions = [e.data.get("action") for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "exchange"))]
    assert actions == ["receipt_unverified"]


def test_a_delivery_refused_as_a_replay_of_our_own_message_counts_as_delivered(
        db, make_case, counterpart):
    """The first attempt reached the counterpart but its answer was lost: the retry is
    refused as a replay. That refusal can only follow our own signature, so the
    counterpart holds the message: sent, never dead, and the request says so."""
    server = counterpart(status=409, headers={"Content-Type": "application/json"},
                         body=json.dumps({"error": {
                             "code": "replayed",
                             "message": "This package was already received."}}).encode())
    case, _ = _queued(db, make_case, server.url)
    report = dispatch_due()
    row = _row(db)
    assert (row.status, report.dead) == (OutboxStatus.SENT, 0)
    assert "already holds this message" in row.last_error
    actions = [e.data.get("action") for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "exchange"))]
    assert actions == ["receipt_unverified"]
    assert dispatch_due().batches == 0  # never claimed again


def test_plain_http_to_another_host_is_refused_when_queued(db, make_case):
    with pytest.raises(ServiceError, match="plain http is refused"):
        _queued(db, make_case, "http://ca.example.org/exchange/v1/inbox")


# -- the inbox's door ----------------------------------------------------------------
def test_the_inbox_needs_no_session_or_csrf_token_and_refuses_with_json(client):
    response = client.post("/exchange/v1/inbox", data=b"hello",
                           content_type="application/jose")
    assert response.status_code in (400, 503)
    assert response.is_json and response.get_json()["error"]["code"] in (
        "malformed", "not_configured")
    assert "Set-Cookie" not in response.headers


def test_the_inbox_refuses_a_body_larger_than_any_package(client, monkeypatch):
    monkeypatch.setattr(endpoint, "MAX_PACKAGE_BYTES", 1000)
    response = client.post("/exchange/v1/inbox", data=b"x" * 2000,
                           content_type="application/jose")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_the_inbox_is_rate_limited_per_address(client, app):
    limiter, limits = app.extensions[endpoint.LIMITER_KEY]
    app.extensions[endpoint.LIMITER_KEY] = (limiter, parse_many("2 per minute"))
    try:
        address = {"REMOTE_ADDR": "192.0.2.77"}
        codes = [client.post("/exchange/v1/inbox", data=b"x", environ_base=address,
                             content_type="application/jose").status_code for _ in range(3)]
        other = client.post("/exchange/v1/inbox", data=b"x", content_type="application/jose",
                            environ_base={"REMOTE_ADDR": "192.0.2.78"})
    finally:
        app.extensions[endpoint.LIMITER_KEY] = (limiter, limits)
    assert codes[:2] != [429, 429] and codes[2] == 429
    assert other.status_code != 429


def test_the_inbox_takes_a_package_larger_than_an_upload(client, app):
    """Documents up to the upload limit make a package about 64/27 of it: the inbox's
    limit is the package's, not the application's."""
    size = app.config["MAX_CONTENT_LENGTH"] + 1024
    response = client.post("/exchange/v1/inbox", data=b"x" * size,
                           content_type="application/jose")
    assert response.status_code != 413
    assert response.get_json()["error"]["code"] in ("malformed", "not_configured")


def test_a_training_sandbox_sends_nothing(db, make_case, counterpart, monkeypatch, app):
    from dataclasses import replace

    sandbox = replace(app.extensions["mla.settings"], mode="sandbox")
    monkeypatch.setattr(transport, "current_settings", lambda: sandbox)
    server = counterpart(status=200)
    _queued(db, make_case, server.url)
    report = dispatch_due()
    assert (_row(db).status, report.sandboxed) == (OutboxStatus.SANDBOXED, 1)
    assert server.received == []
