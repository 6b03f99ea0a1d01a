"""The API's history holds codes, never a sentence stored in English when the entry was
written: an exchange entry's data["label"] ("Electronic receipt confirmed") is for old
rows' display only and does not reach an API client reading in another language."""

from __future__ import annotations

import json

from mla.core.clock import now
from mla.core.transaction import unit_of_work
from mla.exchange.models import Direction, ExchangeMessage, MessageStatus
from mla.exchange.services import confirm_imported

CONTRACT_HISTORY_FIELDS = {"transition", "from", "to", "at", "actor"}


def test_history_keeps_the_contract_fields_and_no_stored_english_sentence(
        client, create_user, make_case, api_token, db):
    worker = create_user("caseworker")
    case = make_case(actor=worker)
    with unit_of_work():
        db.session.add(ExchangeMessage(
            message_id="urn:uuid:test-1", direction=Direction.INCOMING, kind="request",
            counterpart="FR-CA", case_id=case.id, status=MessageStatus.AWAITING_CONFIRMATION,
            package_sha256="0" * 64, issued_at=now()))
        db.session.flush()
        confirm_imported(worker, case)
    headers = {**api_token(worker), "Accept-Language": "fr"}

    body = client.get(f"/api/v1/cases/{case.reference}", headers=headers).get_json()

    assert body["history"], "the registration step is in the history"
    for item in body["history"]:
        assert set(item) == CONTRACT_HISTORY_FIELDS
    assert body["history"][0]["transition"] == "registered"
    assert body["history"][0]["to"] == case.state
    assert "Electronic receipt confirmed" not in json.dumps(body)
