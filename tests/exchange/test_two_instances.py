"""Two Comity instances on loopback exchange a request over HTTP, as two central
authorities would: A (Arcadia) asks B (Borduria) for assistance.

Each instance is a gunicorn server on a port the kernel picks, with its own database
(SQLite files here, or this run's own PostgreSQL databases with MLA_TEST_DB=postgres),
its own key ring and exchange identity; they trust each other through the CLI
(`exchange identity --address`, `exchange trust`). Each one's exchange address is a
loopback relay in front of the other that records every byte: what an observer on the
wire would see. The dispatcher is the real one (`flask scheduler run --once`).

A transmits electronically, B confirms and acknowledges, asks for information, A
answers, B reports execution; each status is confirmed on the other side, and both
timelines tell the same story. Refused packages (tampered, replayed, expired, wrong
recipient key, unknown sender) get a 4xx with the reason and register nothing.
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from joserfc.jwk import OKPKey
from sqlalchemy import func, select

from mla import create_app
from mla.audit.models import AuditEntry
from mla.auth.models import User
from mla.auth.services import create_api_token, create_user
from mla.cases.models import Case, CaseEvent
from mla.cases.services import CaseInput, OffenceInput, PersonInput, register_case
from mla.core.clock import real_now
from mla.core.transaction import unit_of_work
from mla.directory.models import Authority
from mla.directory.services import AuthorityInput, save_authority
from mla.documents.models import Document, DocumentType
from mla.documents.services import Upload, document_content, store_document
from mla.dualcrim.services import record_assessment
from mla.exchange.identity import authority_id_for, load_local_identity, new_identity
from mla.exchange.package import seal
from mla.exchange.services import counterpart_keys, request_body
from mla.extensions import db
from mla.notifications.models import OutboxMessage
from mla.reference.services import ensure_fictional_country, load_reference_data
from mla.settings import Settings
from tests.conftest import (
    PASSWORD,
    create_run_database,
    drop_run_database,
    postgres_available,
    selected_backend,
    skip_or_fail,
)
from tests.exchange.test_two_instances_harness import Relay, Server, flask_command

pytestmark = [pytest.mark.slow]

CANARY = "Quillon Canaryvane-Ostrowicz"
SECRET = "s" * 48
NAMES = {"XA": "Ministry of Justice of Arcadia", "XB": "Procuraduría General de Borduria"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ACCOUNTS = b"%PDF-1.4\n" + b"accounts BB-1 and BB-2 " * 200
STATEMENTS = b"%PDF-1.4\n" + bytes(range(256)) * 16


class Browser:
    """One person's browser on one instance: its own cookies, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect())

    def request(self, path: str, data: bytes | dict | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        request = urllib.request.Request(f"{self.base}{path}", data=data,  # noqa: S310
                                         headers=headers or {})
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def sign_in(self, username: str) -> Browser:
        status, page = self.request("/login")
        assert status == 200
        status, body = self.request("/login", {"csrf_token": _csrf(page), "username": username,
                                               "password": PASSWORD})
        assert status == 302, body[:1000]
        return self

    def press(self, reference: str, action: str) -> tuple[int, bytes]:
        """Press a button of the request page's exchange forms (the form whose action
        ends with ``action``), with the CSRF token and version it carries."""
        status, page = self.request(f"/requests/{reference}")
        assert status == 200, page[:1000]
        html = page.decode()
        form = re.search(r'<form method="post" action="(/requests/[^"]*' + re.escape(action)
                         + r')"[^>]*>(.*?)</form>', html, re.S)
        assert form, f"no form for {action} on the page of {reference}"
        fields = dict(re.findall(r'name="(csrf_token|version)"[^>]*value="([^"]*)"',
                                 form.group(2)))
        return self.request(form.group(1), fields)


def _csrf(html: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1).decode()


@dataclass
class Instance:
    country: str
    home: Path
    env: dict[str, str]
    app: Flask
    server: Server | None = None
    relay: Relay | None = None  # in front of this instance: its exchange address
    token: str = ""
    people: dict[str, Browser] = field(default_factory=dict)

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/api/v1{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def step(self, reference: str, name: str, values: dict | None = None,
             comment: str = "") -> dict:
        status, case = self.api("GET", f"/cases/{reference}")
        assert status == 200, case
        status, case = self.api("POST", f"/cases/{reference}/transitions", {
            "name": name, "version": case["version"], "values": values or {},
            "comment": comment})
        assert status == 200, (name, case)
        return case

    def dispatch(self) -> str:
        """The real dispatcher, once: delivers what this instance's outbox holds (and
        says why, when a package is still waiting afterwards)."""
        output = flask_command(self.env, self.home, "scheduler", "run", "--once")
        waiting = self.query(lambda: [
            (row.key, row.status, row.attempts, row.last_error) for row in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.channel == "exchange",
                                            OutboxMessage.status != "sent"))])
        assert waiting == [], (waiting, output)
        return output

    def post_package(self, data: bytes) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/exchange/v1/inbox", data=data, method="POST",
            headers={"Content-Type": "application/jose"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def query(self, fn: Any) -> Any:
        with self.app.app_context():
            try:
                return fn()
            finally:
                db.session.remove()


def _environment(home: Path, country: str, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLA_")}
    env.update({
        "MLA_DATABASE_URL": database_url, "MLA_SECRET_KEY": SECRET,
        "MLA_HOME_COUNTRY": country, "MLA_INSTANCE_PATH": str(home),
        "MLA_KEY_FILE": str(home / "keyring.json"), "MLA_COOKIE_SECURE": "0",
        "MLA_SIGN_IN_LIMITS": "0", "MLA_REQUIRE_2FA_ROLES": "none",
    })
    return env


def _prepare(home: Path, country: str, database_url: str) -> Instance:
    """What an operator does once: the schema, reference data, two people, the directory
    (a domestic prosecution office), an API token for the test's steps."""
    env = _environment(home, country, database_url)
    app = create_app(Settings.from_env(environ=env, instance_path=home, testing=True))
    instance = Instance(country, home, env, app)
    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
            for code, name in (("XA", "Arcadia"), ("XB", "Borduria"), ("XC", "Carpania")):
                ensure_fictional_country(code, name)
            create_user("test", username="cw", password=PASSWORD, role="caseworker")
            create_user("test", username="sup", password=PASSWORD, role="supervisor")
            save_authority("test", AuthorityInput(
                name=f"Public prosecutor of {country}", country_code=country,
                kind="prosecution"))
        with unit_of_work():
            user = db.session.scalar(select(User).where(User.username == "cw"))
            _, instance.token = create_api_token("test", user, label="exchange test")
        db.session.remove()
    return instance


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, worker_id_safe: str, fast_passwords: None
         ) -> Iterator[tuple[Instance, Instance]]:
    root = tmp_path_factory.mktemp("two-instances")
    urls: list[str] = []
    if selected_backend() == "postgres":
        reason = postgres_available()
        if reason:
            skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
        urls = [create_run_database(purpose, worker_id_safe)
                for purpose in ("wirea", "wireb")]
    else:
        urls = [f"sqlite:///{root / 'a.db'}", f"sqlite:///{root / 'b.db'}"]
    instances: list[Instance] = []
    try:
        for country, url in zip(("XA", "XB"), urls, strict=True):
            (root / country).mkdir()
            instances.append(_prepare(root / country, country, url))
        a, b = instances
        for instance in (a, b):
            instance.server = Server(instance.env, instance.home, instance.country)
        for instance in (a, b):
            instance.server.wait_until_listening()  # type: ignore[union-attr]
            instance.relay = Relay(("127.0.0.1", instance.server.port))  # type: ignore[union-attr]
        for me, other in ((a, b), (b, a)):
            document = flask_command(me.env, me.home, "exchange", "identity", "--name",
                                     NAMES[me.country], "--address",
                                     f"{me.relay.url}/exchange/v1/inbox")  # type: ignore[union-attr]
            (other.home / "counterpart.json").write_text(document)
        for me in (a, b):
            flask_command(me.env, me.home, "exchange", "trust", str(me.home / "counterpart.json"))
            me.people = {"cw": Browser(me.url).sign_in("cw"),
                         "sup": Browser(me.url).sign_in("sup")}
        yield a, b
    finally:
        for instance in instances:
            if instance.server is not None:
                instance.server.stop()
            if instance.relay is not None:
                instance.relay.stop()
            with instance.app.app_context():
                db.session.remove()
                db.engine.dispose()
        for url in urls if selected_backend() == "postgres" else ():
            drop_run_database(url)


def _signed_request(a: Instance, title: str) -> str:
    """An outgoing request of A to B's central authority, approved and signed (the steps
    up to signature are the workflow's own tests), naming the canary person."""
    def make() -> str:
        with unit_of_work():
            to_b = db.session.scalar(select(Authority).where(Authority.country_code == "XB",
                                                             Authority.kind == "central_authority"))
            domestic = db.session.scalar(select(Authority).where(Authority.country_code == "XA"))
            caseworker = db.session.scalar(select(User).where(User.username == "cw"))
            case = register_case(caseworker, CaseInput(
                direction="outgoing", kind="mla", counterpart_country="XB", legal_basis="UNTOC",
                title=title, counterpart_authority_id=to_b.id,
                domestic_authority_id=domestic.id, domestic_reference="PP-2026-7",
                summary="Invoices were forged between 2024 and 2025.",
                offences=[OffenceInput(label="Fraud", statute="PC 210", max_penalty_months=60,
                                       iccs=["0701"], conduct="False invoices")],
                measures=["bank_records"],
                persons=[PersonInput(role="suspect", full_name=CANARY,
                                     date_of_birth="1980-02-03", nationality="Arcadian")]))
            case.state = "signed"
            return case.reference

    return a.query(make)


def _events(instance: Instance, reference: str) -> list[tuple[str, str, str]]:
    """(kind, transition or exchange action, status) of a request's timeline, in order."""
    def read() -> list[tuple[str, str, str]]:
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        return [(e.kind, e.transition or (e.data or {}).get("action", ""),
                 (e.data or {}).get("status") or "")
                for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                            .order_by(CaseEvent.id))]

    return instance.query(read)


def _attach(instance: Instance, reference: str, name: str, data: bytes, kind: str) -> None:
    def attach() -> None:
        with unit_of_work():
            case = db.session.scalar(select(Case).where(Case.reference == reference))
            caseworker = db.session.scalar(select(User).where(User.username == "cw"))
            store_document(caseworker, case, Upload(name, data), doc_type=kind, language="en")

    instance.query(attach)


def _documents(instance: Instance, reference: str) -> list[tuple[str, str, bytes]]:
    def read() -> list[tuple[str, str, bytes]]:
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        return [(d.filename, str(d.doc_type), document_content(d)) for d in db.session.scalars(
            select(Document).where(Document.case_id == case.id).order_by(Document.id))]

    return instance.query(read)


def _case(instance: Instance, reference: str) -> dict:
    status, case = instance.api("GET", f"/cases/{reference}")
    assert status == 200, case
    return case


def _incoming_references(b: Instance) -> list[str]:
    status, found = b.api("GET", "/cases?direction=incoming")
    assert status == 200, found
    return [c["reference"] for c in found["items"]]


def _pending_status(instance: Instance, reference: str) -> str:
    """Confirm the status update the request page shows (the first one)."""
    _status, page = instance.people["cw"].request(f"/requests/{reference}")
    found = re.search(rb'action="(/requests/[^"]+/exchange/status/(\d+)/confirm)"', page)
    assert found, f"no status update awaiting confirmation on {reference}"
    return found.group(1).decode()


def _confirm_status(instance: Instance, reference: str) -> None:
    action = _pending_status(instance, reference)
    status, body = instance.people["cw"].press(reference, action.split(reference, 1)[1])
    assert status == 302, body[:2000]


def _screenshot(instance: Instance, reference: str, name: str, anchor: str = "") -> Path | None:
    """The request page as the caseworker sees it (test-artifacts/<name>.png), when a
    browser is available; the exchange does not depend on it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    chromium = os.environ.get("MLA_CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        return None
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            page.set_default_timeout(180_000)  # a loaded machine is slow, not wrong
            page.goto(f"{instance.url}/login")
            page.fill("input[name=username]", "cw")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{instance.url}/requests/{reference}{anchor}")
            page.screenshot(path=str(path), full_page=True)
        finally:
            browser.close()
    return path


def _b64_forms(text: str) -> list[bytes]:
    """The canary as base64 or base64url would show it, at each of the three alignments."""
    raw = text.encode()
    forms = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)[4 if shift else 0:]
        core = encoded[:len(encoded) - 4]  # the last group depends on what follows
        forms += [core, core.replace(b"+", b"-").replace(b"/", b"_")]
    return [f for f in forms if len(f) >= 8]


def test_a_request_travels_from_a_to_b_and_both_timelines_agree(pair):
    a, b = pair
    reference = _signed_request(a, "Bank records, fraud ring")
    _screenshot(a, reference, "exchange-1-sender-transmit", "#exchange")

    # A: Transmit electronically. The state, the sealed package and the outbox row commit
    # together; nothing has crossed the wire yet.
    status, body = a.people["cw"].press(reference, "/exchange/transmit")
    assert status == 302, body[:2000]
    assert _case(a, reference)["state"] == "transmitted"
    assert a.query(lambda: db.session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.channel == "exchange"))) == 1
    assert b.relay.connections == 0 and a.relay.connections == 0

    # The dispatcher delivers it; B registers it and answers with a signed receipt.
    a.dispatch()
    [theirs] = _incoming_references(b)
    assert _case(a, reference)["state"] == "transmitted"
    assert ("exchange", "delivered", "") in _events(a, reference)
    _screenshot(a, reference, "exchange-2-sender-receipt", "#timeline")
    _screenshot(b, theirs, "exchange-3-receiver-awaiting-confirmation")
    incoming = _case(b, theirs)
    assert incoming["counterpart_reference"] == reference
    assert incoming["state"] == "received"

    # B: the caseworker confirms what was pre-filled, then acknowledges.
    status, body = b.people["cw"].press(theirs, "/exchange/confirm")
    assert status == 302, body[:2000]
    b.step(theirs, "acknowledge")
    b.dispatch()
    assert _case(a, reference)["counterpart_reference"] == theirs
    _confirm_status(a, reference)
    assert _case(a, reference)["state"] == "under_execution"

    # B asks for supplementary information; A sees it, confirms, answers.
    b.step(theirs, "request_information",
           {"questions": "Which accounts at the Bank of Borduria are concerned?"})
    b.dispatch()
    _screenshot(a, reference, "exchange-4-sender-status-awaiting-confirmation")
    status, page = a.people["cw"].request(f"/requests/{reference}")
    assert b"Which accounts at the Bank of Borduria are concerned?" in page
    assert b"Supplementary information" in page
    _confirm_status(a, reference)
    assert _case(a, reference)["state"] == "information_requested"
    _attach(a, reference, "accounts.pdf", ACCOUNTS, DocumentType.SUPPLEMENTARY)
    a.step(reference, "answer_information", comment="Accounts BB-1 and BB-2, 2024-2025.")
    a.dispatch()
    _confirm_status(b, theirs)
    assert _case(b, theirs)["state"] == "under_review"
    assert _documents(b, theirs) == [("accounts.pdf", "supplementary", ACCOUNTS)]

    # B decides, executes and reports execution; A confirms the results are in.
    b.step(theirs, "refer_for_decision")

    def assess() -> None:
        with unit_of_work():
            case = db.session.scalar(select(Case).where(Case.reference == theirs))
            caseworker = db.session.scalar(select(User).where(User.username == "cw"))
            for offence in case.offences:
                record_assessment(caseworker, case, offence, iccs=list(offence.iccs_codes),
                                  decision="satisfied", justification="Fraud in both states.")

    b.query(assess)
    b.step(theirs, "accept")
    executing = b.query(lambda: db.session.scalar(
        select(Authority.id).where(Authority.country_code == "XB",
                                   Authority.kind == "prosecution")))
    b.step(theirs, "assign_execution", {"executing_authority_id": executing})
    b.step(theirs, "report_execution", {"extent": "full"})
    _attach(b, theirs, "statements.pdf", STATEMENTS, DocumentType.EVIDENCE)
    b.step(theirs, "transmit_results", {"channel": "electronic"})
    b.dispatch()
    _confirm_status(a, reference)
    assert _case(a, reference)["state"] == "results_received"
    assert _documents(a, reference) == [("accounts.pdf", "supplementary", ACCOUNTS),
                                        ("statements.pdf", "evidence", STATEMENTS)]

    # Both timelines tell the same story: each status B sent was delivered with a
    # verified receipt and confirmed on A, in the same order, and the other way round.
    ours, theirs_events = _events(a, reference), _events(b, theirs)

    def actions(events: list[tuple[str, str, str]], action: str) -> list[str]:
        return [s for kind, act, s in events if kind == "exchange" and act == action]

    sent_by_b = actions(theirs_events, "status_queued")
    assert sent_by_b == ["acknowledged", "information_requested", "executed"]
    assert actions(ours, "status_received") == sent_by_b
    assert actions(ours, "status_confirmed") == sent_by_b
    assert actions(theirs_events, "delivered") == sent_by_b
    assert actions(ours, "status_queued") == ["information_supplied"]
    assert actions(theirs_events, "status_confirmed") == ["information_supplied"]
    assert [act for kind, act, _ in ours if kind == "exchange" and act == "delivered"] == [
        "delivered", "delivered"]  # the request and the answer
    steps = [act for kind, act, _ in ours if kind == "transition"]
    assert steps[-5:] == ["transmit", "record_acknowledgement", "information_requested",
                          "answer_information", "record_results"]
    steps = [act for kind, act, _ in theirs_events if kind == "transition"]
    assert steps == ["acknowledge", "request_information", "information_received",
                     "refer_for_decision", "accept", "assign_execution", "report_execution",
                     "transmit_results"]
    assert _case(a, reference)["counterpart_reference"] == theirs
    assert _case(b, theirs)["counterpart_reference"] == reference

    # What crossed the wire: every package went through the relays, and the canary
    # person named in the request (registered on B) is nowhere readable in it.
    wire = a.relay.captured + b.relay.captured
    assert wire.count(b"POST /exchange/v1/inbox") == 5  # request, 3 statuses, 1 answer
    persons = b.query(lambda: [p.decrypted()["full_name"] for p in db.session.scalar(
        select(Case).where(Case.reference == theirs)).persons])
    assert persons == [CANARY]
    for form in [CANARY.encode(), CANARY.encode("utf-16-le"), *_b64_forms(CANARY)]:
        assert form not in wire, form
    assert b"Bank records" not in wire and b"Which accounts" not in wire
    assert b"accounts BB-1" not in wire


def _valid_package(a: Instance, b: Instance, title: str, **overrides: Any) -> bytes:
    """A request package sealed by A for B, as A's transmit would seal it."""
    reference = _signed_request(a, title)

    def make() -> bytes:
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        identity = load_local_identity(a.app)
        keys = counterpart_keys(authority_id_for("XB", NAMES["XB"]))
        assert identity is not None and keys is not None
        arguments: dict[str, Any] = {"sender": identity, "recipient": keys}
        arguments.update(overrides)
        return seal("request", request_body(case), [], **arguments)

    return a.query(make)


def _registered(b: Instance) -> tuple[int, list[str]]:
    def read() -> tuple[int, list[str]]:
        count = db.session.scalar(select(func.count()).select_from(Case)
                                  .where(Case.direction == "incoming"))
        codes = [e.details.get("code") for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "exchange.refused")
            .order_by(AuditEntry.id))]
        return count, codes

    return b.query(read)


def test_refused_packages_get_a_reason_and_register_nothing(pair):
    a, b = pair
    count, refusals = _registered(b)

    # One byte changed in the ciphertext.
    package = _valid_package(a, b, "Tampered")
    parts = package.split(b".")
    body = bytearray(parts[3])
    body[len(body) // 2] = ord("A") if body[len(body) // 2] != ord("A") else ord("B")
    status, answer = b.post_package(b".".join([*parts[:3], bytes(body), parts[4]]))
    assert (status, answer["error"]["code"]) == (422, "tampered"), answer
    assert answer["error"]["message"]

    # Encrypted for a key B does not hold.
    keys = a.query(lambda: counterpart_keys(authority_id_for("XB", NAMES["XB"])))
    stranger_key = OKPKey.generate_key("X25519")
    status, answer = b.post_package(_valid_package(
        a, b, "Wrong key", recipient=replace(keys, encryption_key=stranger_key)))
    assert (status, answer["error"]["code"]) == (422, "wrong_recipient"), answer

    # Signed by an authority B never trusted.
    stranger = new_identity(country="XC", name="Ministry of Carpania")
    status, answer = b.post_package(_valid_package(a, b, "Stranger", sender=stranger))
    assert (status, answer["error"]["code"]) == (403, "unknown_sender"), answer

    # Expired before it arrived.
    status, answer = b.post_package(_valid_package(
        a, b, "Late", now=real_now() - timedelta(days=9), valid_for=timedelta(days=7)))
    assert (status, answer["error"]["code"]) == (422, "expired"), answer

    assert _registered(b) == (count, [*refusals, "tampered", "wrong_recipient",
                                      "unknown_sender", "expired"])

    # The same package twice: registered once, the copy refused.
    package = _valid_package(a, b, "Sent twice")
    status, receipt = b.post_package(package)
    assert status == 200 and receipt.count(b".") == 4  # a sealed receipt
    status, answer = b.post_package(package)
    assert (status, answer["error"]["code"]) == (409, "replayed"), answer
    assert _registered(b) == (count + 1, [*refusals, "tampered", "wrong_recipient",
                                          "unknown_sender", "expired", "replayed"])

    # Not a package at all.
    status, answer = b.post_package(b"hello")
    assert (status, answer["error"]["code"]) == (400, "malformed"), answer
    assert _registered(b)[0] == count + 1


def test_download_package_gives_the_file_the_counterpart_registers(pair):
    """"Download package" (for another channel) is the package the endpoint takes."""
    a, b = pair
    reference = _signed_request(a, "Sent by another channel")
    count, _ = _registered(b)
    status, data = a.people["cw"].press(reference, "/exchange/package")
    assert status == 200 and data.count(b".") == 4 and CANARY.encode() not in data
    assert _case(a, reference)["state"] == "signed"  # a file is not a transmission
    status, receipt = b.post_package(data)
    assert status == 200 and receipt.count(b".") == 4
    assert _registered(b)[0] == count + 1
