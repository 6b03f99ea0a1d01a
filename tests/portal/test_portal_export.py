"""A prosecutor's "my requests" as CSV and XLSX: their office's requests only, the list's
filters and order, the columns the list shows and no more, read by the request list's
export machinery (streamed, every cell safe for a spreadsheet)."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from tests.worklist.export_support import csv_rows, read_whole, xlsx_rows

HEADER = ["Reference", "Title", "Direction", "Other state", "Where it stands", "Waiting on",
          "Next due", "Urgent"]


def _on_page(client, args) -> list[str]:
    html = client.get("/portal/", query_string=args).get_data(as_text=True)
    return re.findall(r'href="/portal/requests/([A-Z]+-[A-Z]+-\d{4}-\d{5})"', html)


@pytest.fixture
def offices(prosecutor_setup, make_case):
    """Our office: 5 requests (3 incoming, 2 outgoing, one urgent) beside the fixture's
    one; the other office: 2 more beside its own."""
    staff, ours, theirs = (prosecutor_setup[k] for k in ("staff", "ours", "theirs"))
    for n in range(3):
        make_case(staff, domestic_authority_id=ours.id, title=f"Incoming {n}",
                  is_urgent=n == 1, urgency_reason="Trial date" if n == 1 else "")
    for n in range(2):
        make_case(staff, domestic_authority_id=ours.id, direction="outgoing",
                  title=f"Outgoing {n}")
    for n in range(2):
        make_case(staff, domestic_authority_id=theirs.id, title=f"Theirs {n}")
    return prosecutor_setup


@pytest.mark.parametrize("args", [{}, {"direction": "outgoing"}, {"urgent": "1"},
                                  {"q": "Incoming"}],
                         ids=lambda a: "&".join(f"{k}={v}" for k, v in a.items()) or "all")
def test_a_prosecutor_exports_their_offices_list_with_its_filters_in_its_order(
        client, login_as, offices, small_batches, args):
    login_as(offices["me"])
    listed = _on_page(client, args)
    assert len(listed) == {"direction": 2, "urgent": 1, "q": 3}.get(next(iter(args), ""), 6)
    response = client.get("/portal/export.csv", query_string=args, buffered=False)
    chunks = [bytes(chunk) for chunk in response.response]
    response.close()
    assert len(chunks) == -(-len(listed) // 2), "streamed, one chunk per batch"
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == listed
    assert xlsx_rows(read_whole(client, "/portal/export.xlsx", query_string=args)) == rows


def test_the_export_has_what_the_list_shows_and_no_more(client, login_as, offices, db):
    login_as(offices["me"])
    case = offices["mine"]
    page = client.get("/portal/").get_data(as_text=True)
    rows = {row[0]: row for row in csv_rows(read_whole(client, "/portal/export.csv"))[1:]}
    row = rows[case.reference]
    assert row[:4] == [case.reference, case.title, "Incoming",
                       case.country.name if case.country else ""]
    assert row[4] and row[4] in page and row[5] and row[5] in page
    assert row[6] == (case.next_due_at.date().isoformat() if case.next_due_at else "")
    assert [r[7] for r in rows.values()].count("urgent") == 1
    body = "\n".join(",".join(r) for r in rows.values())
    assert offices["staff"].display_name not in body, "no assignee"
    assert "Jean Fictif" not in body, "no person"


def test_another_office_gets_none_of_them(client, login_as, offices, create_user):
    login_as(offices["me"])
    mine = {row[0] for row in csv_rows(read_whole(client, "/portal/export.csv"))[1:]}
    assert offices["mine"].reference in mine and offices["not_mine"].reference not in mine
    login_as(offices["other"])
    theirs = {row[0] for row in csv_rows(read_whole(client, "/portal/export.csv"))[1:]}
    assert len(theirs) == 3 and not theirs & mine
    assert not {row[0] for row in xlsx_rows(read_whole(client, "/portal/export.xlsx"))[1:]} & mine
    login_as(create_user("prosecutor"))  # no office: nothing
    assert csv_rows(read_whole(client, "/portal/export.csv")) == [HEADER]


def test_staff_cannot_use_the_portals_export(client, login_as, offices):
    login_as(offices["staff"])
    assert read_whole(client, "/portal/export.csv").status_code == 403
    assert read_whole(client, "/portal/export.xlsx").status_code == 403


def test_no_cell_is_read_as_a_formula(client, login_as, prosecutor_setup, make_case):
    titles = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3", "@SUM(A1)"]
    for title in titles:
        make_case(prosecutor_setup["staff"], domestic_authority_id=prosecutor_setup["ours"].id,
                  title=title)
    login_as(prosecutor_setup["me"])
    exported = {row[1] for row in csv_rows(read_whole(client, "/portal/export.csv"))[1:]}
    assert {f"'{t}" for t in titles} <= exported and not set(titles) & exported
    answer = read_whole(client, "/portal/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.data)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in cells} >= set(titles)
    assert all(c.data_type == "s" for c in cells), "text, never a formula"


def test_the_portal_list_links_its_exports_with_its_filters(client, login_as, offices):
    login_as(offices["me"])
    html = client.get("/portal/", query_string={"direction": "outgoing"}).get_data(as_text=True)
    assert 'href="/portal/export.csv?direction=outgoing"' in html
    assert 'href="/portal/export.xlsx?direction=outgoing"' in html


def test_the_next_due_day_is_the_one_the_list_shows(client, db, login_as, prosecutor_setup,
                                                     west_home):
    """A home state west of UTC: a deadline at its state's end of day is that day, as the
    list shows it (|day(deadline=True)), not the UTC day after."""
    from datetime import UTC, date, datetime

    from babel.dates import format_date

    case = prosecutor_setup["mine"]
    case.next_due_at = datetime(2026, 3, 21, 4, 59, 59, tzinfo=UTC)  # 20 March, 23:59:59 Bogotá
    db.session.commit()
    login_as(prosecutor_setup["me"])
    page = client.get("/portal/").get_data(as_text=True)
    row = {r[0]: r for r in csv_rows(read_whole(client, "/portal/export.csv"))[1:]}[case.reference]
    assert row[6] == "2026-03-20"
    assert format_date(date(2026, 3, 20), "medium", locale="en") in page
    assert format_date(date(2026, 3, 21), "medium", locale="en") not in page
    workbook = xlsx_rows(read_whole(client, "/portal/export.xlsx"))
    assert {r[0]: r for r in workbook[1:]}[case.reference][6] == "2026-03-20"
