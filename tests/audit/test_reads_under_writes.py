"""A page that records its own reading (the consultation's audit entry) is served while
other people write: the entry is written in a write transaction of its own at the end of
the request (mla.core.transaction.write_after_read).

On SQLite the read's own transaction could not take the write lock once another writer
had committed since it began (SQLITE_BUSY_SNAPSHOT, which the busy timeout does not wait
out): two people opening request pages at once got 500s. The test makes another
connection commit a write in the middle of the page, after the page has read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, update

from mla.audit.chain import verify
from mla.audit.models import AuditEntry
from mla.auth.models import User


@pytest.fixture
def commit_elsewhere_mid_page(db) -> Iterator[dict[str, Any]]:
    """Once armed, at the page's first read of the requests table, another connection
    renames a user and commits."""
    state: dict[str, Any] = {"armed": False, "fired": 0, "user_id": None}

    def before(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if not state["armed"] or state["fired"] or "FROM cases" not in statement:
            return
        state["fired"] += 1
        with db.engine.begin() as other:
            other.execute(update(User).where(User.id == state["user_id"])
                          .values(display_name="Renamed meanwhile"))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield state
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _reads(db, reference: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "case.read", AuditEntry.object_id == reference)))


@pytest.mark.parametrize("path", ["/requests/{reference}", "/api/v1/cases/{reference}"])
def test_a_request_read_while_another_writer_commits_is_served_and_audited(
        db, client, login_as, api_token, create_user, make_case, commit_elsewhere_mid_page,
        path):
    reader = create_user("caseworker", username="reader")
    other = create_user("supervisor", username="other")
    case = make_case(reader)
    db.session.commit()
    reference, other_id = case.reference, other.id
    headers = api_token(reader) if path.startswith("/api/") else {}
    if not headers:
        login_as(reader)
    db.session.close()  # the page begins its own transaction, as in production
    commit_elsewhere_mid_page.update(armed=True, user_id=other_id)

    response = client.get(path.format(reference=reference), headers=headers)

    assert commit_elsewhere_mid_page["fired"] == 1
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert reference in response.get_data(as_text=True)
    assert len(_reads(db, reference)) == 1
    assert db.session.get(User, other_id).display_name == "Renamed meanwhile"
    checked, broken = verify(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert broken is None and checked >= 1


def test_a_refused_page_still_records_the_refusal(db, client, login_as, create_user,
                                                  make_case, commit_elsewhere_mid_page):
    owner = create_user("caseworker", username="owner")
    prosecutor = create_user("prosecutor", username="pros")
    case = make_case(owner)
    db.session.commit()
    login_as(prosecutor)

    response = client.get("/audit/")

    assert response.status_code == 403
    db.session.rollback()
    refusals = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "access.refused", AuditEntry.actor_id == prosecutor.id)).all()
    assert len(refusals) == 1
    assert case.reference not in (refusals[0].details or {}).values()


def test_a_page_whose_record_cannot_be_written_is_not_served(db, client, login_as,
                                                             create_user, make_case,
                                                             monkeypatch):
    # The consultation's entry is the condition of reading: no entry, no page.
    from mla.audit import services

    reader = create_user("caseworker", username="reader")
    case = make_case(reader)
    db.session.commit()
    login_as(reader)

    def refuse(entry: AuditEntry) -> None:
        from sqlalchemy.exc import OperationalError
        raise OperationalError("INSERT INTO audit_entries", {}, Exception("locked"))

    monkeypatch.setattr(services, "_append", refuse)
    response = client.get(f"/requests/{case.reference}")

    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert case.reference not in page
    assert "The database is busy; try again in a moment." in page
    assert 'lang="en"' in page  # Comity's own error page, not a bare text
    assert _reads(db, case.reference) == []
