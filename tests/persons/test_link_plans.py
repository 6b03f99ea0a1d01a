"""The links of a page of requests are found from the page's requests, not by walking
every request on file: SQLite planned the visibility check
(``case_links.case_id IN (SELECT id FROM cases)``) as its outer loop, a read of every
request per page (2 s for 50 rows at 20,000 requests, minutes once ANALYZE had run).
The plans are read with EXPLAIN QUERY PLAN on a fresh database (no statistics: a
handful of rows after ANALYZE would not say what a large file makes SQLite choose);
nothing here measures time."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from mla.cases.services import PersonInput


def _plan_of_links(db, actor, cases) -> list[str]:
    from mla.persons.services import links_by_case

    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "case_links" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        links = links_by_case(actor, cases)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert links[cases[0].id], "the first request's link is found"
    statement, parameters = seen[-1]
    raw = db.session.connection().connection.driver_connection
    # Each row: (id, parent, unused, detail); the outer loop is the first top-level
    # row that reads a table.
    rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    return [detail for _id, parent, _unused, detail in rows if parent == 0]


def test_a_pages_links_are_read_from_the_links_first(app, db, make_case, create_user):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan in question is SQLite's")
    from mla.directory.models import Authority

    office = Authority(name="Office A", country_code="XZ", kind="prosecution")
    db.session.add(office)
    db.session.commit()
    worker = create_user("caseworker")
    same = PersonInput(role="suspect", full_name="Ivan Petrov", date_of_birth="1980-02-01")
    first = make_case(worker, persons=[same], domestic_authority_id=office.id)
    second = make_case(worker, persons=[same], domestic_authority_id=office.id)
    # A page of 50: the two linked requests and 48 others (the planner's choice turns
    # on the size of the page's id list).
    page = [first, second, *(make_case(worker, domestic_authority_id=office.id)
                             for _ in range(48))]
    # Staff see every request: the page's links are looked up by the page's ids.
    top = _plan_of_links(db, worker, page)
    outer = next(line for line in top if "cases" in line or "MULTI-INDEX" in line)
    assert "case_links" in outer or "MULTI-INDEX OR" in outer, top
    # A prosecutor: at most their own office's requests are walked, by its index;
    # never every request on file.
    top = _plan_of_links(db, create_user("prosecutor", authority_id=office.id),
                         page)
    outer = next(line for line in top if "cases" in line or "MULTI-INDEX" in line)
    assert ("case_links" in outer or "MULTI-INDEX OR" in outer
            or "(domestic_authority_id=?)" in outer), top
    assert not any(line.startswith("SCAN cases") for line in top), top
