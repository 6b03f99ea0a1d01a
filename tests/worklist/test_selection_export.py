"""The ticked rows of the request list, exported (the list's bulk action "CSV"/"XLSX"):
those rows only, in the list's order, the list's columns and days (the same cells as the
whole list's export), one audit entry, and a selection that cannot be exported refused
in words on the list, never a 500."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from mla.audit.models import AuditEntry
from mla.cases.models import Case
from tests.worklist.export_support import csv_rows, xlsx_rows

HEADER = ["Reference", "Title", "Counterpart", "State", "Assigned to", "Registered",
          "Next due", "Urgent"]
FORMATS = ["csv", "xlsx"]


@pytest.fixture
def me(create_user, login_as):
    user = create_user("caseworker")
    login_as(user)
    return user


def _tokens(client) -> dict[str, str]:
    """The list's tick boxes, reference -> the value the form sends, in the list's order."""
    page = client.get("/requests/", query_string={"per_page": "200"}).get_data(as_text=True)
    return {ref: token for token, ref in
            re.findall(r'name="selected" value="(([^":]+):[^"]*)"', page)}


def _export(client, csrf_token, fmt: str, selected: list[str]):
    response = client.post("/requests/bulk", data={
        "csrf_token": csrf_token("/requests/"), "selected": selected, "back": "",
        "action": fmt})
    response.get_data()
    response.close()
    return response


def _rows(response, fmt: str) -> list[list[str]]:
    return csv_rows(response) if fmt == "csv" else xlsx_rows(response)


def _exports(db) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "cases.export")))


@pytest.mark.parametrize("fmt", FORMATS)
def test_only_the_ticked_rows_in_the_list_order_with_the_lists_columns(
        client, db, me, make_case, csrf_token, fmt):
    cases = [make_case(me, title=f"Request {n}", is_urgent=n == 2,
                       urgency_reason="Trial date" if n == 2 else "",
                       assignee_id=me.id if n == 2 else None, counterpart_country="XB")
             for n in range(5)]
    listed = _tokens(client)
    ticked = [ref for ref in listed if ref in {cases[0].reference, cases[2].reference,
                                               cases[3].reference}]
    rows = _rows(_export(client, csrf_token, fmt, [listed[ref] for ref in ticked]), fmt)
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == ticked
    urgent = {row[0]: row for row in rows[1:]}[cases[2].reference]
    assert urgent[1:3] == ["Request 2", "Borduria"]
    assert urgent[3] and urgent[3] in client.get("/requests/").get_data(as_text=True)
    assert urgent[4:] == [me.display_name, cases[2].created_at.date().isoformat(),
                          cases[2].next_due_at.date().isoformat() if cases[2].next_due_at
                          else "", "urgent"]
    entry, = _exports(db)
    assert entry.actor_id == me.id
    assert entry.details == {"list": "selection", "format": fmt, "rows": 3,
                             "references": ticked}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_cells_as_the_whole_lists_export(client, me, make_case, csrf_token, fmt):
    for n in range(3):
        make_case(me, title=f"=cmd|' /C calc'!A{n}", assignee_id=me.id)
    listed = _tokens(client)
    whole = client.get(f"/requests/export.{fmt}")
    whole.get_data()
    whole.close()
    ticked = _rows(_export(client, csrf_token, fmt, list(listed.values())), fmt)
    assert ticked == _rows(whole, fmt)
    if fmt == "csv":
        assert all(row[1].startswith("'=") for row in ticked[1:]), "never read as a formula"


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_day_is_the_one_the_list_shows_its_reader_west_of_utc(
        client, db, me, make_case, csrf_token, west_home, fmt):
    """Home state in Bogotá, reader in New York: registered at 02:00 UTC is the previous
    day for the reader; a deadline at 23:59:59 in Bogotá is that day, though it is already
    the next one in New York and in UTC."""
    me.time_zone = "America/New_York"
    case = make_case(me)
    case.created_at = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    case.next_due_at = datetime(2026, 3, 21, 4, 59, 59, tzinfo=UTC)
    db.session.commit()
    rows = _rows(_export(client, csrf_token, fmt, [_tokens(client)[case.reference]]), fmt)
    assert rows[1][0] == case.reference
    assert rows[1][5:7] == ["2026-03-09", "2026-03-20"]


def test_an_auditor_reads_a_selection_too(client, db, create_user, make_case, login_as,
                                          csrf_token):
    case = make_case()
    login_as(create_user("auditor"))
    rows = csv_rows(_export(client, csrf_token, "csv", [_tokens(client)[case.reference]]))
    assert [row[0] for row in rows[1:]] == [case.reference]


@contextmanager
def _hidden_from(user, case):
    """``case`` out of ``user``'s sight, through the one scope every query reads
    (``case_scope``: a sandbox trainee's copy is narrowed the same way)."""
    from mla.cases.signals import case_scope

    def scope(actor, **_kwargs):
        return Case.id != case.id if actor.id == user.id else None

    with case_scope.connected_to(scope):
        yield


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_row_the_reader_cannot_see_is_refused_by_name_and_nothing_is_exported(
        client, db, me, make_case, csrf_token, fmt):
    seen, unseen = make_case(me), make_case(me)
    listed = _tokens(client)
    with _hidden_from(me, unseen):
        response = _export(client, csrf_token, fmt,
                           [listed[seen.reference], listed[unseen.reference]])
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Not exported: not visible to you: {unseen.reference}." in page
    assert seen.reference in page  # the list, shown again
    assert _exports(db) == []


def test_a_prosecutor_cannot_export_through_the_staff_list(
        client, db, create_user, make_case, login_as, csrf_token):
    from mla.directory.models import Authority

    office = Authority(name="Office A", country_code="XZ", kind="prosecution")
    db.session.add(office)
    db.session.commit()
    theirs, other = make_case(domestic_authority_id=office.id), make_case()
    login_as(create_user("caseworker"))
    listed = _tokens(client)
    login_as(create_user("prosecutor", authority_id=office.id))
    token = csrf_token("/portal/")
    for selected in ([listed[theirs.reference]], [listed[other.reference]]):
        response = client.post("/requests/bulk", data={
            "csrf_token": token, "selected": selected, "back": "", "action": "csv"})
        assert response.status_code in {302, 403}
        assert response.mimetype != "text/csv"
        assert other.reference.encode() not in response.data
    assert _exports(db) == []


@pytest.mark.parametrize(("selected", "message"), [
    ([], "Select at least one request."),
    (["nonsense"], "The selection could not be read: reload the list."),
    (["MLA-IN-2026-00001:x:0"], "The selection could not be read: reload the list."),
    ([f"MLA-IN-2099-{n:05d}:1:0" for n in range(201)], "Select at most 200 requests at once."),
], ids=["none", "garbage", "bad-version", "too-many"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_or_unreadable_selection_is_said_on_the_list(
        client, db, me, make_case, csrf_token, fmt, selected, message):
    make_case(me)
    response = _export(client, csrf_token, fmt, selected)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert _exports(db) == []


def test_an_unknown_reference_is_refused_by_name(client, db, me, make_case, csrf_token):
    make_case(me)
    response = _export(client, csrf_token, "csv", ["MLA-IN-2099-99999:1:0"])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not exported: not visible to you: MLA-IN-2099-99999." in page
    assert _exports(db) == []
