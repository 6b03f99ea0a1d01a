"""What a caseworker types at a step, and the letters that repeat it, are sealed at rest:
the database holds ciphertext; the timeline, the request page, the letter and the API
read the same words; a step's structured values (its refusal ground) stay readable in
SQL for the reports."""

from __future__ import annotations

import json
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import column, inspect, select, table, text

from mla.cases.models import CaseEvent
from mla.core.crypto import key_ring
from mla.extensions import db
from mla.notifications.models import Letter
from mla.workflow.services import apply_transition
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)

REASONS = "Tamsin Quarrelwood, the person sought, is a minor under our law"
MARKER = b"Quarrelwood"
# A refusal step as the version before the migration kept it (a name no shipped
# workflow has among them: sealed too).
OLD_VALUES = {"refusal_ground": "essential_interests", "reasons": REASONS,
              "consultation": "held", "local_note": "Quarrelwood's file"}


def _stored(sql: str) -> list[bytes]:
    """Each cell as the database holds it (JSON as its text, binary as its bytes)."""
    with db.engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    return [_as_bytes(value) for row in rows for value in row]


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value).encode()
    return str(value).encode()


def _refused(db, ready_case, users) -> Any:
    case = ready_case("incoming_mla", "decision", counterpart_reference="XA-2026-77")
    apply_transition(users["caseworker"], case, "propose_refusal", expected_version=case.version,
                     values={"refusal_ground": "essential_interests", "reasons": REASONS,
                             "consultation": "held"})
    apply_transition(users["supervisor"], case, "approve_refusal",
                     expected_version=case.version)
    db.session.commit()
    return case


def test_typed_reasons_and_the_letter_are_ciphertext_and_read_the_same(
        db, ready_case, users, client, login_as, api_token):
    case = _refused(db, ready_case, users)

    stored = _stored("SELECT data, sealed_values, comment FROM case_events") \
        + _stored("SELECT subject, body, drafted_values FROM letters")
    assert stored and not any(MARKER in value for value in stored)
    plain = db.session.execute(text(
        "SELECT data FROM case_events WHERE transition = 'propose_refusal'")).scalar_one()
    plain = plain if isinstance(plain, dict) else json.loads(plain)
    assert plain["values"] == {"refusal_ground": "essential_interests",
                               "consultation": "held"}  # what reports read in SQL

    db.session.expire_all()
    event = db.session.scalars(select(CaseEvent).where(
        CaseEvent.transition == "propose_refusal")).one()
    assert event.values == {"refusal_ground": "essential_interests", "reasons": REASONS,
                            "consultation": "held"}
    letter = db.session.scalars(select(Letter).where(
        Letter.template_code == "refusal_notice")).one()
    assert REASONS in letter.body and "XA-2026-77" in letter.subject

    login_as(users["supervisor"])
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert REASONS in page
    assert REASONS in client.get(f"/letters/{letter.id}").get_data(as_text=True)
    listed = client.get("/letters").get_data(as_text=True)
    assert letter.subject in listed
    answer = client.get(f"/api/v1/letters/{letter.id}",
                        headers=api_token(users["supervisor"])).get_json()
    assert REASONS in answer["body"] and answer["subject"] == letter.subject


def test_approving_a_letter_with_edits_keeps_them_sealed(db, ready_case, users):
    from mla.notifications.letters import approve_letter

    _refused(db, ready_case, users)
    letter = db.session.scalars(select(Letter).where(
        Letter.template_code == "refusal_notice")).one()
    approver = users["admin"] if letter.created_by_id == users["supervisor"].id \
        else users["supervisor"]
    approve_letter(approver, letter, subject="Refusal: Tamsin Quarrelwood",
                   body=f"{letter.body}\nTamsin Quarrelwood's counsel was heard.")
    db.session.commit()

    assert not any(MARKER in value for value in _stored("SELECT subject, body FROM letters"))
    db.session.expire_all()
    letter = db.session.get(Letter, letter.id)
    assert letter.subject == "Refusal: Tamsin Quarrelwood"
    assert "Tamsin Quarrelwood's counsel was heard." in letter.body


# --- the migration ----------------------------------------------------------------------

SEALS = "f1a3c5e7b9d4"


def _before() -> str:
    """The revision the sealing migration follows."""
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def _dummy(spec: dict[str, Any]) -> Any:
    kind = str(spec["type"]).upper()
    if "INT" in kind:
        return 1
    if "BOOL" in kind:
        return False
    if "DATE" in kind or "TIME" in kind:
        return "2026-01-05 00:00:00"
    if "JSON" in kind:
        return "{}"
    return "x"


def _insert(name: str, known: dict[str, Any]) -> None:
    values = {c["name"]: known.get(c["name"], _dummy(c))
              for c in inspect(db.engine).get_columns(name)
              if c["name"] in known or (not c["nullable"] and not c.get("autoincrement")
                                        and c["name"] != "id")}
    with db.engine.begin() as conn:
        conn.execute(table(name, *(column(n) for n in values)).insert().values(values))


def _plain_rows() -> None:
    """A request's refusal step and its letter, as the version before wrote them."""
    from mla.core.transaction import unit_of_work
    from mla.reference.services import ensure_fictional_country, load_reference_data

    with unit_of_work():
        load_reference_data()
        ensure_fictional_country("XA", "Arcadia")
    _insert("cases", {"id": 1, "legal_basis": "UNTOC", "counterpart_country": "XA",
                      "direction": "incoming", "kind": "mla", "summary": b"",
                      "counterpart_authority_id": None, "treaty_id": None})
    step = {"label": "Propose refusal", "workflow_version": 1,
            "values": OLD_VALUES}
    for event_id, kind, data in ((1, "note", {}), (2, "transition", step)):
        _insert("case_events", {"id": event_id, "case_id": 1, "kind": kind,
                                "transition": "propose_refusal" if data else None,
                                "comment": b"", "data": json.dumps(data),
                                "is_internal": False})
    _insert("letters", {"id": 1, "key": "refusal:1", "case_id": 1, "status": "draft",
                        "template_code": "refusal_notice", "language": "en",
                        "subject": "Refusal: Tamsin Quarrelwood", "body": REASONS,
                        "created_by_id": None, "decided_by_id": None})


def test_the_migration_seals_existing_values_and_letters_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    stored = _stored("SELECT data, sealed_values FROM case_events") \
        + _stored("SELECT subject, body FROM letters")
    assert not any(MARKER in value for value in stored)
    with db.engine.connect() as conn:
        data, sealed = conn.execute(text(
            "SELECT data, sealed_values FROM case_events WHERE id = 2")).one()
        note = conn.execute(text("SELECT sealed_values FROM case_events WHERE id = 1")).scalar()
        subject, body = conn.execute(text("SELECT subject, body FROM letters")).one()
    data = data if isinstance(data, dict) else json.loads(data)
    assert data["values"] == {"refusal_ground": "essential_interests", "consultation": "held"}
    assert data["label"] == "Propose refusal" and note is None
    assert json.loads(key_ring().decrypt(bytes(sealed), context="case_events.sealed_values")) \
        == {"reasons": REASONS, "local_note": "Quarrelwood's file"}  # unknown names sealed
    assert key_ring().decrypt(bytes(subject), context="letters.subject") \
        == "Refusal: Tamsin Quarrelwood"
    assert key_ring().decrypt(bytes(body), context="letters.body") == REASONS

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    with db.engine.connect() as conn:
        data = conn.execute(text("SELECT data FROM case_events WHERE id = 2")).scalar_one()
        subject, body = conn.execute(text("SELECT subject, body FROM letters")).one()
    data = data if isinstance(data, dict) else json.loads(data)
    assert data["values"] == OLD_VALUES and (subject, body) == (
        "Refusal: Tamsin Quarrelwood", REASONS)
    assert "sealed_values" not in {c["name"] for c in inspect(db.engine).get_columns(
        "case_events")}

