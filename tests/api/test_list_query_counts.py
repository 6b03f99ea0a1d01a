"""The API's request list issues the same number of SQL statements for 1 row and 200.

Each row carries its deadlines; they are read for the whole page in one statement,
for staff and for prosecutors (whose deadlines go through the portal's allow-list).
Run with -s to see the counts.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from tests.cases.test_query_counts import START, bulk_insert_cases

LIST_URLS = (
    "/api/v1/cases?per_page=200",
    "/api/v1/cases?per_page=200&direction=incoming&kind=mla&sort=due&q=request",
    "/api/v1/cases?per_page=200&page=2",
)


def add_deadlines(db) -> None:
    """Two clocks per request without any: one running, one met."""
    from mla.cases.models import Case
    from mla.deadlines.models import Deadline

    have = select(Deadline.case_id)
    rows = []
    for case_id in db.session.scalars(select(Case.id).where(Case.id.not_in(have))):
        due = START + timedelta(days=10 + case_id % 30)
        for status, code in (("running", "ece_provisional_arrest"),
                             ("met", "ece_surrender_takeover")):
            rows.append({
                "case_id": case_id, "rule_code": code, "status": status,
                "is_custody": status == "running", "country_code": "XZ",
                "zone_name": "UTC", "start_on": date(2026, 1, 5), "period_days": 10,
                "started_at": START, "due_at": due, "created_at": START,
                "ended_at": START + timedelta(days=3) if status == "met" else None,
            })
    db.session.execute(insert(Deadline), rows)
    db.session.commit()


def statements_for(client, count_queries, url: str, headers: dict[str, str]) -> int:
    client.get(url, headers=headers)  # warm-up: lazy caches, first use of a schema
    with count_queries() as counter:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.get_json())
    return counter.count


@pytest.fixture
def staff(create_user):
    me = create_user("caseworker")
    return me, [me.id, *(create_user("caseworker").id for _ in range(4))]


@pytest.mark.parametrize("role", ["caseworker", "prosecutor"])
def test_api_list_statement_count_is_the_same_for_one_row_and_two_hundred(
    db, client, count_queries, staff, create_user, api_token, role
):
    from mla.cases.models import Case
    from mla.directory.models import Authority

    _, assignee_ids = staff
    if role == "prosecutor":
        office = Authority(name="Parquet de test", country_code="XZ", kind="prosecution")
        db.session.add(office)
        db.session.commit()
        reader = create_user("prosecutor", authority_id=office.id)
    else:
        office, reader = None, create_user("caseworker")
    headers = api_token(reader)

    def grow(how_many: int) -> None:
        bulk_insert_cases(db, how_many, assignee_ids)
        if office is not None:
            db.session.execute(Case.__table__.update().values(domestic_authority_id=office.id))
        add_deadlines(db)

    # The second page holds 1 row at 201 requests and 200 rows at 450.
    grow(1)
    one = {url: statements_for(client, count_queries, url, headers) for url in LIST_URLS[:2]}
    grow(200)
    one[LIST_URLS[2]] = statements_for(client, count_queries, LIST_URLS[2], headers)
    grow(249)
    full = {url: statements_for(client, count_queries, url, headers) for url in LIST_URLS}
    page = client.get(LIST_URLS[2], headers=headers).get_json()
    assert len(page["items"]) == 200
    assert all(len(item["deadlines"]) == 2 for item in page["items"])

    print(f"\nAPI list statements ({role}):")
    for url in LIST_URLS:
        print(f"  {url:<58} 1 row: {one[url]:>3}   200 rows: {full[url]:>3}")
    assert full == one


def test_api_list_deadlines_are_those_of_the_request_page(
    db, client, staff, create_user, api_token
):
    _, assignee_ids = staff
    headers = api_token(create_user("caseworker"))
    bulk_insert_cases(db, 3, assignee_ids)
    add_deadlines(db)

    items = client.get("/api/v1/cases", headers=headers).get_json()["items"]
    assert len(items) == 3
    for item in items:
        one = client.get(f"/api/v1/cases/{item['reference']}", headers=headers).get_json()
        assert item["deadlines"] == one["deadlines"]
        # Open first: the running clock, then the met one.
        assert [d["name"] for d in item["deadlines"]] == ["ece_provisional_arrest",
                                                          "ece_surrender_takeover"]
