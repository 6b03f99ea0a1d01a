"""`q=` through the index that serves it (issue 13): pg_trgm on PostgreSQL, the FTS5
table ``cases_fts`` on SQLite, kept in step by triggers. The same results on both:
registered, corrected and deleted requests, other scripts, and terms that FTS5 would
read as query syntax if they were not quoted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert

from mla.cases.queries import COUNT_LIMIT, CaseFilters, case_page
from tests.conftest import selected_backend

START = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def me(create_user, login_as):
    user = create_user("caseworker")
    login_as(user)
    return user


def found(me, q: str) -> list[str]:
    return sorted(c.reference for c in case_page(me, CaseFilters(q=q), 1, 50).items)


def test_a_part_of_a_reference_a_title_or_a_counterpart_reference_finds_the_request(
        db, me, make_case):
    case = make_case(actor=me, title="Frozen accounts of Brightwater Ltd",
                     counterpart_reference="Parquet/Lyon-4411")
    other = make_case(actor=me, title="Other", counterpart_reference="X")
    assert case.reference != other.reference

    assert found(me, case.reference[-7:].lower()) == [case.reference]
    assert found(me, "BRIGHTWATER") == [case.reference]
    assert found(me, "ter") == [case.reference]  # three characters: titles only
    assert found(me, "lyon-44") == [case.reference]
    assert found(me, "441") == []  # a counterpart reference needs four
    assert found(me, "lyon-45") == []


def test_a_correction_is_found_by_its_new_text_and_no_longer_by_the_old(db, me, make_case):
    from mla.cases.editing import update_case

    case = make_case(actor=me, title="Bank records, fraud ring",
                     counterpart_reference="PJ-Lille-0042")
    assert found(me, "fraud ring") == found(me, "lille-00") == [case.reference]

    update_case(me, case, {"title": "Cyber extortion", "counterpart_reference": "PJ-Nice-7"},
                expected_version=case.version)
    db.session.commit()

    assert found(me, "fraud ring") == found(me, "lille-00") == []
    assert found(me, "extortion") == found(me, "nice-7") == [case.reference]


def test_a_deleted_request_is_no_longer_found(db, me, make_case):
    kept = make_case(actor=me, title="Smuggled antiquities, second shipment")
    gone = make_case(actor=me, title="Smuggled antiquities, first shipment")
    assert found(me, "antiquities") == sorted([kept.reference, gone.reference])

    db.session.delete(gone)
    db.session.commit()

    assert found(me, "antiquities") == [kept.reference]


def test_cyrillic_and_arabic_titles_are_found_by_any_part_in_any_case(db, me, make_case):
    russian = make_case(actor=me, title="Отмывание денег через ФИРМЫ-однодневки")
    arabic = make_case(actor=me, title="غسل الأموال عبر شركات وهمية")

    assert found(me, "фирмы") == [russian.reference]
    assert found(me, "ОТМЫВАНИЕ") == [russian.reference]
    assert found(me, "мыван") == [russian.reference]
    assert found(me, "الأموال") == [arabic.reference]
    assert found(me, "شركات وه") == [arabic.reference]
    assert found(me, "شركة") == []


def test_query_syntax_typed_in_the_box_is_searched_as_written(db, me, make_case, client,
                                                              create_user, api_token):
    odd = make_case(actor=me, title='Operation "Nord" (AND) *star* OR 50%_off: {x} ^y')
    make_case(actor=me, title="Plain fraud ring")

    for term in ('"Nord"', "(AND)", "*star*", "OR 50%", "50%_off", ": {x} ^y", '"nord" (and'):
        assert found(me, term) == [odd.reference], term
    # Each of these would match (or break) if read as FTS5 syntax.
    for term in ('ring" OR "fraud', "fraud OR ring", "fraud AND ring", "NEAR(fraud ring)",
                 "{title_search}: fraud", "fra*", "^plain", '"', '""', "'", "(", "*",
                 "AND fraud", "NOT fraud", "fraud -ring", "\\fraud"):
        assert found(me, term) == [], term

    headers = api_token(create_user("caseworker"))
    for term in ('"', "(fraud", "fraud*", "NEAR(a b", "مال", "{x}", "a AND", "%_\\"):
        assert client.get("/requests/", query_string={"q": term}).status_code == 200, term
        response = client.get("/api/v1/cases", query_string={"q": term}, headers=headers)
        assert response.status_code == 200, term


def test_a_person_s_name_and_a_title_are_found_together(db, me, make_case):
    from mla.cases.services import PersonInput

    named = make_case(actor=me, title="Bank records",
                      persons=[PersonInput(role="suspect", full_name="Anna Kowalska")])
    titled = make_case(actor=me, title="Extradition of anna kowalska's associate",
                       persons=[PersonInput(role="suspect", full_name="Piotr Nowak")])
    make_case(actor=me, title="Unrelated")

    assert found(me, "Anna Kowalska") == sorted([named.reference, titled.reference])
    assert found(me, "Piotr Nowak") == [titled.reference]


def statements_for(db, me, q: str) -> list[str]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        case_page(me, CaseFilters(q=q), 1, 50)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


@pytest.mark.skipif(selected_backend() != "sqlite", reason="the FTS5 table is SQLite's")
def test_on_sqlite_a_term_is_looked_up_in_the_fulltext_table_not_scanned(db, me, make_case):
    case = make_case(actor=me, title="Frozen accounts of Brightwater Ltd")

    for q in ("brightwater", "ter", case.reference[-7:]):
        statements = statements_for(db, me, q)
        assert sum("cases_fts" in s for s in statements) == 1, (q, statements)
        assert not any("LIKE" in s.upper() for s in statements), (q, statements)
    # Shorter than a trigram: whole references only, no index lookup and no LIKE.
    statements = statements_for(db, me, "fr")
    assert not any("cases_fts" in s or "LIKE" in s.upper() for s in statements), statements


def test_a_common_term_lists_its_newest_matches_and_counts_past_the_limit(db, me):
    from mla.cases.models import Case

    rows = [{"reference": f"MLA-IN-2021-{n:05d}", "direction": "incoming", "kind": "mla",
             "workflow_name": "mla_incoming", "workflow_version": "bulk", "state": "received",
             "version": 1, "is_closed": False, "title": f"Laundering ring {n}",
             "title_search": f"laundering ring {n}", "summary": "", "legal_basis": "UNTOC",
             "counterpart_country": "XA", "counterpart_reference": f"XA/{n}",
             "domestic_reference": "", "is_urgent": False, "urgency_reason": "",
             "created_at": START + timedelta(minutes=n), "updated_at": START}
            for n in range(1, COUNT_LIMIT + 3)]
    rows[0].update(title="Fraud ring 1", title_search="fraud ring 1")
    db.session.execute(insert(Case), rows)
    db.session.commit()

    common = case_page(me, CaseFilters(q="Laundering RING"), 1, 3)
    assert (common.total, common.is_exact) == (COUNT_LIMIT + 1, False)
    assert [c.reference for c in common.items] == [
        f"MLA-IN-2021-{n:05d}" for n in (COUNT_LIMIT + 2, COUNT_LIMIT + 1, COUNT_LIMIT)]
    assert found(me, "fraud ring") == ["MLA-IN-2021-00001"]
    assert found(me, "ring 100") == [f"MLA-IN-2021-{n:05d}" for n in (100, *range(1000, 1003))]
