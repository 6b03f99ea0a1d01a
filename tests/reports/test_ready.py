"""Report figures kept ready (mla/reports/ready.py): stored figures are the computed ones,
served while younger than the max age, computed again after it or on "Recompute now",
never given to a reader of another scope, sealed at rest, refreshed and pruned by the
scheduler's job."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from mla.directory.models import Authority
from mla.reports import ready
from mla.reports.filters import ReportFilters
from mla.reports.ready import COMPUTE, ReportFigures, dumps, figures, loads, scope_key
from tests.reports.conftest import NOW, utc

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}
MAX_AGE = 900


@pytest.fixture
def kept(app, monkeypatch):
    """Figures kept for MAX_AGE seconds (the suite computes them on every read)."""
    settings = app.extensions["mla.settings"]
    monkeypatch.setitem(app.extensions, "mla.settings",
                        dataclasses.replace(settings, report_figures_max_age=MAX_AGE))


@pytest.fixture
def staff_api(create_user, api_token, client):
    headers = api_token(create_user("auditor"))

    def get(name="workload", **args):
        response = client.get(f"/api/v1/reports/{name}", query_string={**YEAR, **args},
                              headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return get


def _rows(db):
    return db.session.scalar(select(func.count()).select_from(ReportFigures))


def _year():
    return ReportFilters(start_on=date(2025, 1, 1), end_on=date(2025, 12, 31))


@pytest.mark.parametrize("section", sorted(COMPUTE))
def test_every_section_round_trips_through_the_codec(history, app, create_user, section):
    reader = create_user("auditor")
    with app.test_request_context():
        value = COMPUTE[section](reader, _year())
        assert loads(dumps(value)) == value


def test_the_codec_refuses_what_it_does_not_know():
    with pytest.raises(TypeError):
        dumps({"x": object()})
    with pytest.raises(ValueError):
        loads('{"$": "os.system", "v": {}}')


def test_stored_figures_are_the_computed_ones(history, kept, staff_api, app, db):
    for name in ("workload", "time", "counterparts", "outcomes", "deadlines"):
        first = staff_api(name)
        served = staff_api(name)  # from storage
        assert served == first
        settings = app.extensions["mla.settings"]
        app.extensions["mla.settings"] = dataclasses.replace(settings,
                                                             report_figures_max_age=0)
        try:
            fresh = staff_api(name)  # computed now, not stored
        finally:
            app.extensions["mla.settings"] = settings
        assert {k: v for k, v in fresh.items() if k != "computed_at"} == {
            k: v for k, v in served.items() if k != "computed_at"}
    assert _rows(db) == 5


def test_served_until_the_max_age_then_computed_again(history, kept, staff_api, register,
                                                      held_clock):
    before = staff_api()
    register(utc(2025, 6, 1))  # one more received in the period
    assert staff_api() == before  # kept: the figures as of their computing
    held_clock(NOW + timedelta(seconds=MAX_AGE - 1))
    assert staff_api()["received"] == before["received"]
    held_clock(NOW + timedelta(seconds=MAX_AGE + 1))
    after = staff_api()
    assert after["received"] == before["received"] + 1
    assert after["computed_at"] == (NOW + timedelta(seconds=MAX_AGE + 1)).isoformat()


def test_the_page_says_how_old_its_figures_are(history, kept, create_user, login_as, client):
    login_as(create_user("caseworker"))
    page = client.get("/reports/", query_string=YEAR).get_data(as_text=True)
    assert "Figures as of" in page
    assert "(recomputed every 15 minutes)" in page
    assert "Recompute now" in page


def test_recompute_now_needs_the_csrf_token(history, kept, create_user, login_as, client):
    login_as(create_user("caseworker"))
    response = client.post("/reports/recompute", data={"view": "index", **YEAR})
    assert response.status_code == 400


def test_recompute_now_computes_again_audited_and_back_to_the_same_page(
        history, kept, create_user, login_as, client, csrf_token, staff_api, register, db,
        held_clock):
    from mla.audit.models import AuditEntry

    login_as(create_user("caseworker"))
    client.get("/reports/", query_string={**YEAR, "direction": "incoming"})
    before = staff_api(direction="incoming")
    register(utc(2025, 6, 1))
    assert staff_api(direction="incoming") == before
    held_clock(NOW + timedelta(seconds=61))  # computed a minute ago: not refused
    token = csrf_token("/reports/")
    response = client.post("/reports/recompute", data={
        "csrf_token": token, "view": "index", **YEAR, "direction": "incoming"})
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "/reports/?from=2025-01-01&to=2025-12-31&direction=incoming")
    assert staff_api(direction="incoming")["received"] == before["received"] + 1
    entry = db.session.scalars(select(AuditEntry)
                               .where(AuditEntry.action == "reports.recompute")).one()
    assert entry.details["scope"] == "all"
    assert entry.details["filters"]["direction"] == "incoming"


@pytest.mark.parametrize("form", [{"view": "review", "year": "²⁰²⁵"},
                                  {"view": "index", "assignee": "²"},
                                  {"view": "index", "from": "x" * 5000}])
def test_recompute_now_with_unreadable_filters_goes_back_not_500(
        kept, create_user, login_as, client, csrf_token, form):
    login_as(create_user("caseworker"))
    response = client.post("/reports/recompute",
                           data={"csrf_token": csrf_token("/reports/"), **form})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reports/")


@pytest.fixture
def offices(register, create_user, db):
    ours, theirs = (Authority(name=n, country_code="XZ", kind="prosecution")
                    for n in ("Office A", "Office B"))
    db.session.add_all([ours, theirs])
    db.session.commit()
    for month in (2, 3, 4):
        register(utc(2025, month, 1), domestic_authority_id=ours.id)
    register(utc(2025, 5, 1), domestic_authority_id=theirs.id)
    register(utc(2025, 5, 2))  # no office
    return {"me": create_user("prosecutor", authority_id=ours.id),
            "colleague": create_user("prosecutor", authority_id=ours.id),
            "other": create_user("prosecutor", authority_id=theirs.id),
            "staff": create_user("supervisor"), "ours": ours, "theirs": theirs}


def test_the_scope_is_everyone_an_office_or_one_user(offices, create_user):
    assert scope_key(offices["staff"]) == "all"
    assert scope_key(offices["me"]) == f"authority:{offices['ours'].id}"
    assert scope_key(offices["colleague"]) == scope_key(offices["me"])
    assert scope_key(offices["other"]) == f"authority:{offices['theirs'].id}"
    nowhere = create_user("prosecutor")  # no authority: sees nothing, shares with nobody
    assert scope_key(nowhere) == f"user:{nowhere.id}"


def test_a_prosecutor_never_gets_staff_or_another_office_figures(offices, kept, app, db):
    with app.test_request_context():
        assert figures(offices["staff"], "workload", _year()).value.received == 5
        assert figures(offices["other"], "workload", _year()).value.received == 1
        assert figures(offices["me"], "workload", _year()).value.received == 3
        assert figures(offices["colleague"], "workload", _year()).value.received == 3
        db.session.commit()
    scopes = db.session.scalars(select(ReportFigures.scope_key)).all()
    assert sorted(scopes) == sorted(["all", f"authority:{offices['ours'].id}",
                                     f"authority:{offices['theirs'].id}"])


def test_a_prosecutor_recomputes_their_office_page(offices, kept, login_as, client,
                                                   csrf_token, db):
    login_as(offices["me"])
    assert "Recompute now" in client.get("/reports/office", query_string=YEAR).get_data(
        as_text=True)
    response = client.post("/reports/recompute", data={
        "csrf_token": csrf_token("/reports/office"), "view": "index", **YEAR})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reports/office?")
    scopes = set(db.session.scalars(select(ReportFigures.scope_key)).all())
    assert scopes == {f"authority:{offices['ours'].id}"}


def test_titles_are_sealed_at_rest(history, kept, create_user, login_as, client, db):
    login_as(create_user("caseworker"))
    page = client.get("/reports/", query_string=YEAR).get_data(as_text=True)
    assert "Bank records, fraud ring" in page  # the oldest open requests' titles
    stored = db.session.execute(text(
        "SELECT payload FROM report_figures WHERE section = 'workload'")).scalar_one()
    assert b"Bank records" not in bytes(stored)
    assert "Bank records, fraud ring" in db.session.scalars(
        select(ReportFigures.payload).where(ReportFigures.section == "workload")).one()


def test_the_same_view_stored_twice_is_one_row(history, kept, create_user, app, db):
    reader = create_user("auditor")
    with app.test_request_context():
        first = figures(reader, "outcomes", _year(), recompute=True)
        second = figures(reader, "outcomes", _year(), recompute=True)
        db.session.commit()
    assert _rows(db) == 1
    assert second.value == first.value


def test_two_workers_storing_the_same_view_at_once_both_succeed(history, kept, create_user,
                                                                 app, db):
    from mla.auth.models import User

    reader_id = create_user("auditor").id
    db.session.commit()
    ready_to_store = threading.Barrier(2)
    answers, errors = [], []

    def worker() -> None:
        try:
            with app.test_request_context():  # an app context, and a session, of its own
                reader = db.session.get(User, reader_id)
                db.session.commit()
                ready_to_store.wait(timeout=30)
                answers.append(figures(reader, "outcomes", _year(), recompute=True).value)
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # reported below, from the test's thread
            errors.append(exc)

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)
    assert errors == []
    assert len(answers) == 2 and answers[0] == answers[1]
    assert _rows(db) == 1


def test_a_served_page_issues_few_statements(history, kept, create_user, login_as, client,
                                             count_queries):
    login_as(create_user("caseworker"))
    client.get("/reports/", query_string=YEAR)  # computes and stores
    with count_queries() as computed:
        client.get("/reports/", query_string={**YEAR, "direction": "incoming"})
    with count_queries() as served:
        client.get("/reports/", query_string={**YEAR, "direction": "incoming"})
    # One read per section (five) besides the page's own (user, choices).
    assert served.count < computed.count
    reads = [s for s in served.statements if "report_figures" in s]
    assert len(reads) == 5
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in reads)


def test_the_job_refreshes_what_was_read_and_prunes_what_was_not(
        history, kept, staff_api, held_clock, register, db):
    staff_api()  # read at NOW
    register(utc(2025, 6, 1))
    # Past half the max age: the job computes it again, and the default view.
    held_clock(NOW + timedelta(seconds=MAX_AGE // 2 + 1))
    db.session.commit()
    counts = ready.refresh_figures()
    assert counts["figures_refreshed"] == 6  # the read entry and the five default sections
    workload_entries = db.session.scalars(select(ReportFigures).where(
        ReportFigures.section == "workload")).all()
    read = next(e for e in workload_entries if '"from":"2025-01-01"' in e.filters)
    assert loads(read.payload).received == 4
    assert read.last_read_at == NOW  # the job's computing is not a read
    # Nothing more to do until they age again.
    assert ready.refresh_figures()["figures_refreshed"] == 0
    # A week unread: deleted.
    held_clock(NOW + timedelta(days=8))
    counts = ready.refresh_figures(limit=0)
    assert counts["figures_pruned"] == 6
    assert _rows(db) == 0


def test_the_job_is_bounded_per_tick(history, kept, db):
    assert ready.refresh_figures(limit=2)["figures_refreshed"] == 2
    assert _rows(db) == 2


def test_the_job_runs_only_when_figures_are_kept(app, history):
    from mla.core.plugins import jobs

    job = next(j for j in jobs(app) if j.name == "reports.refresh_figures")
    settings = app.extensions["mla.settings"]
    assert not job.when(settings)  # the suite's 0: nothing kept, nothing to refresh
    assert job.when(dataclasses.replace(settings, report_figures_max_age=MAX_AGE))


def test_reports_warm(history, kept, runner, db, create_user, login_as, client):
    result = runner.invoke(args=["reports", "warm"])
    assert result.exit_code == 0, result.output
    assert "5 computed" in result.output
    assert _rows(db) == 5
    # What it warmed is what staff open: the page's default view, served, nothing added.
    login_as(create_user("caseworker"))
    assert client.get("/reports/").status_code == 200
    assert _rows(db) == 5


def test_recompute_now_on_the_review(history, kept, create_user, login_as, client,
                                     csrf_token, db):
    login_as(create_user("auditor"))
    page = client.get("/reports/review", query_string={"year": "2025"}).get_data(as_text=True)
    assert "Figures as of" in page
    response = client.post("/reports/recompute", data={
        "csrf_token": csrf_token("/reports/review?year=2025"), "view": "review",
        "year": "2025"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/reports/review?year=2025"
    assert db.session.scalars(select(ReportFigures.section)).all() == ["review"]


def test_a_read_is_marked_at_most_once_a_minute(history, kept, staff_api, held_clock, db):
    staff_api()
    held_clock(NOW + timedelta(seconds=30))
    staff_api()
    assert db.session.scalar(select(ReportFigures.last_read_at)) == NOW
    held_clock(NOW + timedelta(seconds=61))
    staff_api()
    db.session.expire_all()
    assert db.session.scalar(select(ReportFigures.last_read_at)) == NOW + timedelta(seconds=61)


def test_the_payload_is_a_rotated_sealed_column():
    from mla.operations.keys import sealed_columns

    assert "report_figures.payload" in {c.label for c in sealed_columns()}
