"""The audit page: who may read it, its filters, pages and CSV export; refused access
and sign-ins land in the trail."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from mla.audit.models import AuditEntry
from mla.audit.services import record_audit
from mla.core import clock
from mla.directory.services import AuthorityInput, save_authority
from tests.conftest import _csrf_from


def _actions(db) -> list[str]:
    db.session.expire_all()
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_only_auditors_and_admins_read_the_trail(client, create_user, login_as):
    for role, status in (("auditor", 200), ("admin", 200), ("supervisor", 403),
                         ("caseworker", 403)):
        login_as(create_user(role))
        assert client.get("/audit/").status_code == status, role
        assert client.get("/audit/export.csv").status_code == status, role


def test_filters_by_person_request_action_and_date(client, create_user, login_as, db):
    auditor = create_user("auditor")
    record_audit("alice", "case.update", object_type="cases", object_id="MLA-IN-2026-0001")
    record_audit("bob", "case.update", object_type="cases", object_id="MLA-IN-2026-0002")
    record_audit("alice", "document.download", object_type="documents", object_id="7")
    db.session.commit()
    login_as(auditor)

    def rows(query: str) -> str:
        html = client.get(f"/audit/?{query}").get_data(as_text=True)
        return html[html.index("<tbody>"):html.index("</tbody>")] if "<tbody>" in html else ""

    assert "MLA-IN-2026-0002" not in rows("person=alice")
    assert "document.download" in rows("person=alice")
    only = rows("request=MLA-IN-2026-0002")
    assert "bob" in only and "alice" not in only
    assert "case.update" not in rows("action=document.download")
    assert "document.download" in rows("action=document.")
    today = clock.now().date()
    assert "case.update" in rows(f"date_from={today - timedelta(days=1)}&date_to={today}")
    assert rows(f"date_to={today - timedelta(days=2)}") == ""


def test_pages_of_fifty_newest_first(client, create_user, login_as, db):
    for i in range(60):
        record_audit("bulk", "test.bulk", object_id=f"n{i:02d}")
    db.session.commit()
    login_as(create_user("auditor"))
    first = client.get("/audit/?person=bulk").get_data(as_text=True)
    assert "n59" in first and "n09" not in first and "page=2" in first
    second = client.get("/audit/?person=bulk&page=2").get_data(as_text=True)
    assert "n09" in second and "n59" not in second


def test_csv_export_follows_the_filters_and_neutralises_formulas(client, create_user,
                                                                 login_as, db):
    record_audit("carol", "test.export", object_id="=HYPERLINK(1)")
    record_audit("dave", "test.export", object_id="x")
    db.session.commit()
    login_as(create_user("auditor"))
    response = client.get("/audit/export.csv?person=carol")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["actor"] for r in rows] == ["carol"]
    assert rows[0]["object_id"].startswith("'=")
    assert len(rows[0]["entry_hash"]) == 64


def test_refused_access_is_recorded_with_who_and_where(client, create_user, login_as, db):
    caseworker = create_user("caseworker")
    login_as(caseworker)
    assert client.get("/audit/").status_code == 403
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "access.refused")).one()
    assert entry.actor_id == caseworker.id
    assert entry.object_id == "audit.trail"
    assert entry.details == {"status": 403, "route": "GET /audit/"}


def test_an_api_call_without_a_token_is_recorded(client, db):
    assert client.get("/api/v1/cases").status_code == 401
    assert "access.refused" in _actions(db)


def test_a_refused_write_keeps_nothing_but_the_refusal(client, create_user, login_as, db):
    login_as(create_user("prosecutor"))
    token = _csrf_from(client.get("/account/password").get_data(as_text=True))
    before = len(_actions(db))
    assert client.post("/admin/users/new", data={"csrf_token": token}).status_code == 403
    assert _actions(db)[before:] == ["access.refused"]


def test_sign_ins_are_recorded_success_and_failure(client, create_user, login_as, db):
    user = create_user("caseworker")
    token = _csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": user.username, "password": "wrong password here",
                                "csrf_token": token})
    login_as(user)
    actions = _actions(db)
    assert "auth.login_failed" in actions and "auth.login" in actions
    # The 401 of a failed sign-in keeps its own entries and throttle counter, no duplicate.
    assert "access.refused" not in actions


def test_reading_a_request_is_recorded(client, create_user, login_as, make_case, db):
    caseworker = create_user("caseworker")
    case = make_case(caseworker)
    login_as(caseworker)
    assert client.get(f"/requests/{case.reference}").status_code == 200
    reads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.read")
                               .order_by(AuditEntry.id)).all()
    assert [(r.actor_id, r.object_id, r.details) for r in reads] == [
        (caseworker.id, case.reference, {"channel": "web"})]


def test_reading_a_request_through_the_api_is_recorded(client, create_user, make_case,
                                                       api_token, db):
    caseworker = create_user("caseworker")
    case = make_case(caseworker)
    assert client.get(f"/api/v1/cases/{case.reference}",
                      headers=api_token(caseworker)).status_code == 200
    read = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.read")).one()
    assert (read.actor_id, read.object_id, read.details) == (
        caseworker.id, case.reference, {"channel": "api"})


def test_a_prosecutor_reading_their_request_in_the_portal_is_recorded(
        client, create_user, login_as, make_case, db):
    office = save_authority("test", AuthorityInput(
        name="Prosecutor's Office", country_code="XZ", kind="prosecution",
        email="pp@example.org", languages=["en"], channels=["central_authority"]))
    prosecutor = create_user("prosecutor", authority_id=office.id)
    case = make_case(domestic_authority_id=office.id)
    login_as(prosecutor)
    assert client.get(f"/portal/requests/{case.reference}").status_code == 200
    read = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.read")).one()
    assert (read.actor_id, read.details) == (prosecutor.id, {"channel": "portal"})


def test_details_read_yes_no_and_a_dash_for_none_with_the_record_left_alone(
        client, create_user, login_as, db):
    entry = record_audit("erin", "test.words", object_id="w1", before=None, after="en",
                         is_override=True, is_final=False, kinds=["a", None])
    db.session.commit()
    auditor = create_user("auditor")
    auditor.language = "fr"
    db.session.commit()
    login_as(auditor)
    html = client.get("/audit/?person=erin").get_data(as_text=True)
    row = html[html.index("<tbody>"):html.index("</tbody>")]
    # The keys are the chained record's field names; only the values are in words.
    assert "after=en; before=—; is_final=non; is_override=oui; kinds=a, —" in row
    assert "None" not in row and "True" not in row and "False" not in row
    db.session.expire_all()
    stored = db.session.get(AuditEntry, entry.id)
    assert stored.details == {"before": None, "after": "en", "is_override": True,
                              "is_final": False, "kinds": ["a", None]}
