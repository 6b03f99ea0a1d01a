"""A request's reason for urgency (typed by the caseworker: custody, flight, health) is
sealed at rest, and so are its old and new words on a correction's timeline entry; the
request page and the API read it whole. The revision that seals it seals existing
requests and correction entries and opens them going down."""

from __future__ import annotations

import json
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from mla.cases.editing import update_case
from mla.core.crypto import key_ring
from mla.extensions import db as _db
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
REASON = "Tamsin Quarrelwood boards a flight to Lima on Friday"
CORRECTED = "Tamsin Quarrelwood was arrested: custody time limits run"


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def test_a_reason_for_urgency_is_ciphertext_and_the_page_and_api_read_it(
        db, make_case, client, login_as, api_token):
    case = make_case(is_urgent=True, urgency_reason=REASON)
    make_case(title="Not urgent")
    db.session.commit()
    stored = _rows("SELECT urgency_reason FROM cases ORDER BY id")
    assert stored[1] == (None,)  # none: nothing sealed
    assert stored[0][0] and MARKER not in bytes(stored[0][0])

    update_case(case.created_by, case, {"urgency_reason": CORRECTED}, expected_version=1)
    db.session.commit()
    assert not any(MARKER in value for value in _stored(
        "SELECT urgency_reason FROM cases") + _stored(
        "SELECT data, sealed_values FROM case_events WHERE kind = 'edited'") + _stored(
        "SELECT details FROM audit_entries"))
    (event,) = [e for e in case.events if e.kind == "edited"]
    assert event.data["changes"] == [{"field": "urgency_reason", "encrypted": True}]

    login_as(case.created_by)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    start = page.index('class="small mb-1 edit-changes"')
    changes = " ".join(page[start:page.index("</li>", start)].split())
    assert (f"Reason for urgency: <bdi>{REASON}</bdi> → <bdi>{CORRECTED}</bdi>"
            in changes)
    body = client.get(f"/api/v1/cases/{case.reference}",
                      headers=api_token(case.created_by)).get_json()
    assert body["urgency_reason"] == CORRECTED


# --- the migration ----------------------------------------------------------------------

SEALS = "d0f2b4c6e8a1"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def _data(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


def test_the_migration_seals_reasons_and_corrections_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    with _db.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET is_urgent = true, urgency_reason = :reason"),
                     {"reason": REASON})
    _insert("cases", {"id": 2, "reference": "MLA-2026-00002", "legal_basis": "UNTOC",
                      "counterpart_country": "XA", "direction": "incoming", "kind": "mla",
                      "summary": b"", "urgency_reason": "",
                      "counterpart_authority_id": None, "treaty_id": None})
    edited = {"changes": [{"field": "title", "old": "A", "new": "B"},
                          {"field": "urgency_reason", "old": REASON, "new": CORRECTED}],
              "consequences": []}
    _insert("case_events", {"id": 901, "case_id": 1, "kind": "edited", "is_internal": True,
                            "comment": b"", "data": json.dumps(edited),
                            "sealed_values": None})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored("SELECT urgency_reason FROM cases")
                   + _stored("SELECT data, sealed_values FROM case_events WHERE id = 901"))
    (sealed,), (nothing,) = _rows("SELECT urgency_reason FROM cases ORDER BY id")
    assert key_ring().decrypt(bytes(sealed), context="cases.urgency_reason") == REASON
    assert nothing is None
    ((data, values),) = _rows("SELECT data, sealed_values FROM case_events WHERE id = 901")
    assert _data(data)["changes"][1] == {"field": "urgency_reason", "encrypted": True}
    assert json.loads(key_ring().decrypt(bytes(values), context="case_events.sealed_values")) \
        == {"corrected": {"1": {"old": REASON, "new": CORRECTED}}}

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT urgency_reason FROM cases ORDER BY id") == [(REASON,), ("",)]
    assert [(_data(d), s) for d, s in _rows(
        "SELECT data, sealed_values FROM case_events WHERE id = 901")] == [(edited, None)]
    columns = {c["name"]: str(c["type"]).upper()
               for c in inspect(_db.engine).get_columns("cases")}
    assert columns["urgency_reason"] not in {"BLOB", "BYTEA"}
