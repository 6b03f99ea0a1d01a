from __future__ import annotations

import hashlib
import io

import pytest

from mla.core.crypto import KeyRingError
from mla.core.errors import NotFound, ServiceError
from mla.documents import storage
from mla.documents.models import MAX_DOCUMENT_BYTES
from mla.documents.services import (
    Upload,
    check_upload,
    document_content,
    get_document_for,
    store_document,
)
from tests.conftest import _csrf_from

PDF = b"%PDF-1.7\n" + b"Bank statement of J. Fictif\n" * 20


def _stored(document) -> bytes | None:
    """The sealed blob exactly where the store keeps it (a table row or a file)."""
    from mla.documents.models import DocumentContent
    from mla.extensions import db

    if storage.in_database():
        row = db.session.get(DocumentContent, document.id)
        return None if row is None else row.sealed
    path = storage.storage_dir() / f"{document.uid}.bin"
    return path.read_bytes() if path.exists() else None


def _overwrite(document, blob: bytes) -> None:
    from mla.documents.models import DocumentContent
    from mla.extensions import db

    if storage.in_database():
        db.session.get(DocumentContent, document.id).sealed = blob
        db.session.commit()
    else:
        (storage.storage_dir() / f"{document.uid}.bin").write_bytes(blob)


@pytest.fixture
def setup(create_user, make_case, db):
    from mla.directory.models import Authority

    office = Authority(name="Office A", country_code="XZ", kind="prosecution")
    other_office = Authority(name="Office B", country_code="XZ", kind="prosecution")
    db.session.add_all([office, other_office])
    db.session.commit()
    staff = create_user("caseworker")
    case = make_case(staff, domestic_authority_id=office.id)
    return {
        "staff": staff, "case": case,
        "prosecutor": create_user("prosecutor", authority_id=office.id),
        "stranger": create_user("prosecutor", authority_id=other_office.id),
    }


def test_content_is_encrypted_at_rest_and_reads_back(setup, db, store):
    doc = store_document(setup["staff"], setup["case"], Upload("statement.pdf", PDF),
                         visibility="shared")
    db.session.commit()
    at_rest = _stored(doc)
    assert at_rest is not None and b"Fictif" not in at_rest and b"%PDF" not in at_rest
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert doc.size_bytes == len(PDF) and doc.content_type == "application/pdf"
    assert document_content(doc) == PDF


def test_content_is_bound_to_its_document(setup, db, store):
    one = store_document(setup["staff"], setup["case"], Upload("a.pdf", PDF))
    two = store_document(setup["staff"], setup["case"], Upload("b.pdf", PDF + b"x"))
    db.session.commit()
    _overwrite(two, _stored(one))
    with pytest.raises(KeyRingError):
        document_content(two)


def test_each_store_keeps_the_same_sealed_blob(setup, db, store):
    """Only the place differs: the blob opens with the ring alone, whichever store."""
    from mla.core.crypto import key_ring

    doc = store_document(setup["staff"], setup["case"], Upload("a.pdf", PDF))
    db.session.commit()
    blob = _stored(doc)
    assert storage.open_bytes(key_ring(), blob,
                              context=f"documents.content.{doc.id}.{doc.uid}") == PDF


def test_the_database_store_writes_no_file(setup, db, app_ctx, monkeypatch):
    import dataclasses

    settings = dataclasses.replace(app_ctx.extensions["mla.settings"],
                                   document_store="database")
    monkeypatch.setitem(app_ctx.extensions, "mla.settings", settings)
    doc = store_document(setup["staff"], setup["case"], Upload("a.pdf", PDF))
    db.session.commit()
    assert not (storage.storage_dir() / f"{doc.uid}.bin").exists()
    assert _stored(doc) is not None


def test_missing_content_is_reported(setup, db, store):
    from mla.documents.models import DocumentContent

    doc = store_document(setup["staff"], setup["case"], Upload("a.pdf", PDF))
    db.session.commit()
    if store == "database":
        db.session.delete(db.session.get(DocumentContent, doc.id))
        db.session.commit()
    else:
        (storage.storage_dir() / f"{doc.uid}.bin").unlink()
    with pytest.raises(KeyRingError, match="missing"):
        document_content(doc)


@pytest.mark.parametrize(("name", "data"), [
    ("empty.pdf", b""),
    ("script.exe", b"MZ\x90\x00"),
    ("page.html", b"<html></html>"),
    ("fake.pdf", b"<html>not a pdf</html>"),
    ("fake.png", b"%PDF-1.4"),
    ("binary.txt", b"\xff\xfe\x00\x00"),
    ("noextension", b"%PDF-1.4"),
])
def test_uploads_outside_the_allow_list_are_refused(name, data, app_ctx):
    with pytest.raises(ServiceError) as info:
        check_upload(Upload(name, data))
    assert info.value.details == {"field": "file"}


def test_size_limit(app_ctx):
    check_upload(Upload("big.txt", b"a" * MAX_DOCUMENT_BYTES))
    with pytest.raises(ServiceError):
        check_upload(Upload("big.txt", b"a" * (MAX_DOCUMENT_BYTES + 1)))


def test_file_names_lose_their_paths(app_ctx):
    name, kind = check_upload(Upload("../../etc/pass\x00wd.txt", b"hello"))
    assert name == "passwd.txt" and kind == "text/plain"


def test_who_may_fetch_a_document(setup, db):
    shared = store_document(setup["staff"], setup["case"], Upload("s.pdf", PDF),
                            visibility="shared")
    internal = store_document(setup["staff"], setup["case"], Upload("i.pdf", PDF),
                              visibility="internal")
    db.session.commit()
    assert get_document_for(setup["staff"], internal.id) == internal
    assert get_document_for(setup["prosecutor"], shared.id) == shared
    with pytest.raises(NotFound):
        get_document_for(setup["prosecutor"], internal.id)
    with pytest.raises(NotFound):
        get_document_for(setup["stranger"], shared.id)


def test_download_route_checks_access(setup, db, client, login_as, store):
    shared = store_document(setup["staff"], setup["case"], Upload("s.pdf", PDF),
                            visibility="shared")
    internal = store_document(setup["staff"], setup["case"], Upload("i.pdf", PDF))
    db.session.commit()
    assert client.get(f"/documents/{shared.id}").status_code == 302  # sign in first
    login_as(setup["prosecutor"])
    response = client.get(f"/documents/{shared.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/documents/{internal.id}").status_code == 404
    login_as(setup["stranger"])
    assert client.get(f"/documents/{shared.id}").status_code == 404


def test_staff_upload_through_the_case_page(setup, db, client, login_as):
    from mla.documents.models import Document

    login_as(setup["staff"])
    path = f"/requests/{setup['case'].reference}"
    token = _csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(f"{path}/documents", data={
        "csrf_token": token, "visibility": "shared",
        "file": (io.BytesIO(PDF), "letter.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    response = client.post(f"{path}/documents", data={
        "csrf_token": token, "visibility": "shared",
        "file": (io.BytesIO(b"MZ"), "virus.exe")}, content_type="multipart/form-data")
    db.session.rollback()
    docs = db.session.query(Document).all()
    assert [d.filename for d in docs] == ["letter.pdf"]
    assert docs[0].event_id is not None


def test_downloads_are_audited(setup, db, client, login_as):
    from sqlalchemy import select

    from mla.audit.models import AuditEntry

    document = store_document(setup["staff"], setup["case"], Upload("statement.pdf", PDF),
                              visibility="shared")
    db.session.commit()
    login_as(setup["prosecutor"])
    assert client.get(f"/documents/{document.id}").status_code == 200
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "document.download")).one()
    assert entry.actor_id == setup["prosecutor"].id
    assert entry.details == {"document_id": document.id}


def test_a_rolled_back_upload_leaves_nothing(setup, db, store):
    from sqlalchemy import func, select

    from mla.core.transaction import rollback
    from mla.documents.models import DocumentContent

    document = store_document(setup["staff"], setup["case"], Upload("statement.pdf", PDF))
    path = storage._path(document.uid)
    assert _stored(document) is not None
    rollback()
    assert not path.exists()
    assert db.session.scalar(select(func.count()).select_from(DocumentContent)) == 0


def test_a_committed_upload_survives_a_later_rollback(setup, db, store):
    document = store_document(setup["staff"], setup["case"], Upload("statement.pdf", PDF))
    db.session.commit()  # a plain commit, not through the request boundary
    db.session.rollback()
    assert _stored(document) is not None
    assert document_content(document) == PDF


def _use_store(app_ctx, monkeypatch, store: str) -> None:
    import dataclasses

    settings = dataclasses.replace(app_ctx.extensions["mla.settings"], document_store=store)
    monkeypatch.setitem(app_ctx.extensions, "mla.settings", settings)


@pytest.mark.parametrize(("source", "target"), [("filesystem", "database"),
                                                ("database", "filesystem")])
def test_an_instance_moves_its_documents_to_the_other_store(setup, db, app_ctx, monkeypatch,
                                                           source, target):
    from mla.core.transaction import unit_of_work

    _use_store(app_ctx, monkeypatch, source)
    kept = store_document(setup["staff"], setup["case"], Upload("kept.pdf", PDF))
    swapped = store_document(setup["staff"], setup["case"], Upload("swapped.pdf", PDF + b"!"))
    lost = store_document(setup["staff"], setup["case"], Upload("lost.pdf", PDF + b"?"))
    db.session.commit()
    _overwrite(swapped, _stored(kept))  # does not open for its own document
    if source == "database":
        from mla.documents.models import DocumentContent

        db.session.delete(db.session.get(DocumentContent, lost.id))
        db.session.commit()
    else:
        (storage.storage_dir() / f"{lost.uid}.bin").unlink()
    blob = _stored(kept)

    with unit_of_work():
        report = storage.copy_content(target)
    assert (report.copied, report.already_there) == (1, 0)
    assert report.missing == [lost.id] and report.damaged == [swapped.id]
    assert not report.complete
    _use_store(app_ctx, monkeypatch, target)
    assert _stored(kept) == blob  # the same sealed blob, not re-encrypted
    assert document_content(kept) == PDF
    with unit_of_work():
        again = storage.copy_content(target)
    assert (again.copied, again.already_there) == (0, 1)


def test_the_copy_command(setup, db, app_ctx, monkeypatch):
    _use_store(app_ctx, monkeypatch, "database")
    document = store_document(setup["staff"], setup["case"], Upload("a.pdf", PDF))
    db.session.commit()
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["documents", "copy", "--to", "filesystem"])
    assert result.exit_code == 0, result.output
    assert "1 copied, 0 already there" in result.output
    _use_store(app_ctx, monkeypatch, "filesystem")
    assert document_content(document) == PDF
    (storage.storage_dir() / f"{document.uid}.bin").unlink()
    _use_store(app_ctx, monkeypatch, "database")
    from mla.documents.models import DocumentContent

    db.session.delete(db.session.get(DocumentContent, document.id))
    db.session.commit()
    result = runner.invoke(args=["documents", "copy", "--to", "filesystem"])
    assert result.exit_code != 0 and str(document.id) in result.output
