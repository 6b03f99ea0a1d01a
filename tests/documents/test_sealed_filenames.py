"""An uploaded file's name is sealed at rest (it is often the person's: "passport_<name>"),
and no longer copied in clear onto the timeline or into the audit trail: the request
page's documents list and timeline, the download's file name and a copy made for another
request read it whole. The revision that seals it (with a saved list's search and a
competing decision's criteria) seals existing rows, drops the name from the timeline's
entries, and puts everything back going down."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import quote

import flask_migrate
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from mla.core.crypto import key_ring
from mla.documents.models import Document
from mla.documents.services import Upload, store_document
from mla.extensions import db as _db
from mla.undertakings.services import add_limitation, reuse_document
from tests.notifications.test_sealed_outbox import _stored
from tests.test_migrations import MIGRATIONS, empty_app  # noqa: F401  (fixture)
from tests.workflow.test_sealed_step_values import _insert, _plain_rows

MARKER = b"Quarrelwood"
NAME = "passport_Tamsin_Quarrelwood.pdf"
PDF = b"%PDF-1.7\n" + b"Identity page\n" * 20


def _no_marker() -> bool:
    return not any(MARKER in value for value in _stored(
        "SELECT filename FROM documents") + _stored(
        "SELECT data, comment, sealed_values FROM case_events") + _stored(
        "SELECT details FROM audit_entries"))


def test_an_uploaded_files_name_is_ciphertext_and_the_page_reads_it(
        db, client, make_case, create_user, login_as, csrf_token):
    worker = create_user("caseworker")
    case = make_case(worker)
    login_as(worker)
    page = f"/requests/{case.reference}"
    response = client.post(f"{page}/documents", data={
        "csrf_token": csrf_token(page), "visibility": "shared", "doc_type": "annex",
        "file": (io.BytesIO(PDF), NAME)}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.commit()
    assert _no_marker()

    document = db.session.scalars(select(Document)).one()
    assert document.filename == NAME
    shown = client.get(page).get_data(as_text=True)
    # The documents list, and the timeline's entry (which keeps the document's id only).
    assert f'<a href="/documents/{document.id}">{NAME}</a>' in shown
    assert f'Document added: <a href="#document-{document.id}">{NAME}</a>' in shown
    download = client.get(f"/documents/{document.id}")
    assert download.data == PDF
    assert download.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{NAME}"


def test_the_download_names_the_file_without_line_breaks(
        db, client, make_case, create_user, login_as):
    worker = create_user("caseworker")
    case = make_case(worker)
    document = store_document(worker, case, Upload("pass\r\nport Quarrelwood ü.pdf", PDF))
    db.session.commit()
    login_as(worker)
    header = client.get(f"/documents/{document.id}").headers["Content-Disposition"]
    assert header == f"attachment; filename*=UTF-8''{quote('passport Quarrelwood ü.pdf')}"
    assert "\r" not in header and "\n" not in header
    assert _no_marker()


def test_a_limited_document_copied_to_another_request_keeps_its_name_sealed(
        db, client, make_case, create_user, login_as):
    worker = create_user("caseworker")
    source, target = make_case(worker), make_case(worker)
    document = store_document(worker, source, Upload(NAME, PDF))
    add_limitation(worker, document, kind="use",
                   scope="Only for the fraud proceedings named in the request.")
    copy = reuse_document(worker, document, target, acknowledged=True,
                          reason="Consent received on 2 March.")
    db.session.commit()
    assert _no_marker()
    assert copy.filename == NAME
    login_as(worker)
    shown = client.get(f"/requests/{target.reference}").get_data(as_text=True)
    assert f'Document added: <a href="#document-{copy.id}">{NAME}</a>' in shown


# --- the migration (also saved_filters.query and competing_decisions.criteria) ----------

SEALS = "c4e6a8b0d2f7"
QUERY = "q=Tamsin+Quarrelwood&urgent=1"
CRITERIA = {"seriousness": "Quarrelwood's murder against a fraud"}
UPLOADED = {"label": "Document added", "visibility": "internal", "document_id": 1,
            "filename": NAME}
LIMITED = {"action": "recorded", "limitation_id": 1, "document_id": 1, "filename": NAME,
           "kind": "use"}
APPROVED = {"label": "Request document approved", "composition_id": 1, "document_id": 1}
REUSED = {"action": "reused", "document_id": 1, "target": "XA-2", "copy_id": 2}


def _before() -> str:
    config = flask_migrate.Migrate().get_config(str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(SEALS).down_revision
    assert isinstance(down, str)
    return down


def _rows(sql: str) -> list[Any]:
    with _db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _event_data() -> dict[int, Any]:
    return {row_id: _json(data) for row_id, data in _rows(
        "SELECT id, data FROM case_events WHERE id >= 3 ORDER BY id")}


def test_the_migration_seals_names_searches_and_criteria_and_going_down_opens_them(
        empty_app):  # noqa: F811
    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=_before())
    _plain_rows()  # a request (id 1)
    _db.session.remove()
    _insert("cases", {"id": 2, "reference": "XA-2", "legal_basis": "UNTOC",
                      "counterpart_country": "XA", "direction": "incoming", "kind": "mla",
                      "summary": b"", "counterpart_authority_id": None, "treaty_id": None})
    _insert("users", {"id": 1, "username": "worker", "role": "caseworker", "language": "en",
                      "time_zone": "UTC", "authority_id": None})
    for row_id, name in ((1, NAME), (2, "annex.pdf")):
        _insert("documents", {"id": row_id, "uid": f"{row_id:032x}", "case_id": 1,
                              "filename": name, "content_type": "application/pdf",
                              "size_bytes": 10, "sha256": "0" * 64, "visibility": "internal",
                              "doc_type": "annex", "language": "", "event_id": None,
                              "translation_of_id": None, "uploaded_by_id": None})
    for row_id, query in ((1, QUERY), (2, "")):
        _insert("saved_filters", {"id": row_id, "user_id": 1, "name": f"list {row_id}",
                                  "query": query})
    _insert("case_links", {"id": 1, "case_id": 1, "other_case_id": 2, "reason": "name",
                           "details": "{}", "status": "confirmed", "decided_by_id": None,
                           "decided_at": None})
    _insert("competing_decisions", {"id": 1, "link_id": 1, "prevailing_case_id": 1,
                                    "criteria": json.dumps(CRITERIA), "reasons": b"",
                                    "decided_by_id": None})
    for event_id, kind, data in ((3, "document", UPLOADED), (4, "use_limitation", LIMITED),
                                 (5, "document", APPROVED), (6, "use_limitation", REUSED)):
        _insert("case_events", {"id": event_id, "case_id": 1, "kind": kind,
                                "transition": None, "comment": b"", "data": json.dumps(data),
                                "is_internal": True})

    flask_migrate.upgrade(directory=str(MIGRATIONS), revision=SEALS)

    assert not any(MARKER in value for value in _stored(
        "SELECT filename FROM documents") + _stored("SELECT query FROM saved_filters") + _stored(
        "SELECT criteria FROM competing_decisions") + _stored(
        "SELECT data FROM case_events WHERE id >= 3"))  # 1, 2: _plain_rows' own
    ring = key_ring()
    names = _rows("SELECT filename FROM documents ORDER BY id")
    assert [ring.decrypt(bytes(v), context="documents.filename") for v, in names] \
        == [NAME, "annex.pdf"]
    queries = _rows("SELECT query FROM saved_filters ORDER BY id")
    assert [ring.decrypt(bytes(v), context="saved_filters.query") for v, in queries] \
        == [QUERY, ""]
    (criteria,), = _rows("SELECT criteria FROM competing_decisions")
    assert json.loads(ring.decrypt(bytes(criteria),
                                   context="competing_decisions.criteria")) == CRITERIA
    # The timeline keeps the document's id, not its name; other entries are as they were.
    unnamed = {key: value for key, value in UPLOADED.items() if key != "filename"}
    assert _event_data() == {3: unnamed, 4: {k: v for k, v in LIMITED.items()
                                             if k != "filename"},
                             5: APPROVED, 6: REUSED}

    flask_migrate.downgrade(directory=str(MIGRATIONS), revision=_before())

    assert _rows("SELECT filename FROM documents ORDER BY id") == [(NAME,), ("annex.pdf",)]
    assert _rows("SELECT query FROM saved_filters ORDER BY id") == [(QUERY,), ("",)]
    assert [_json(v) for v, in _rows("SELECT criteria FROM competing_decisions")] == [CRITERIA]
    assert _event_data() == {3: UPLOADED, 4: LIMITED, 5: APPROVED, 6: REUSED}
    for table, column in (("documents", "filename"), ("saved_filters", "query"),
                          ("competing_decisions", "criteria")):
        columns = {c["name"]: str(c["type"]).upper()
                   for c in inspect(_db.engine).get_columns(table)}
        assert columns[column] not in {"BLOB", "BYTEA"}
