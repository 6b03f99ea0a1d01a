"""The secure exchange on the prosecutors' portal: the exchange between central
authorities is the central authority's business. A prosecutor reads at most where the
transmission of the request stands (pending, transmitted, delivered), never a refused
package's reason code, its reason in words or the counterpart system's own words; the
caseworker reads all of them on the staff request page."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from mla.cases.models import CaseEvent
from mla.cases.services import add_event
from mla.core.clock import now
from mla.exchange import transport
from mla.exchange.models import Direction, ExchangeMessage, MessageStatus
from mla.portal.serializers import prosecutor_case_view, visible_events
from tests.worklist.export_support import csv_rows, read_whole, xlsx_rows

MESSAGE_ID = "urn:uuid:4b7f6c1e-0000-4000-8000-0000000000a1"
# The counterpart system's own words, with a name in them: sealed, and staff-only.
THEIR_WORDS = "Sender XZ:ministry is not trusted here; ask Tamsin Quarrelwood to register it."
CODE = "unknown_sender"
# What the staff page says of that code (mla.exchange.package.refusal_label).
OUR_WORDS = "we are not a trusted counterpart there"
TECHNICAL = "malformed: the receipt names another message"
STATUS_WORDS = "Please confirm the account holder's date of birth (Zembla desk)."
NEVER_ON_PORTAL = (THEIR_WORDS, "Quarrelwood", CODE, OUR_WORDS, "Refused by the counterpart",
                   "refused_by_counterpart", TECHNICAL, "receipt_unverified", STATUS_WORDS,
                   "status_received", MESSAGE_ID)


@pytest.fixture
def refused(prosecutor_setup, db):
    """Our office's outgoing request, its package sealed, queued and refused by the
    counterpart's system (the transport's own record of it), plus the other entries the
    exchange writes that a prosecutor does not read."""
    case = prosecutor_setup["mine"]
    case.direction = "outgoing"
    staff = prosecutor_setup["staff"]
    message = ExchangeMessage(
        message_id=MESSAGE_ID, direction=Direction.OUTGOING, kind="request",
        counterpart="XB:ministry", case_id=case.id, status=MessageStatus.SEALED,
        package_sha256=hashlib.sha256(b"x").hexdigest(), issued_at=now())
    db.session.add(message)
    db.session.flush()
    add_event(case, staff, "exchange", data={
        "label": "Sealed for electronic transmission", "action": "sealed",
        "message_id": MESSAGE_ID, "counterpart": "XB:ministry"})
    transport.enqueue_package(case, message, b"eyJhbGciOi.sealed.package.for.test",
                              "https://ca.example.org/exchange/v1/inbox")
    transport.record_undelivered(MESSAGE_ID, CODE, THEIR_WORDS)
    # As the transport writes them: an unverified receipt, a status update received and
    # a status of ours refused (a package that is not the request).
    add_event(case, "exchange", "exchange", comment=TECHNICAL, data={
        "action": "receipt_unverified", "kind": "request", "message_id": MESSAGE_ID})
    add_event(case, "exchange", "exchange", comment=STATUS_WORDS, data={
        "action": "status_received", "status": "information_requested",
        "message_id": "urn:uuid:other", "their_reference": "ZB-1", "due_on": "", "documents": 0})
    add_event(case, "exchange", "exchange", comment=THEIR_WORDS, data={
        "action": "refused_by_counterpart", "kind": "status", "code": CODE,
        "message_id": "urn:uuid:status"})
    add_event(case, "exchange", "exchange", comment=THEIR_WORDS, data={
        "action": "something_new", "message_id": "urn:uuid:new"})
    db.session.commit()
    return case


def _absent(text: str, where: str) -> None:
    for words in NEVER_ON_PORTAL:
        assert words not in text, f"{words!r} on {where}"


def test_the_portal_page_says_the_transmission_is_pending_and_no_more(
        refused, prosecutor_setup, client, login_as):
    login_as(prosecutor_setup["me"])
    html = client.get(f"/portal/requests/{refused.reference}").get_data(as_text=True)
    _absent(html, "the portal's request page")
    timeline = html[html.index('id="h-timeline"'):]
    assert "Electronic transmission to the foreign authority prepared" in timeline
    assert "Transmission to the foreign authority pending" in timeline
    assert "Transmitted electronically to the foreign authority" in timeline
    # Three exchange entries (the request's own package), not the status ones.
    assert timeline.count('class="small portal-exchange"') == 3
    _absent(client.get("/portal/").get_data(as_text=True), "My requests")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_portal_export_carries_them(refused, prosecutor_setup, client, login_as, fmt):
    login_as(prosecutor_setup["me"])
    response = read_whole(client, f"/portal/export.{fmt}")
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert refused.reference in [row[0] for row in rows]
    _absent("\n".join("\t".join(row) for row in rows), f"the portal's {fmt} export")


def test_nor_the_api_as_the_prosecutor_reads_it(refused, prosecutor_setup, client, api_token):
    body = client.get(f"/api/v1/cases/{refused.reference}",
                      headers=api_token(prosecutor_setup["me"]))
    assert body.status_code == 200
    _absent(body.get_data(as_text=True), "the API")


def test_the_service_selects_only_the_requests_transmission(refused, db):
    events = visible_events(refused)
    exchange = [e for e in events if e.kind == "exchange"]
    assert [e.data["action"] for e in exchange] == ["sealed", "refused_by_counterpart",
                                                    "receipt_unverified"]
    view = prosecutor_case_view(refused)
    rows = [row for row in view["history"] if row["kind"] == "exchange"]
    assert [str(row["note"]) for row in rows] == [
        "Electronic transmission to the foreign authority prepared",
        "Transmission to the foreign authority pending",
        "Transmitted electronically to the foreign authority"]
    assert all(row["comment"] == "" and row["label"] is None for row in rows)
    _absent(repr(view), "the portal's view")
    # Not hidden by marking it internal: the staff timeline keeps it as written.
    stored = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == refused.id, CaseEvent.kind == "exchange")).all()
    assert len(stored) == 6 and not any(e.is_internal for e in stored)


def test_the_caseworker_still_reads_the_refusal_on_the_staff_page(
        refused, prosecutor_setup, client, login_as):
    login_as(prosecutor_setup["staff"])
    html = client.get(f"/requests/{refused.reference}").get_data(as_text=True)
    assert f"Refused by the counterpart ({OUR_WORDS})" in html
    assert THEIR_WORDS.replace("'", "&#39;") in html
    assert TECHNICAL in html and STATUS_WORDS.replace("'", "&#39;") in html
