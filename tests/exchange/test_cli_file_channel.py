"""The file channel between two instances (CONTRACT.md v1.1): two applications in one
process, each with its own database, key ring and exchange identity. A (Arcadia) sends
a request to B (Borduria) through `exchange export` and `exchange import`.

The two instances are made once for the module (on PostgreSQL a pair of databases costs
half a minute): each test makes its own requests and compares counts before and after,
and a test that changes the trust between them leaves it as it found it."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from mla import create_app
from mla.audit.models import AuditEntry
from mla.auth.models import User
from mla.auth.services import create_user
from mla.cases.editing import received_at_for
from mla.cases.models import Case
from mla.cases.services import CaseInput, OffenceInput, PersonInput, register_case
from mla.core import clock
from mla.core.clock import real_now
from mla.core.transaction import unit_of_work
from mla.directory.models import Authority
from mla.documents.models import Document, DocumentType
from mla.documents.services import Upload, document_content, store_document
from mla.exchange.identity import load_local_identity, new_identity, readable_fingerprint
from mla.exchange.models import CounterpartIdentity, ExchangeMessage, MessageStatus
from mla.exchange.package import PackageDocument, seal
from mla.exchange.services import counterpart_keys
from mla.extensions import db
from mla.reference.services import ensure_fictional_country, load_reference_data
from mla.workflow.services import available_transitions
from tests.conftest import (
    create_run_database,
    drop_run_database,
    make_settings,
    postgres_available,
    selected_backend,
    skip_or_fail,
)

CANARY = "Zoltan Canarybird-Quetzal"
PDF = b"%PDF-1.4\n" + b"request text " * 500
ANNEX = b"%PDF-1.4\n" + bytes(range(256)) * 8


@dataclass
class Instance:
    app: Flask
    name: str
    tmp: Path

    def cli(self, *args: str) -> Any:
        return self.app.test_cli_runner().invoke(args=["exchange", *args])

    def scalar(self, statement: Any) -> Any:
        with self.app.app_context():
            return db.session.scalar(statement)


def _instance(tmp: Path, country: str, url: str) -> Instance:
    app = create_app(make_settings(tmp, url, home_country=country))
    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
            for code, name in (("XA", "Arcadia"), ("XB", "Borduria"), ("XC", "Carpania")):
                ensure_fictional_country(code, name)
            create_user("test", username="cw", password="correct horse battery staple",
                        role="caseworker")
    return Instance(app, country, tmp)


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory, worker_id_safe: str,
              fast_passwords: None) -> Iterator[tuple[Instance, Instance]]:
    tmp_path = tmp_path_factory.mktemp("exchange")
    urls = []
    if selected_backend() == "postgres":
        reason = postgres_available()
        if reason:
            skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
        urls = [create_run_database(purpose, worker_id_safe)
                for purpose in ("exchangea", "exchangeb")]
    else:
        urls = [f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _instance(tmp_path / "a", "XA", urls[0])
    b = _instance(tmp_path / "b", "XB", urls[1])
    try:
        for me, other in ((a, b), (b, a)):
            names = {"XA": "Ministry of Justice", "XB": "Procuraduría General"}
            result = me.cli("identity", "--name", names[me.name])
            assert result.exit_code == 0, result.output
            (other.tmp / "counterpart.json").write_text(result.stdout)
        for me in (a, b):
            result = me.cli("trust", str(me.tmp / "counterpart.json"))
            assert result.exit_code == 0, result.output
        yield a, b
    finally:
        for instance in (a, b):
            with instance.app.app_context():
                db.session.remove()
                db.engine.dispose()
        if selected_backend() == "postgres":
            for url in urls:
                drop_run_database(url)


def _outgoing(a: Instance, *, state: str = "signed", with_documents: bool = True) -> str:
    """An outgoing request of A to B's central authority, in ``state`` (set directly: the
    steps that lead there are the workflow's tests), with a request and an annex."""
    with a.app.app_context(), unit_of_work():
        to_b = db.session.scalar(select(Authority).where(Authority.country_code == "XB"))
        caseworker = _caseworker()
        case = register_case(caseworker, CaseInput(
            direction="outgoing", kind="mla", counterpart_country="XB", legal_basis="UNTOC",
            title="Bank records, fraud ring", counterpart_authority_id=to_b.id,
            summary="Invoices were forged between 2024 and 2025.", is_urgent=True,
            urgency_reason="Records are kept for a limited time",
            counterpart_reference="",
            offences=[OffenceInput(label="Fraud", statute="PC 210", max_penalty_months=60,
                                   iccs=["0701"], conduct="False invoices")],
            measures=["bank_records"],
            persons=[PersonInput(role="suspect", full_name=CANARY, date_of_birth="1980-02-03",
                                 nationality="Arcadian", is_in_custody=True)]))
        case.measures[0].details = "Accounts at the Bank of Borduria, 2024-2025"
        if with_documents:
            for name, data, kind in (("request.pdf", PDF, DocumentType.REQUEST),
                                     ("annex.pdf", ANNEX, DocumentType.ANNEX)):
                document = store_document(caseworker, case, Upload(name, data))
                document.doc_type, document.language = kind, "en"
        case.state = state
        return case.reference


def _caseworker() -> User:
    return db.session.scalar(select(User).where(User.username == "cw"))


def _count(instance: Instance, model: Any) -> int:
    return instance.scalar(select(func.count()).select_from(model))


def _audited(instance: Instance, action: str) -> int:
    return instance.scalar(select(func.count()).where(AuditEntry.action == action))


def _refusals(instance: Instance) -> list[dict[str, Any]]:
    with instance.app.app_context():
        return [entry.details for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "exchange.refused")
            .order_by(AuditEntry.id))]


def test_a_request_goes_from_a_to_b_by_file_and_waits_for_confirmation(instances, tmp_path):
    a, b = instances
    reference = _outgoing(a)
    package = tmp_path / "request.jose"
    result = a.cli("export", reference, "--out", str(package))
    assert result.exit_code == 0, result.output
    data = package.read_bytes()
    assert CANARY.encode() not in data and b"Bank records" not in data

    result = b.cli("import", str(package))
    assert result.exit_code == 0, result.output
    new_reference = result.stdout.strip().splitlines()[-1]
    assert new_reference.startswith("MLA-IN-")

    with b.app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == new_reference))
        assert (case.direction, case.kind, case.counterpart_country, case.legal_basis) == (
            "incoming", "mla", "XA", "UNTOC")
        assert case.counterpart_reference == reference
        assert case.counterpart_authority.name == "Ministry of Justice"
        assert case.title == "Bank records, fraud ring" and case.is_urgent
        assert "Invoices were forged" in case.summary
        assert [(o.label, o.statute, o.max_penalty_months, o.iccs_codes, o.conduct)
                for o in case.offences] == [("Fraud", "PC 210", 60, ["0701"], "False invoices")]
        assert [(m.code, m.details) for m in case.measures] == [
            ("bank_records", "Accounts at the Bank of Borduria, 2024-2025")]
        person = case.persons[0]
        assert (person.role, person.is_in_custody) == ("suspect", True)
        assert person.decrypted() == {"full_name": CANARY, "date_of_birth": "1980-02-03",
                                      "nationality": "Arcadian", "identifiers": "",
                                      "address": ""}
        documents = db.session.scalars(select(Document).where(Document.case_id == case.id)
                                       .order_by(Document.id)).all()
        assert [(d.filename, d.doc_type, d.language, document_content(d))
                for d in documents] == [("request.pdf", "request", "en", PDF),
                                        ("annex.pdf", "annex", "en", ANNEX)]
        message = db.session.scalar(select(ExchangeMessage).where(
            ExchangeMessage.case_id == case.id))
        assert message.status == MessageStatus.AWAITING_CONFIRMATION
        caseworker = _caseworker()
        acknowledge = next(o for o in available_transitions(caseworker, case)
                           if o.name == "acknowledge")
        assert not acknowledge.allowed
        assert any("confirm" in reason for reason in acknowledge.blocked_by)
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert "exchange.import" in actions

    result = b.cli("confirm", new_reference)
    assert result.exit_code == 0, result.output
    with b.app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == new_reference))
        caseworker = _caseworker()
        acknowledge = next(o for o in available_transitions(caseworker, case)
                           if o.name == "acknowledge")
        assert acknowledge.allowed, acknowledge.blocked_by
    assert b.cli("confirm", new_reference).exit_code != 0  # once

    with a.app.app_context():
        sent = db.session.scalar(select(ExchangeMessage).join(Case).where(
            Case.reference == reference))
        assert (sent.direction, sent.status, sent.counterpart) == (
            "outgoing", MessageStatus.SEALED, "XB:procuraduria-general")


def test_export_says_why_a_request_may_not_be_sent_yet(instances, tmp_path):
    a, _b = instances
    out = tmp_path / "never.jose"
    messages = _count(a, ExchangeMessage)
    draft = _outgoing(a, state="draft")
    result = a.cli("export", draft, "--out", str(out))
    assert result.exit_code != 0 and "may not be sent yet" in result.output
    with a.app.app_context(), unit_of_work():
        untrusted = db.session.scalar(select(CounterpartIdentity))
        db.session.delete(untrusted)
    try:
        signed = _outgoing(a, state="signed", with_documents=False)
        result = a.cli("export", signed, "--out", str(out))
        assert result.exit_code != 0 and "not a trusted exchange counterpart" in result.output
    finally:
        assert a.cli("trust", str(a.tmp / "counterpart.json")).exit_code == 0
    assert a.cli("export", "MLA-OUT-1999-00001", "--out", str(out)).exit_code != 0
    assert not out.exists()
    assert _count(a, ExchangeMessage) == messages


def test_refused_packages_are_audited_and_register_nothing(instances, tmp_path, caplog):
    a, b = instances
    reference = _outgoing(a)
    good = tmp_path / "good.jose"
    assert a.cli("export", reference, "--out", str(good)).exit_code == 0
    data = good.read_bytes()
    with a.app.app_context():
        sender = load_local_identity(a.app)
        to_b = counterpart_keys("XB:procuraduria-general")
    stranger = new_identity(country="XC", name="Ministry of Justice")
    document = [PackageDocument("request.pdf", "application/pdf", PDF, "request", "en")]
    body = {"schema": "comity-request/1", "persons": [{"full_name": CANARY}]}
    tampered = bytearray(data)
    tampered[-10] = ord("A") if tampered[-10] != ord("A") else ord("B")
    cases = {
        "tampered": bytes(tampered),
        "unknown_sender": seal("request", body, document, sender=stranger, recipient=to_b),
        "wrong_recipient": seal("request", body, document, sender=sender,
                                recipient=stranger.as_counterpart),
        "expired": seal("request", body, document, sender=sender, recipient=to_b,
                        now=real_now() - timedelta(days=30)),
        "unsigned": b".".join(data.split(b".")[1:4]),  # no envelope, three parts
        "malformed": b"PK\x03\x04 a zip file",
    }
    before, documents, refusals = _count(b, Case), _count(b, Document), len(_refusals(b))
    caplog.set_level(logging.INFO)
    for code, package in cases.items():
        path = tmp_path / f"{code}.jose"
        path.write_bytes(package)
        result = b.cli("import", str(path))
        assert result.exit_code != 0, (code, result.output)
        assert f"Refused ({code})" in result.output
    assert (_count(b, Case), _count(b, Document)) == (before, documents)
    assert [r["code"] for r in _refusals(b)[refusals:]] == list(cases)

    # The real one, twice: registered once, then refused as a replay.
    assert b.cli("import", str(good)).exit_code == 0
    again = b.cli("import", str(good))
    assert again.exit_code != 0 and "Refused (replayed)" in again.output
    assert _count(b, Case) == before + 1
    assert _refusals(b)[-1]["code"] == "replayed"

    logged = caplog.text + json.dumps(_refusals(b))
    assert CANARY not in logged and "refused (tampered)" in caplog.text


def test_a_request_sealed_again_keeps_its_message_id(instances, tmp_path):
    a, b = instances
    reference = _outgoing(a)
    messages = _count(a, ExchangeMessage)
    first, second = tmp_path / "1.jose", tmp_path / "2.jose"
    assert a.cli("export", reference, "--out", str(first)).exit_code == 0
    assert a.cli("export", reference, "--out", str(second)).exit_code == 0
    assert first.read_bytes() != second.read_bytes()
    assert _count(a, ExchangeMessage) == messages + 1  # both copies are one message
    assert b.cli("import", str(second)).exit_code == 0
    result = b.cli("import", str(first))
    assert result.exit_code != 0 and "replayed" in result.output


def test_rotation_is_registered_by_the_counterpart_and_older_packages_still_open(
        instances, tmp_path):
    a, b = instances
    updates = _audited(a, "exchange.trust_update")
    before_rotation = tmp_path / "before.jose"
    assert a.cli("export", _outgoing(a), "--out", str(before_rotation)).exit_code == 0
    old = a.scalar(select(CounterpartIdentity.signing_fingerprint))

    rotated = b.cli("identity", "--rotate")
    assert rotated.exit_code == 0, rotated.output
    document = json.loads(rotated.stdout)
    assert document["fingerprints"]["signing"] != old
    assert old in [k["kid"] for k in document["retired_keys"]]
    (tmp_path / "b-rotated.json").write_text(rotated.stdout)
    assert a.cli("trust", str(tmp_path / "b-rotated.json")).exit_code == 0
    assert a.scalar(select(CounterpartIdentity.signing_fingerprint)) \
        == document["fingerprints"]["signing"]
    assert _audited(a, "exchange.trust_update") == updates + 1
    assert a.scalar(select(func.count()).where(Authority.country_code == "XB")) == 1

    # Encrypted for B's old key before the rotation: B still opens it.
    assert b.cli("import", str(before_rotation)).exit_code == 0
    after = tmp_path / "after.jose"
    assert a.cli("export", _outgoing(a), "--out", str(after)).exit_code == 0
    assert b.cli("import", str(after)).exit_code == 0


def test_trust_refuses_what_is_not_an_identity_document(instances, tmp_path):
    a, _b = instances
    bad = tmp_path / "bad.json"
    for content in ("not json", "[]", json.dumps({"format": "x"})):
        bad.write_text(content)
        result = a.cli("trust", str(bad))
        assert result.exit_code != 0 and result.output.strip()
    own = a.cli("identity")
    bad.write_text(own.stdout)
    result = a.cli("trust", str(bad))
    assert result.exit_code != 0 and "own identity" in result.output


def _signed_in(instance: Instance) -> Any:
    """A test client of ``instance`` signed in as its caseworker."""
    client = instance.app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]
    signed_in = client.post("/login", data={"username": "cw", "csrf_token": token,
                                            "password": "correct horse battery staple"})
    assert signed_in.status_code == 302
    return client


def _received(client: Any, reference: str) -> str:
    """The request page's "Received" (or "Registered") value."""
    html = client.get(f"/requests/{reference}").get_data(as_text=True)
    return " ".join(re.search(r'<dd [^>]*id="received">(.*?)</dd>', html, re.S)[1].split())


def test_a_request_from_a_package_shows_when_the_package_arrived(instances, tmp_path):
    """Received is the instant the package arrived (the message's record of it), not midday
    of its date; a request registered by hand shows its date received, without a time."""
    a, b = instances
    reference = _outgoing(a)
    package = tmp_path / "request.jose"
    assert a.cli("export", reference, "--out", str(package)).exit_code == 0
    # Tomorrow at 15:47 UTC on B (the package is valid for a week): never midday.
    arrival = (real_now() + timedelta(days=1)).replace(hour=15, minute=47, second=0,
                                                       microsecond=0)
    with clock.as_of(arrival):
        result = b.cli("import", str(package))
    assert result.exit_code == 0, result.output
    new_reference = result.stdout.strip().splitlines()[-1]
    with b.app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == new_reference))
        message = db.session.scalar(select(ExchangeMessage).where(
            ExchangeMessage.case_id == case.id))
        assert arrival <= message.created_at < arrival + timedelta(minutes=1)
        assert case.received_at.date() == arrival.date()  # the day it arrived, for clocks
        by_hand = register_case(_caseworker(), CaseInput(
            direction="incoming", kind="mla", counterpart_country="XA",
            legal_basis="UNTOC", title="Typed in from a letter",
            received_at=received_at_for(date(2026, 3, 4))))
        db.session.commit()
        typed_in = by_hand.reference

    client = _signed_in(b)
    shown = _received(client, new_reference)
    assert "3:47 PM" in shown and "12:00" not in shown, shown
    assert _received(client, typed_in) == "Mar 4, 2026"  # a day: no invented time


def test_the_directory_page_shows_the_fingerprints_to_read_back(instances):
    a, b = instances
    with b.app.app_context():
        expected = load_local_identity(b.app)
    with a.app.app_context(), unit_of_work():
        authority_id = db.session.scalar(select(CounterpartIdentity.authority_id))
        untrusted = Authority(name="Ministère public", country_code="XC",
                              kind="central_authority")
        db.session.add(untrusted)
        db.session.flush()
        untrusted_id = untrusted.id
    client = _signed_in(a)
    html = client.get(f"/directory/{authority_id}").get_data(as_text=True)
    assert readable_fingerprint(expected.signing_kid) in html
    assert readable_fingerprint(expected.encryption_kid) in html
    assert "XB:procuraduria-general" in html
    html = client.get(f"/directory/{untrusted_id}").get_data(as_text=True)
    assert "No exchange identity registered" in html and "data-fingerprint" not in html


def test_the_exchange_address_comes_from_the_setting(tmp_path):
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'x.db'}",
                                   exchange_url="https://xa.example/exchange/v1/inbox"))
    try:
        with app.app_context():
            db.create_all()
        result = app.test_cli_runner().invoke(args=["exchange", "identity", "--name", "MoJ"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["address"] == "https://xa.example/exchange/v1/inbox"
        assert (tmp_path / "exchange-identity.json").stat().st_mode & 0o777 == 0o600
        again = app.test_cli_runner().invoke(args=["exchange", "identity"])
        assert json.loads(again.stdout) == json.loads(result.stdout)  # same keys, same name
    finally:
        with app.app_context():
            db.engine.dispose()
