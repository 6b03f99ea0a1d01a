"""The list and detail pages issue a constant number of SQL statements.

Cases are bulk-inserted (Core executemany, not the service) so 10,000 rows take
about a second. Assignees and counterpart states vary across rows: a lazy load per
row would then cost one statement per distinct value and the counts would differ.
Run with -s to see the counts.
"""

from __future__ import annotations

import itertools
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

COUNTRIES = ("XA", "XB", "XZ", "FR", "DE", "IT", "ES", "NL", "BE", "PL")
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_serial = itertools.count(1)

LIST_URLS = (
    "/requests/",
    "/requests/?page=2",
    "/requests/?sort=due&direction=incoming",
    "/requests/?q=fraud&sort=reference",
    "/requests/?per_page=200",
)


def bulk_insert_cases(db, how_many: int, assignee_ids: list[int]) -> None:
    from mla.cases.models import Case

    rows = []
    for _ in range(how_many):
        n = next(_serial)
        direction = "incoming" if n % 3 else "outgoing"
        rows.append({
            "reference": f"MLA-{'IN' if direction == 'incoming' else 'OUT'}-2019-{n:05d}",
            "direction": direction,
            "kind": "mla",
            "workflow_name": "mla_incoming",
            "workflow_version": "bulk",
            "state": "received",
            "version": 1,
            "is_closed": False,
            "title": f"Bulk request {n}: fraud ring",
            "title_search": f"bulk request {n}: fraud ring",
            "summary": "",
            "legal_basis": "UNTOC",
            "counterpart_country": COUNTRIES[n % len(COUNTRIES)],
            "counterpart_reference": f"CP-{n}",
            "domestic_reference": "",
            "is_urgent": n % 7 == 0,
            "urgency_reason": "custody" if n % 7 == 0 else "",
            "assignee_id": assignee_ids[n % len(assignee_ids)] if n % 5 else None,
            "created_at": START + timedelta(minutes=n),
            "updated_at": START + timedelta(minutes=n),
            "next_due_at": START + timedelta(days=n % 90) if n % 4 else None,
        })
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Case), rows[start:start + 2000])
    db.session.commit()


def statements_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm-up: first use of a template, a lazy cache, ...
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return counter.count


@pytest.fixture
def signed_in(create_user, login_as, client):
    me = create_user("caseworker")
    others = [create_user("caseworker") for _ in range(6)]
    login_as(me)
    return me, [me.id, *(u.id for u in others)]


def test_list_and_detail_statement_counts_do_not_grow_with_rows(
    db, client, count_queries, signed_in, make_case
):
    from mla.cases.models import Case

    me, assignee_ids = signed_in
    opened = make_case(actor=me)  # registered through the service: offences, person, event
    bulk_insert_cases(db, 99, assignee_ids)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 100

    at_100 = {url: statements_for(client, count_queries, url) for url in LIST_URLS}
    detail_100 = statements_for(client, count_queries, f"/requests/{opened.reference}")

    started = time.perf_counter()
    bulk_insert_cases(db, 9_900, assignee_ids)
    inserted_in = time.perf_counter() - started
    assert db.session.scalar(select(func.count()).select_from(Case)) == 10_000

    at_10000 = {url: statements_for(client, count_queries, url) for url in LIST_URLS}
    detail_10000 = statements_for(client, count_queries, f"/requests/{opened.reference}")

    print(f"\nSQL statements per page (9,900 rows inserted in {inserted_in:.2f} s):")
    for url in LIST_URLS:
        print(f"  {url:<45} at 100 requests: {at_100[url]:>3}   at 10,000: {at_10000[url]:>3}")
    print(f"  {'/requests/<reference> (detail)':<45} at 100 requests: {detail_100:>3}"
          f"   at 10,000: {detail_10000:>3}")
    assert at_10000 == at_100
    assert detail_10000 == detail_100
    # A page of 200 rows costs what a page of 50 costs: nothing is loaded per row.
    assert at_10000["/requests/?per_page=200"] == at_10000["/requests/"]


def test_list_statement_count_is_the_same_for_one_row_and_a_full_page(
    db, client, count_queries, signed_in
):
    _, assignee_ids = signed_in
    bulk_insert_cases(db, 1, assignee_ids)
    one = statements_for(client, count_queries, "/requests/")
    bulk_insert_cases(db, 60, assignee_ids)
    full = statements_for(client, count_queries, "/requests/")
    print(f"\nlist page: {one} statements with 1 row, {full} with a full page of 50")
    assert one == full


def test_detail_statement_count_does_not_grow_with_offences_persons_and_events(
    db, client, count_queries, signed_in, make_case
):
    from mla.cases.services import OffenceInput, PersonInput, add_note

    me, _ = signed_in
    small = make_case(actor=me)
    big = make_case(
        actor=me,
        offences=[OffenceInput(label=f"Offence {i}", statute=f"PC {i}", max_penalty_months=24,
                               iccs=["0701"], conduct="...") for i in range(6)],
        measures=["bank_records", "search_seizure", "witness_hearing", "freezing"],
        persons=[PersonInput(role=role, full_name=f"Person {i}")
                 for i, role in enumerate(("suspect", "witness", "victim", "other"))],
    )
    for i in range(5):
        add_note(me, big, f"note {i}")
    db.session.commit()

    small_count = statements_for(client, count_queries, f"/requests/{small.reference}")
    big_count = statements_for(client, count_queries, f"/requests/{big.reference}")
    print(f"\ndetail page: {small_count} statements for a small case, {big_count} for a big one")
    assert small_count == big_count


def test_the_request_page_reads_its_documents_and_exchange_messages_once_per_question(
    db, client, count_queries, signed_in, make_case
):
    """Partials that show the same thing share one read per page (flask.g): the
    exchange banner and panel (exchange_panel), and the documents panel, its translation
    needs and its upload form (the undertakings panel reads the documents on its own)."""
    me, _ = signed_in
    case = make_case(actor=me)
    url = f"/requests/{case.reference}"
    client.get(url)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    reads = [" ".join(s.split()) for s in counter.statements]
    documents = [s for s in reads if "FROM documents" in s]
    exchange = [s for s in reads if "FROM exchange_messages" in s]
    print(f"\nrequest page: {len(reads)} statements, {len(documents)} read documents, "
          f"{len(exchange)} read exchange messages")
    assert len(documents) <= 2, documents
    # The panel's list of messages (exchange.status.messages_of), once for both partials.
    listed = [s for s in exchange if re.search(
        r"WHERE exchange_messages\.case_id = \S+ ORDER BY exchange_messages\.created_at", s)]
    assert len(listed) == 1, exchange
