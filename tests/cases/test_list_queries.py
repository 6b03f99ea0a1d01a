"""The request list at scale: bounded counts, keyset pages, substring search, the
dashboard's counts, and (on SQLite, whose planner is deterministic) the indexes that
serve each sort and filter."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text

from mla.cases.queries import COUNT_LIMIT, SORTS, CaseFilters, case_page, dashboard_counts
from tests.conftest import selected_backend

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_serial = itertools.count(1)


def insert_cases(db, how_many: int, **overrides) -> None:
    """Requests in bulk; every third shares its creation instant with the one before
    (keyset pages must break ties by id), every fourth has no next deadline."""
    from mla.cases.models import Case

    rows = []
    for _ in range(how_many):
        n = next(_serial)
        rows.append({
            "reference": f"MLA-IN-2020-{n:05d}", "direction": "incoming", "kind": "mla",
            "workflow_name": "mla_incoming", "workflow_version": "bulk", "state": "received",
            "version": 1, "is_closed": n % 9 == 0, "title": f"Request {n}",
            "title_search": f"request {n}", "summary": "", "legal_basis": "UNTOC",
            "counterpart_country": "XA", "counterpart_reference": f"XA/{n}",
            "domestic_reference": "", "is_urgent": n % 5 == 0, "urgency_reason": "",
            "created_at": START + timedelta(minutes=n - n % 3),
            "updated_at": START + timedelta(minutes=n),
            "next_due_at": START + timedelta(days=n % 7) if n % 4 else None,
            **overrides,
        })
    db.session.execute(insert(Case), rows)
    db.session.commit()


@pytest.fixture
def me(create_user, login_as):
    user = create_user("caseworker")
    login_as(user)
    return user


def references(page) -> list[str]:
    return [c.reference for c in page.items]


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_cursor_pages_walk_the_same_order_as_page_numbers(db, me, sort):
    insert_cases(db, 47)
    filters = CaseFilters(sort=sort)
    by_number = []
    for number in range(1, 6):
        by_number += references(case_page(me, filters, number, 10))
    by_cursor, cursor = [], None
    while True:
        page = case_page(me, filters, 1, 10, cursor=cursor)
        by_cursor += references(page)
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert len(by_number) == 47 and len(set(by_number)) == 47
    assert by_cursor == by_number


def test_next_due_sorts_last_when_there_is_none(db, me):
    insert_cases(db, 12)
    items = case_page(me, CaseFilters(sort="due"), 1, 50).items
    dues = [c.next_due_at for c in items]
    assert None in dues
    first_none = dues.index(None)
    assert all(d is None for d in dues[first_none:])
    assert dues[:first_none] == sorted(dues[:first_none])


def test_counts_stop_at_the_limit_unless_asked_for_an_exact_total(db, me, client):
    insert_cases(db, COUNT_LIMIT + 5, is_closed=False, is_urgent=False)
    page = case_page(me, CaseFilters(), 1, 50)
    assert (page.total, page.is_exact, page.has_next) == (COUNT_LIMIT + 1, False, True)
    exact = case_page(me, CaseFilters(), 1, 50, exact_total=True)
    assert (exact.total, exact.is_exact) == (COUNT_LIMIT + 5, True)

    html = client.get("/requests/").get_data(as_text=True)
    assert f"More than {COUNT_LIMIT} requests" in html
    assert "Page 1<" in html and "Page 1 of" not in html
    home = client.get("/").get_data(as_text=True)
    assert f"{COUNT_LIMIT}+" in home


def test_a_few_matches_are_counted_exactly(db, me, client):
    insert_cases(db, 3)
    page = case_page(me, CaseFilters(), 1, 2)
    assert (page.total, page.is_exact, page.pages) == (3, True, 2)
    assert "3 requests" in client.get("/requests/").get_data(as_text=True)


def test_dashboard_counts_each_figure(db, me):
    from mla.cases.models import Case

    insert_cases(db, 50)  # the 45th is closed and urgent: not counted as urgent
    db.session.execute(Case.__table__.update().where(Case.id % 2 == 0).values(assignee_id=me.id))
    db.session.commit()
    cases = db.session.query(Case).all()
    open_ = [c for c in cases if not c.is_closed]
    at = datetime.now(UTC)
    assert dashboard_counts(me) == {
        "open": len(open_),
        "urgent": sum(c.is_urgent for c in open_),
        "overdue": sum(c.next_due_at is not None and c.next_due_at < at for c in open_),
        "mine": sum(c.assignee_id == me.id for c in open_),
    }


def test_the_urgent_count_stops_at_the_limit_and_has_its_partial_index(db, me):
    insert_cases(db, COUNT_LIMIT + 3, is_closed=False, is_urgent=True)
    insert_cases(db, 4, is_closed=True, is_urgent=True)
    assert dashboard_counts(me)["urgent"] == COUNT_LIMIT + 1
    # The count reads only ix_cases_open_urgent (no table row) when its predicate is the
    # query's, term for term: checked in the catalogue, not in a plan.
    if selected_backend() == "sqlite":
        definition = db.session.scalar(text(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_cases_open_urgent'"))
        terms = ("is_urgent IS 1", "is_closed IS 0")
    else:
        definition = db.session.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_cases_open_urgent'"))
        terms = ("(is_urgent IS TRUE)", "(is_closed IS FALSE)")
    assert definition and all(term in definition for term in terms), definition


def _plan_of_dashboard_counts(db, me) -> tuple[dict[str, int], str]:
    """The counts, and the plan of the statement dashboard_counts runs."""
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        counts = dashboard_counts(me)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = seen[-1]
    raw = db.session.connection().connection.driver_connection
    if selected_backend() == "sqlite":
        rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
        return counts, " | ".join(row[3] for row in rows)
    cursor = raw.cursor()
    cursor.execute(f"EXPLAIN {statement}", parameters)
    return counts, " | ".join(row[0] for row in cursor.fetchall())


def test_the_overdue_count_reads_the_open_due_index_alone(db, me):
    # As a large file is laid out: the older requests closed (no due date left), the
    # newer open and most of them overdue, so an overdue one is found only past every
    # closed one in the table.
    insert_cases(db, 3 * COUNT_LIMIT, is_closed=True, next_due_at=None)
    insert_cases(db, 4 * COUNT_LIMIT, is_closed=False, next_due_at=START)
    if selected_backend() == "sqlite":
        db.session.execute(text("ANALYZE"))
    else:
        db.session.commit()
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE cases")
    counts, plan = _plan_of_dashboard_counts(db, me)
    assert counts["overdue"] == COUNT_LIMIT + 1
    # At most COUNT_LIMIT + 1 entries of the partial index, in due order, and no row of
    # the table: never a scan of the requests until enough overdue ones turned up.
    if selected_backend() == "sqlite":
        assert "USING COVERING INDEX ix_cases_open_due (next_due_at<?)" in plan, plan
    else:
        assert "Index Only Scan using ix_cases_open_due on cases" in plan, plan


@pytest.mark.skipif(selected_backend() != "postgres", reason="INCLUDE is PostgreSQL's")
def test_the_counterpart_index_carries_what_counterpart_figures_test(db):
    # A request page's counterpart line counts a counterpart's earlier requests of one
    # direction and kind (mla.reports.queries.counterpart_record): with these columns in
    # the index, PostgreSQL reads it alone, not every such request's row.
    definition = db.session.scalar(text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_cases_counterpart_created'"))
    assert definition.endswith("(counterpart_country, created_at) INCLUDE (direction, kind, id)"), \
        definition


def test_search_finds_any_part_of_four_characters_of_a_reference(db, me):
    insert_cases(db, 1, reference="MLA-IN-2020-77123", title="Frozen accounts",
                 title_search="frozen accounts", counterpart_reference="Parquet/Lyon-4411")
    insert_cases(db, 1, reference="MLA-IN-2020-88000", title="Other", title_search="other",
                 counterpart_reference="X")

    def found(q: str) -> list[str]:
        return references(case_page(me, CaseFilters(q=q), 1, 50))

    assert found("7712") == ["MLA-IN-2020-77123"]
    assert found("in-2020-7712") == ["MLA-IN-2020-77123"]  # any case
    assert found("771") == []  # three characters match whole references only
    assert found("ZEN ACC") == ["MLA-IN-2020-77123"]  # titles, regardless of case
    assert found("lyon-44") == ["MLA-IN-2020-77123"]  # counterpart references, any case
    assert found("100%") == []  # LIKE wildcards are plain characters
    assert found("MLA-IN-2020-88000") == ["MLA-IN-2020-88000"]


def test_api_pages_by_cursor_and_refuses_a_forged_one(db, client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    insert_cases(db, 5)
    first = client.get("/api/v1/cases?per_page=3&sort=due", headers=headers).get_json()
    assert first["total"] == 5 and first["total_is_exact"] is True
    after = client.get(f"/api/v1/cases?per_page=3&sort=due&cursor={first['next_cursor']}",
                       headers=headers).get_json()
    assert [c["reference"] for c in after["items"]] == [
        c["reference"] for c in client.get("/api/v1/cases?per_page=3&sort=due&page=2",
                                           headers=headers).get_json()["items"]]
    assert after["next_cursor"] is None

    for forged in ("nope", first["next_cursor"][:-2], "W10"):
        response = client.get(f"/api/v1/cases?cursor={forged}", headers=headers)
        assert response.status_code == 422, forged
        assert response.get_json()["error"]["details"] == {"field": "cursor"}
    # A cursor from another sort is not this list's.
    response = client.get(f"/api/v1/cases?sort=newest&cursor={first['next_cursor']}",
                          headers=headers)
    assert response.status_code == 422


def test_api_list_has_every_filter_of_the_list_page(db, client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    insert_cases(db, 20)
    urgent = client.get("/api/v1/cases?urgent=1&open=1&per_page=200",
                        headers=headers).get_json()["items"]
    assert urgent and all(c["urgent"] and not c["is_closed"] for c in urgent)
    insert_cases(db, 1, counterpart_reference="FR-Lyon-2026-9")
    found = client.get("/api/v1/cases?q=lyon-2026", headers=headers).get_json()["items"]
    assert [c["counterpart_reference"] for c in found] == ["FR-Lyon-2026-9"]


def test_a_stale_cursor_in_a_list_link_still_answers_by_page_number(db, me, client):
    insert_cases(db, 3)
    response = client.get("/requests/?page=1&cursor=garbage")
    assert response.status_code == 200
    assert "3 requests" in response.get_data(as_text=True)


@pytest.mark.skipif(selected_backend() != "sqlite", reason="SQLite's planner is deterministic")
@pytest.mark.parametrize(("url_args", "index"), [
    ({"sort": "newest"}, "ix_cases_created"),
    ({"sort": "due"}, "ix_cases_next_due"),
    ({"sort": "updated"}, "ix_cases_updated"),
    ({"urgent": "1"}, "ix_cases_urgent_created"),
])
def test_each_sort_and_filter_reads_an_index_in_order(db, me, url_args, index):
    from mla.cases.queries import filtered_cases

    insert_cases(db, 50)
    filters = CaseFilters.from_args(url_args)
    stmt = filtered_cases(me, filters).order_by(*SORTS[filters.sort]).limit(50)
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " | ".join(row[3] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert index in plan, plan
    if filters.sort != "due":  # SQLite cannot read an ASC index NULLS LAST; PostgreSQL can
        assert "TEMP B-TREE" not in plan, plan


def test_dashboard_due_list_puts_custody_first_and_stops_at_the_limit(db, me, create_user):
    from mla.cases.models import Case
    from mla.deadlines.models import Deadline
    from mla.deadlines.queries import due_soon

    insert_cases(db, 8)
    ids = list(db.session.scalars(select(Case.id).order_by(Case.id)))
    at = datetime.now(UTC)
    rows = []
    for n, case_id in enumerate(ids):
        rows.append({
            "case_id": case_id, "rule_code": "ece_provisional_arrest", "status": "running",
            "is_custody": n < 2, "country_code": "XZ", "zone_name": "UTC",
            "start_on": START.date(), "started_at": START, "created_at": START,
            # Custody clocks fall due last, the others from the most overdue on.
            "due_at": at + timedelta(days=5 - n % 2) if n < 2 else at - timedelta(days=20 - n),
        })
    db.session.execute(insert(Deadline), rows)
    db.session.commit()

    due = due_soon(me, limit=3)
    # Custody first, however late they fall due; then the most overdue other clock.
    assert [item.case.id for item in due["week"]] == [ids[1], ids[0]]
    assert [item.case.id for item in due["overdue"]] == [ids[2]]
    prosecutor = create_user("prosecutor")
    assert due_soon(prosecutor) == {"overdue": [], "week": []}
