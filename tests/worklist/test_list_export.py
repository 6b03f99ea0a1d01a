"""The request list's export: every row of the filtered list, once, in its order, read in
batches (a streamed CSV, an XLSX written row by row), in a fixed number of statements."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from mla.cases.queries import CaseFilters
from mla.directory.models import Authority
from mla.worklist import exports
from tests.worklist.export_support import csv_rows, read_whole, xlsx_rows

HEADER = ["Reference", "Title", "Counterpart", "State", "Assigned to", "Registered",
          "Next due", "Urgent"]


@pytest.fixture
def me(create_user, login_as):
    user = create_user("caseworker")
    login_as(user)
    return user


def _on_page(client, args) -> list[str]:
    page = client.get("/requests/", query_string={**args, "per_page": "200"})
    return re.findall(r'name="selected" value="([A-Z]+-[A-Z]+-\d{4}-\d{5}):',
                      page.get_data(as_text=True))


@pytest.mark.parametrize("args", [{}, {"direction": "incoming"},
                                  {"direction": "incoming", "sort": "reference"},
                                  {"sort": "oldest"}, {"sort": "due"}],
                         ids=lambda a: "&".join(f"{k}={v}" for k, v in a.items()) or "all")
def test_more_rows_than_a_batch_come_once_each_in_the_list_order_with_the_filter(
        client, me, make_case, small_batches, args):
    for n in range(4):
        make_case(me, title=f"Incoming {n}", is_urgent=n == 1,
                  urgency_reason="Trial date" if n == 1 else "")
    for n in range(3):
        make_case(me, direction="outgoing", title=f"Outgoing {n}")
    listed = _on_page(client, args)
    assert len(listed) == (4 if args.get("direction") else 7)
    response = client.get("/requests/export.csv", query_string=args, buffered=False)
    chunks = [bytes(chunk) for chunk in response.response]
    response.close()
    # Sent as its batches are read (the header with the first), not in one piece.
    assert len(chunks) == -(-len(listed) // 2)
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == listed
    xlsx = xlsx_rows(read_whole(client, "/requests/export.xlsx", query_string=args))
    assert xlsx == rows, "the workbook holds what the CSV holds"


def test_the_export_has_what_the_list_shows(client, db, me, make_case, small_batches):
    case = make_case(me, is_urgent=True, urgency_reason="Trial date", assignee_id=me.id,
                     counterpart_country="XB")
    rows = csv_rows(read_whole(client, "/requests/export.csv"))
    assert rows[1][:3] == [case.reference, case.title, "Borduria"]
    assert rows[1][4:] == [me.display_name, case.created_at.date().isoformat(),
                           case.next_due_at.date().isoformat() if case.next_due_at else "",
                           "urgent"]
    # The state in words, as the list page shows it.
    assert rows[1][3] and rows[1][3] in client.get("/requests/").get_data(as_text=True)


def test_no_cell_is_read_as_a_formula(client, me, make_case, small_batches):
    titles = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3", "@SUM(A1)", "Plain"]
    for title in titles:
        make_case(me, title=title)
    rows = csv_rows(read_whole(client, "/requests/export.csv", query_string={"sort": "oldest"}))
    assert [row[1] for row in rows[1:]] == [f"'{t}" for t in titles[:4]] + ["Plain"]
    sheet = openpyxl.load_workbook(io.BytesIO(read_whole(
        client, "/requests/export.xlsx", query_string={"sort": "oldest"}).data)).active
    cells = [sheet.cell(row=i, column=2) for i in range(2, 7)]
    assert [c.value for c in cells] == titles
    assert all(c.data_type == "s" for c in cells), "text, never a formula"


def test_a_prosecutor_exports_only_their_office_and_not_through_the_staff_list(
        db, client, create_user, make_case, login_as):
    ours, theirs = (Authority(name=n, country_code="XZ", kind="prosecution")
                    for n in ("Office A", "Office B"))
    db.session.add_all([ours, theirs])
    db.session.commit()
    mine = {make_case(domestic_authority_id=ours.id).reference for _ in range(3)}
    make_case(domestic_authority_id=theirs.id)
    make_case()
    prosecutor = create_user("prosecutor", authority_id=ours.id)
    exported = [row[0] for batch in exports.list_batches(prosecutor, CaseFilters(), batch=2)
                for row in batch]
    assert sorted(exported) == sorted(mine)
    nobody = create_user("prosecutor")  # no authority: nothing
    assert list(exports.list_batches(nobody, CaseFilters())) == []
    login_as(prosecutor)
    assert read_whole(client, "/requests/export.csv").status_code in {302, 403}


def test_past_a_worksheets_rows_the_workbook_says_so(client, me, make_case, small_batches,
                                                     monkeypatch):
    from mla.reports import exports as xlsx

    monkeypatch.setattr(xlsx, "XLSX_MAX_ROWS", 3)
    for _ in range(5):
        make_case(me)
    book = openpyxl.load_workbook(io.BytesIO(read_whole(client, "/requests/export.xlsx").data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 4 and rows[1][0] == _on_page(client, {})[0]
    note = book.worksheets[1]["A1"].value
    assert "more than 3 requests" in note and "CSV" in note
    assert len(csv_rows(read_whole(client, "/requests/export.csv"))) == 6, "the CSV has them all"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_statements_do_not_grow_with_the_rows(client, me, make_case, small_batches,
                                              count_queries, fmt):
    """Counted as SQLAlchemy sends them (before_cursor_execute): the rows come from one
    cursor, its batches fetched (FETCH on PostgreSQL's server-side cursor) without a
    statement of their own."""
    counts = []
    for total in (3, 9):
        while len(_on_page(client, {})) < total:
            make_case(me, assignee_id=me.id, is_urgent=True, urgency_reason="Trial date")
        with count_queries() as counter:
            response = read_whole(client, f"/requests/export.{fmt}", query_string={"q": "fraud"})
            assert response.status_code == 200
            body = response.data
        assert body
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_streamed_export_holds_no_write_lock(client, db, me, make_case, small_batches, fmt):
    """Its rows are read after the request's teardown reset the read-only flag: on SQLite
    that read must still begin deferred (BEGIN), not BEGIN IMMEDIATE, or every writer
    waits for the export to end."""
    import sqlite3

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    for _ in range(5):
        make_case(me)
    response = client.get(f"/requests/export.{fmt}", buffered=False)
    chunks = iter(response.response)
    assert next(chunks)  # the export is being read: its transaction is open
    writer = sqlite3.connect(db.engine.url.database, timeout=0.2, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # "database is locked" if the export held it
        writer.execute("ROLLBACK")
    finally:
        writer.close()
        response.close()


def test_each_day_is_the_one_the_list_shows_its_reader(client, db, me, make_case, west_home):
    """A home state west of UTC, a reader in New York: registered at 02:00 UTC is the
    previous day for them (the page's |day); a deadline at its state's end of day is that
    day (the page's |day(deadline=True)), though it is already the next one in New York."""
    from datetime import UTC, date, datetime

    from babel.dates import format_date

    me.time_zone = "America/New_York"
    case = make_case(me)
    case.created_at = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    case.next_due_at = datetime(2026, 3, 21, 4, 59, 59, tzinfo=UTC)  # 20 March, 23:59:59 Bogotá
    db.session.commit()
    page = client.get("/requests/").get_data(as_text=True)
    rows = csv_rows(read_whole(client, "/requests/export.csv"))
    row = {r[0]: r for r in rows[1:]}[case.reference]
    assert row[5:7] == ["2026-03-09", "2026-03-20"]
    for shown in row[5:7]:
        assert format_date(date.fromisoformat(shown), "medium", locale="en") in page
    assert xlsx_rows(read_whole(client, "/requests/export.xlsx"))[1][5:7] == row[5:7]
