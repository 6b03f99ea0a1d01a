"""A correction of a request's summary of facts or an offence's conduct leaves the old
and new words sealed, as the columns themselves are: the timeline entry's data says what
changed, its sealed values keep the words; the page shows the conduct's old and new
words, the summary as changed. The revision that seals them seals existing entries."""

from __future__ import annotations

import json
from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import text

from mla.cases.editing import OffenceEdit, update_case
from mla.core.crypto import key_ring
from mla.extensions import db as _db
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
SUMMARY = "Tamsin Quarrelwood moved the funds through three shell companies"
CONDUCT = "Tamsin Quarrelwood forged 40 invoices in 2025"


def test_a_corrected_summary_and_conduct_are_sealed_on_the_timeline(
        db, make_case, client, login_as):
    case = make_case(summary="False invoices")
    offence = case.offences[0]
    update_case(case.created_by, case, {
        "title": "Bank records, fraud ring (corrected)", "summary": SUMMARY,
        "offences": [OffenceEdit(id=offence.id, conduct=CONDUCT)]}, expected_version=1)
    db.session.commit()

    stored = _stored("SELECT data, sealed_values FROM case_events WHERE kind = 'edited'") \
        + _stored("SELECT details FROM audit_entries")
    assert stored and not any(MARKER in value for value in stored)
    (event,) = [e for e in case.events if e.kind == "edited"]
    assert event.data["changes"] == [
        {"field": "title", "old": "Bank records, fraud ring",
         "new": "Bank records, fraud ring (corrected)"},
        {"field": "summary", "encrypted": True},
        {"field": "offences", "offence": "Fraud", "part": "conduct", "encrypted": True}]
    assert event.values["corrected"] == {
        "1": {"old": "False invoices", "new": SUMMARY},
        "2": {"old": "False invoices", "new": CONDUCT}}

    login_as(case.created_by)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    start = page.index('class="small mb-1 edit-changes"')
    changes = " ".join(page[start:page.index("</li>", start)].split())
    assert "<div>Summary of the facts: changed</div>" in changes and SUMMARY not in changes
    assert f"conduct <bdi>False invoices</bdi> → <bdi>{CONDUCT}</bdi>" in changes


# --- the migration ----------------------------------------------------------------------

SEALS = "c8e0a2b4d6f7"
OLD_LINES: list[dict[str, Any]] = [
    {"field": "title", "old": "Fraud ring", "new": "Fraud ring (corrected)"},
    {"field": "summary", "old": "False invoices", "new": SUMMARY},
    {"field": "offences", "offence": "Fraud", "part": "statute", "old": "PC 1", "new": "PC 2"},
    {"field": "offences", "offence": "Fraud", "part": "conduct", "old": "", "new": CONDUCT},
]


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def _data(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


def test_the_migration_seals_corrected_words_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1) and its step's entries
    edited = {"changes": OLD_LINES, "consequences": []}
    untouched = {"changes": [{"field": "title", "old": "A", "new": "B"}], "consequences": []}
    entry = {"case_id": 1, "kind": "edited", "is_internal": True, "comment": b"",
             "sealed_values": None}
    _insert("case_events", {**entry, "id": 901, "data": json.dumps(edited)})
    _insert("case_events", {**entry, "id": 902, "data": json.dumps(untouched)})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored(
        "SELECT data, sealed_values FROM case_events WHERE id IN (901, 902)"))
    (data, sealed), (other, nothing) = _rows(
        "SELECT data, sealed_values FROM case_events WHERE id IN (901, 902) ORDER BY id")
    assert _data(data)["changes"] == [
        OLD_LINES[0], {"field": "summary", "encrypted": True}, OLD_LINES[2],
        {"field": "offences", "offence": "Fraud", "part": "conduct", "encrypted": True}]
    assert json.loads(key_ring().decrypt(bytes(sealed), context="case_events.sealed_values")) \
        == {"corrected": {"1": {"old": "False invoices", "new": SUMMARY},
                          "3": {"old": "", "new": CONDUCT}}}
    assert (_data(other), nothing) == (untouched, None)

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert [(_data(d), s) for d, s in _rows(
        "SELECT data, sealed_values FROM case_events WHERE id IN (901, 902) ORDER BY id")] \
        == [(edited, None), (untouched, None)]
