"""A document under a use limitation (UNTOC art. 18(19)/(20)) does not leave through the
exchange unread: the package is refused until the caseworker leaves the document out or
acknowledges the limitation with a reason (documents' ``documents_leaving`` signal,
answered by conditions and assurances)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import func, select, text

from mla.audit.models import AuditEntry
from mla.cases.models import Case, CaseEvent
from mla.core.transaction import unit_of_work
from mla.documents.models import Document
from mla.exchange.models import ExchangeMessage
from mla.extensions import db
from mla.undertakings.services import add_limitation
from tests.exchange.test_cli_file_channel import (  # noqa: F401
    Instance,
    _caseworker,
    _outgoing,
    instances,
)


def _limit_annex(a: Instance, reference: str) -> int:
    with a.app.app_context(), unit_of_work():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        # The name is sealed: found among the request's documents, not compared in SQL.
        annex = next(d for d in db.session.scalars(select(Document).where(
            Document.case_id == case.id)) if d.filename == "annex.pdf")
        add_limitation(_caseworker(), annex, kind="use",
                       scope="Only for the fraud proceedings named in the request.")
        return annex.id


def _messages(a: Instance, reference: str) -> int:
    return a.scalar(select(func.count()).select_from(ExchangeMessage).join(
        Case, Case.id == ExchangeMessage.case_id).where(Case.reference == reference))


def _imported_documents(b: Instance, package: Path) -> list[str]:
    result = b.cli("import", str(package))
    assert result.exit_code == 0, result.output
    reference = result.stdout.strip().splitlines()[-1]
    with b.app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        return sorted(db.session.scalars(select(Document.filename).where(
            Document.case_id == case.id)))


def test_export_warns_on_a_limited_document_until_left_out_or_acknowledged(
        instances, tmp_path):  # noqa: F811
    a, b = instances
    reference = _outgoing(a)
    annex_id = _limit_annex(a, reference)
    out = tmp_path / "p.jose"
    refused = a.cli("export", reference, "--out", str(out))
    assert refused.exit_code != 0
    assert "use limitation" in refused.output and "UNTOC art. 18(19)" in refused.output
    assert "annex.pdf" in refused.output and not out.exists()
    assert _messages(a, reference) == 0
    no_reason = a.cli("export", reference, "--out", str(out), "--acknowledge", " ")
    assert no_reason.exit_code != 0 and not out.exists()

    left_out = a.cli("export", reference, "--out", str(out), "--leave-out", str(annex_id))
    assert left_out.exit_code == 0, left_out.output
    assert _imported_documents(b, out) == ["request.pdf"]

    other = _outgoing(a)
    _limit_annex(a, other)
    sent = a.cli("export", other, "--out", str(out), "--acknowledge", "Consent of 3 March")
    assert sent.exit_code == 0, sent.output
    assert _imported_documents(b, out) == ["annex.pdf", "request.pdf"]
    with a.app.app_context():
        seal = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "exchange.seal").order_by(AuditEntry.id.desc())).first()
        # The audit says a reason was given, not what it says (sealed on the timeline).
        assert "reason" not in seal.details and "Consent" not in json.dumps(seal.details)
        assert (seal.details["reason_given"], seal.details["reason_length"]) == (True, 18)
        assert len(seal.details["limited_sent"]) == 1


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found, "no CSRF token"
    return found.group(1)


def test_the_transmit_panel_shows_the_warning_and_needs_an_answer(instances):  # noqa: F811
    a, _b = instances
    reference = _outgoing(a)
    annex_id = _limit_annex(a, reference)
    client = a.app.test_client()
    login = client.get("/login")
    assert client.post("/login", data={
        "username": "cw", "password": "correct horse battery staple",
        "csrf_token": _csrf(login.get_data(as_text=True))}).status_code == 302
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Leave annex.pdf out of the package" in page
    assert "UNTOC art. 18(19)" in page and "Only for the fraud proceedings" in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert version
    form = {"csrf_token": _csrf(page), "version": version.group(1)}

    refused = client.post(f"/requests/{reference}/exchange/transmit", data=form,
                          follow_redirects=True).get_data(as_text=True)
    assert "under a use limitation" in refused and "UNTOC art. 18(19)" in refused
    assert _messages(a, reference) == 0
    with a.app.app_context():
        assert db.session.scalar(select(Case.state).where(
            Case.reference == reference)) == "signed"

    downloaded = client.post(f"/requests/{reference}/exchange/package", data=form)
    assert downloaded.status_code == 302 and _messages(a, reference) == 0
    # "²".isdigit() is true but int("²") fails: not a document id, nothing left out.
    unreadable = client.post(f"/requests/{reference}/exchange/package",
                             data=dict(form, leave_out="²"))
    assert unreadable.status_code == 302 and _messages(a, reference) == 0
    downloaded = client.post(f"/requests/{reference}/exchange/package",
                             data=dict(form, leave_out=str(annex_id)))
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/jose"
    assert _messages(a, reference) == 1
    with a.app.app_context():
        seal = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "exchange.seal").order_by(AuditEntry.id.desc())).first()
        assert seal.details["left_out"] == [annex_id]


CONSENT = "Consent of Zoltan Canarybird-Quetzal's counsel, 3 March"


def test_the_reason_for_a_limited_document_is_sealed_and_the_timeline_shows_it(
        instances):  # noqa: F811
    """Why a limited document went anyway is typed by the caseworker and may name a
    person: ciphertext in case_events, absent from the audit trail (page and CSV export,
    which say that a reason was given), shown on the request's timeline."""
    a, _b = instances
    reference = _outgoing(a)
    annex_id = _limit_annex(a, reference)
    client = a.app.test_client()
    login = client.get("/login")
    assert client.post("/login", data={
        "username": "cw", "password": "correct horse battery staple",
        "csrf_token": _csrf(login.get_data(as_text=True))}).status_code == 302
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert version
    downloaded = client.post(f"/requests/{reference}/exchange/package", data={
        "csrf_token": _csrf(page), "version": version.group(1), "acknowledged": "y",
        "reason": CONSENT})
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/jose"

    with a.app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.reference == reference))
        stored = db.session.execute(text(
            "SELECT data, sealed_values FROM case_events WHERE case_id = :id "
            "AND kind = 'exchange'"), {"id": case_id}).one()
        assert stored.sealed_values is not None
        assert not any(b"Canarybird" in (bytes(v) if isinstance(v, bytes | memoryview)
                                         else json.dumps(v).encode() if isinstance(v, dict)
                                         else str(v).encode()) for v in stored)
        event = db.session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "exchange")).one()
        assert event.values == {"reason": CONSENT}
        assert event.data["limited_sent"] == [annex_id] and "reason" not in event.data
        seal = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "exchange.seal").order_by(AuditEntry.id.desc())).first()
        assert "Canarybird" not in json.dumps(seal.details)
        assert (seal.details["reason_given"], seal.details["reason_length"]) \
            == (True, len(CONSENT))

    timeline = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert "1 document sent although under a use limitation" in timeline
    assert "Canarybird-Quetzal&#39;s counsel, 3 March" in timeline
    with a.app.app_context(), unit_of_work():
        from mla.auth.services import create_user
        create_user("test", username="auditor-x", password="correct horse battery staple",
                    role="auditor")
    client = a.app.test_client()
    login = client.get("/login")
    assert client.post("/login", data={
        "username": "auditor-x", "password": "correct horse battery staple",
        "csrf_token": _csrf(login.get_data(as_text=True))}).status_code == 302
    trail = client.get("/audit/?action=exchange.seal").get_data(as_text=True)
    exported = client.get("/audit/export.csv?action=exchange.seal").get_data(as_text=True)
    # the page reads a flag as a person does; the export mirrors the stored record
    assert f"reason_given=yes; reason_length={len(CONSENT)}" in trail
    assert f"reason_given=True; reason_length={len(CONSENT)}" in exported
    for shown in (trail, exported):
        assert "Canarybird" not in shown
