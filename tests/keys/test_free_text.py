"""Free text that often names people (summary of facts, conduct, timeline comments)
is sealed at rest; titles stay plain so the request list still searches them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import flask_migrate
from sqlalchemy import column, inspect, select, table, text

from mla.cases.models import Case, CaseEvent, Offence
from mla.cases.queries import CaseFilters, filtered_cases
from mla.core.crypto import key_ring
from mla.core.transaction import unit_of_work
from mla.extensions import db
from mla.reference.services import ensure_fictional_country, load_reference_data
from tests.test_migrations import MIGRATIONS

BEFORE = "d9f1a3b5c7e0"
SEALS = "f3b5d7e9a1c2"
NAME = "Jean-Baptiste Fictif"


def test_summary_conduct_and_comments_are_ciphertext_in_the_database(make_case, db):
    case = make_case(summary=f"{NAME} sent false invoices")
    case.offences[0].conduct = f"{NAME} forged invoices"
    case.events[0].comment = f"Called {NAME}'s lawyer"
    db.session.commit()

    with db.engine.connect() as conn:
        stored = [bytes(v) for v in conn.execute(text(
            "SELECT summary FROM cases UNION ALL SELECT conduct FROM case_offences "
            "UNION ALL SELECT comment FROM case_events")).scalars()]
    assert stored and all(b"Fictif" not in value for value in stored)
    db.session.expire_all()
    assert db.session.get(Case, case.id).summary == f"{NAME} sent false invoices"
    assert db.session.scalar(select(Offence.conduct)) == f"{NAME} forged invoices"
    assert f"Called {NAME}'s lawyer" in db.session.scalars(select(CaseEvent.comment)).all()


def test_titles_stay_searchable(make_case, create_user, db):
    make_case(title="Bank records, fraud ring", summary="secret facts")
    supervisor = create_user("supervisor")

    found = db.session.scalars(filtered_cases(supervisor, CaseFilters(q="fraud ring"))).all()

    assert [c.title for c in found] == ["Bank records, fraud ring"]


def _dummy(column: dict[str, Any]) -> Any:
    """A value of the column's type for a NOT NULL column this test does not care about."""
    kind = str(column["type"]).upper()
    if "INT" in kind:
        return 1
    if "BOOL" in kind:
        return False
    if "DATE" in kind or "TIME" in kind:
        return datetime(2026, 1, 5, tzinfo=UTC)
    if "JSON" in kind:
        return "{}"
    return "x"


def _insert_plain_rows() -> None:
    """A request with an offence and an event, as the version before wrote them."""
    with unit_of_work():
        load_reference_data()
        ensure_fictional_country("XA", "Arcadia")
    known = {"id": 1, "legal_basis": "UNTOC", "counterpart_country": "XA",
             "summary": f"{NAME} sent false invoices", "direction": "incoming",
             "kind": "mla", "counterpart_authority_id": None, "treaty_id": None}
    values = {c["name"]: known.get(c["name"], _dummy(c))
              for c in inspect(db.engine).get_columns("cases")
              if c["name"] in known or not c["nullable"]}
    with db.engine.begin() as conn:
        conn.execute(table("cases", *(column(n) for n in values)).insert().values(values))
        conn.execute(text(
            "INSERT INTO case_events (id, case_id, at, actor_label, kind, comment, data, "
            "is_internal) VALUES (1, 1, '2026-01-05 00:00:00', '', 'note', :comment, '{}', "
            ":no)"), {"comment": f"Met {NAME}", "no": False})
        conn.execute(text(
            "INSERT INTO case_offences (id, case_id, position, label, statute, iccs_codes, "
            "conduct, is_list_category_confirmed) VALUES (1, 1, 0, 'Fraud', '', '[]', "
            ":conduct, :no)"), {"conduct": f"{NAME} forged invoices", "no": False})


def test_the_migration_seals_existing_rows_and_going_down_opens_them(empty_app):
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=BEFORE)
    _insert_plain_rows()

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    with db.engine.connect() as conn:
        summary = bytes(conn.execute(text("SELECT summary FROM cases")).scalar_one())
        comment = bytes(conn.execute(text("SELECT comment FROM case_events")).scalar_one())
        conduct = bytes(conn.execute(text("SELECT conduct FROM case_offences")).scalar_one())
    assert not any(b"Fictif" in value for value in (summary, comment, conduct))
    assert key_ring().decrypt(summary, context="cases.summary") == f"{NAME} sent false invoices"
    assert key_ring().decrypt(comment, context="case_events.comment") == f"Met {NAME}"
    assert key_ring().decrypt(conduct, context="case_offences.conduct") \
        == f"{NAME} forged invoices"

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=BEFORE)

    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT comment FROM case_events")).scalar_one() \
            == f"Met {NAME}"
        assert conn.execute(text("SELECT summary FROM cases")).scalar_one() \
            == f"{NAME} sent false invoices"
