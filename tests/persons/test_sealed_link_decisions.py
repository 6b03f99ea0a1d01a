"""The words of decisions between linked requests are sealed at rest: the note typed
when confirming or dismissing a possible link, and the reasons one of competing
extradition requests prevails. The request page and the competing decision's page read
them whole. The revision that seals them seals existing rows and opens them going down."""

from __future__ import annotations

from typing import Any

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from mla.core.crypto import key_ring
from mla.extensions import db as _db
from tests.notifications.test_sealed_outbox import _stored
from tests.persons.test_persons import _extradition, _person
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
NOTE = "Same passport as the Quarrelwood file"
REASONS = "The Quarrelwood offence in XA is graver"


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def _no_marker(table_sql: str) -> bool:
    return not any(MARKER in value for value in _stored(table_sql) + _stored(
        "SELECT data, comment FROM case_events") + _stored(
        "SELECT details FROM audit_entries"))


def test_a_links_note_is_ciphertext_and_the_page_reads_it(
        db, client, make_case, create_user, login_as, csrf_token):
    from mla.persons.models import CaseLink

    worker = create_user("caseworker")
    first = make_case(worker, persons=[_person("Ivan Petrov", identifiers="X1234567")])
    second = make_case(worker, persons=[_person("Ivan Petrov", identifiers="X1234567")])
    link = db.session.scalars(select(CaseLink)).one()
    db.session.commit()
    assert _rows("SELECT decision_note FROM case_links") == [(None,)]
    login_as(worker)
    response = client.post(f"/requests/{second.reference}/links/{link.id}/confirm",
                           data={"csrf_token": csrf_token(f"/requests/{second.reference}"),
                                 "note": NOTE})
    assert response.status_code == 302
    db.session.commit()
    assert _no_marker("SELECT decision_note FROM case_links")
    for case in (first, second):
        assert NOTE in client.get(f"/requests/{case.reference}").get_data(as_text=True)


def test_a_link_decided_without_a_note_stores_null(db, make_case, create_user):
    from mla.persons.models import CaseLink
    from mla.persons.services import decide_link

    worker = create_user("caseworker")
    make_case(worker, persons=[_person("Ivan Petrov", identifiers="X1234567")])
    second = make_case(worker, persons=[_person("Ivan Petrov", identifiers="X1234567")])
    decide_link(worker, second, db.session.scalars(select(CaseLink)).one(), confirm=False)
    db.session.commit()
    assert _rows("SELECT decision_note FROM case_links") == [(None,)]


def test_a_competing_decisions_reasons_are_ciphertext_and_the_page_reads_them(
        db, client, make_case, create_user, login_as, csrf_token):
    from mla.persons.models import CaseLink

    worker = create_user("caseworker")
    person = _person("Ivan Petrov", date_of_birth="1980-02-01", is_in_custody=True)
    first = _extradition(make_case, worker, person, counterpart_country="XA")
    second = _extradition(make_case, worker, person, counterpart_country="XB")
    link = db.session.scalars(select(CaseLink)).one()
    db.session.commit()
    login_as(worker)
    url = f"/requests/{second.reference}/competing/{link.id}"
    done = client.post(url, data={
        "csrf_token": csrf_token(url), "prevailing": first.reference,
        "seriousness": "Murder against fraud", "place": "XA", "dates": "XA first",
        "nationality": "National of XA", "re_extradition": "XA may re-extradite to XB",
        "reasons": REASONS})
    assert done.status_code == 302
    db.session.commit()
    assert _no_marker("SELECT reasons FROM competing_decisions")
    assert REASONS in client.get(url).get_data(as_text=True)


# --- the migration ----------------------------------------------------------------------

SEALS = "a9c1e3f5b7d0"


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def test_the_migration_seals_link_decisions_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    for case_id in (2, 3):
        _insert("cases", {"id": case_id, "reference": f"XA-{case_id}", "legal_basis": "UNTOC",
                          "counterpart_country": "XA", "direction": "incoming", "kind": "mla",
                          "summary": b"", "counterpart_authority_id": None, "treaty_id": None})
    for row_id, status, note in ((1, "confirmed", NOTE), (2, "possible", "")):
        _insert("case_links", {"id": row_id, "case_id": row_id, "other_case_id": 3,
                               "reason": "name", "details": "{}", "status": status,
                               "decided_by_id": None, "decided_at": None,
                               "decision_note": note})
    _insert("competing_decisions", {"id": 1, "link_id": 1, "prevailing_case_id": 1,
                                    "criteria": "{}", "reasons": REASONS,
                                    "decided_by_id": None})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored(
        "SELECT decision_note FROM case_links") + _stored(
        "SELECT reasons FROM competing_decisions"))
    notes = _rows("SELECT decision_note FROM case_links ORDER BY id")
    assert key_ring().decrypt(bytes(notes[0][0]), context="case_links.decision_note") == NOTE
    assert notes[1][0] is None
    (reasons,), = _rows("SELECT reasons FROM competing_decisions")
    assert key_ring().decrypt(bytes(reasons), context="competing_decisions.reasons") == REASONS

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT decision_note FROM case_links ORDER BY id") == [(NOTE,), ("",)]
    assert _rows("SELECT reasons FROM competing_decisions") == [(REASONS,)]
    for table, column in (("case_links", "decision_note"), ("competing_decisions", "reasons")):
        columns = {c["name"]: str(c["type"]).upper()
                   for c in inspect(_db.engine).get_columns(table)}
        assert columns[column] not in {"BLOB", "BYTEA"}
