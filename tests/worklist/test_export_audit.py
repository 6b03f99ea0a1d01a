"""Exporting requests is a bulk disclosure: each export (the staff list, a selection, a
prosecutor's list) leaves exactly one audit entry, committed with the request before any
row is read, naming the list, the format and the filters with no personal data."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from mla.audit.models import AuditEntry

EXPORT = "cases.export"


@pytest.fixture
def me(create_user, login_as):
    user = create_user("caseworker")
    login_as(user)
    return user


def _committed(db) -> list[AuditEntry]:
    """The export entries another connection sees: committed ones only."""
    with db.engine.connect() as connection:
        return list(connection.execute(
            select(AuditEntry.actor_id, AuditEntry.action, AuditEntry.object_type,
                   AuditEntry.details).where(AuditEntry.action == EXPORT)
            .order_by(AuditEntry.id)))


def _read(response) -> bytes:
    body = response.get_data()
    response.close()
    return body


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_list_export_leaves_one_entry_with_its_filters_and_no_personal_data(
        client, db, me, make_case, fmt):
    case = make_case(me, title="Secret operation Nightjar")
    args = {"direction": "incoming", "measure": "bank_records", "q": "Jean Fictif",
            "sort": "oldest", "note": "Jean"}
    response = client.get(f"/requests/export.{fmt}", query_string=args, buffered=False)
    # Committed with the request: another connection sees it while the body is read.
    [entry] = _committed(db)
    body = _read(response)
    assert fmt == "xlsx" or case.reference.encode() in body
    assert _committed(db) == [entry], "exactly one, none written while streaming"
    assert (entry.actor_id, entry.object_type) == (me.id, "cases")
    assert entry.details == {
        "list": "requests", "format": fmt, "rows": "streamed",
        "filters": {"direction": "incoming", "measure": "bank_records", "sort": "oldest",
                    "q": "words", "other": 1}}
    text = json.dumps(entry.details)
    assert "Jean" not in text and "Fictif" not in text and "Nightjar" not in text


def test_a_search_for_a_reference_is_kept_as_such(client, db, me, make_case):
    case = make_case(me)
    _read(client.get("/requests/export.csv", query_string={"q": case.reference}))
    [entry] = _committed(db)
    assert entry.details["filters"] == {"q": "reference"}


def test_refused_filters_leave_no_entry(client, db, me):
    response = client.get("/requests/export.csv", query_string={"measure": "nonsense"})
    assert response.status_code == 422
    assert _committed(db) == []


def test_a_selection_export_leaves_one_entry_with_its_rows(client, db, me, make_case,
                                                           csrf_token):
    cases = [make_case(me) for _ in range(3)]
    listed = client.get("/requests/").get_data(as_text=True)
    tokens = dict(re.findall(r'name="selected" value="(([^":]+):[^"]*)"', listed))
    chosen = [token for token, ref in tokens.items() if ref in {c.reference for c in cases[:2]}]
    response = client.post("/requests/bulk", data={
        "csrf_token": csrf_token("/requests/"), "selected": chosen, "back": "", "action": "xlsx"})
    assert response.status_code == 200
    [entry] = _committed(db)
    assert entry.details == {"list": "selection", "format": "xlsx", "rows": 2,
                             "references": [t.split(":")[0] for t in chosen]}


def test_a_prosecutors_export_leaves_one_entry(client, db, create_user, make_case, login_as):
    from mla.directory.models import Authority

    office = Authority(name="Office A", country_code="XZ", kind="prosecution")
    db.session.add(office)
    db.session.commit()
    make_case(domestic_authority_id=office.id)
    prosecutor = create_user("prosecutor", authority_id=office.id)
    login_as(prosecutor)
    _read(client.get("/portal/export.csv", query_string={"open": "1"}))
    [entry] = _committed(db)
    assert entry.actor_id == prosecutor.id
    assert entry.details == {"list": "portal", "format": "csv", "rows": "streamed",
                             "filters": {"open": "1"}}
