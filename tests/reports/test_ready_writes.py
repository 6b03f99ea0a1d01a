"""Figures kept ready (mla/reports/ready.py) and the rest of the database: a cold page
computes every section before it writes any (SQLite's one write lock is not held while
it computes), what is kept is dropped when what it was computed from is replaced, a
recompute is throttled, and one failing entry does not stop the scheduler's refresh."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text

from mla.reports import figures_refresh, locks, ready
from mla.reports.ready import COMPUTE, ReportFigures
from tests.reports.conftest import NOW, utc

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}
MAX_AGE = 900


@pytest.fixture
def kept(app, monkeypatch):
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


def _rows(db, **where):
    stmt = select(func.count()).select_from(ReportFigures)
    for name, value in where.items():
        stmt = stmt.where(getattr(ReportFigures, name) == value)
    return db.session.scalar(stmt)


def test_a_writer_commits_while_a_cold_page_computes(history, kept, create_user, login_as,
                                                     client, db, monkeypatch):
    user = create_user("caseworker")
    login_as(user)
    user_id = user.id
    db.session.commit()  # and the test's own session touches nothing until the end
    computing, written = threading.Event(), threading.Event()
    figure_writes_before: list[str] = []
    statements: list[str] = []
    page_thread: list[int] = []

    def remember(conn, cursor, statement, *args):
        if threading.get_ident() in page_thread:
            statements.append(statement)

    slow = COMPUTE["deadlines"]  # the page's last section: the four others are computed

    def deadlines(actor, f):
        figure_writes_before.extend(
            s for s in statements if "report_figures" in s
            and s.lstrip().upper().startswith(("INSERT", "UPDATE")))
        computing.set()
        written.wait(timeout=60)
        return slow(actor, f)

    monkeypatch.setitem(COMPUTE, "deadlines", deadlines)
    event.listen(db.engine, "before_cursor_execute", remember)
    statuses: list[int] = []

    def read_page() -> None:
        page_thread.append(threading.get_ident())
        statuses.append(client.get("/reports/", query_string=YEAR).status_code)

    thread = threading.Thread(target=read_page)
    try:
        thread.start()
        assert computing.wait(timeout=60)
        # Another connection writes and commits while the page is still computing.
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE users SET username = username WHERE id = :id"),
                         {"id": user_id})
    finally:
        written.set()
        thread.join(timeout=60)
        event.remove(db.engine, "before_cursor_execute", remember)
    assert figure_writes_before == []
    assert statuses == [200]
    assert _rows(db) == 5  # all five stored together at the end


def test_simultaneous_first_readers_of_a_view_compute_it_once(history, kept, create_user,
                                                            api_token, app, db, monkeypatch):
    # Two people who see every request (one entry for both), each with a token of their
    # own (a token's last use is written in its request's transaction).
    readers = [api_token(create_user("auditor")), api_token(create_user("supervisor"))]
    db.session.commit()  # and the test's own session touches nothing until the end
    calls: list[int] = []
    computing, waiting = threading.Event(), threading.Event()
    compute, wait = COMPUTE["workload"], locks.wait_for_view

    def workload(actor, f):
        calls.append(threading.get_ident())
        computing.set()
        waiting.wait(timeout=60)  # until the second reader waits for these figures
        return compute(actor, f)

    def waits(*args, **kwargs):
        waiting.set()
        return wait(*args, **kwargs)

    monkeypatch.setitem(COMPUTE, "workload", workload)
    monkeypatch.setattr(locks, "wait_for_view", waits)
    answers: list[tuple[int, dict]] = []

    def read(headers: dict[str, str]) -> None:
        response = app.test_client().get("/api/v1/reports/workload", query_string=YEAR,
                                         headers=headers)
        answers.append((response.status_code, response.get_json()))

    first, second = (threading.Thread(target=read, args=(headers,)) for headers in readers)
    first.start()
    try:
        assert computing.wait(timeout=60)
        second.start()  # finds the view cold too, while the first computes it
    finally:
        first.join(timeout=120)
        if second.ident is not None:
            second.join(timeout=120)
    assert len(calls) == 1  # the second reader waited and read the first one's figures
    assert [status for status, _json in answers] == [200, 200]
    assert answers[0][1] == answers[1][1]  # the same figures, computed at the same instant
    assert _rows(db, section="workload") == 1


def test_recompute_now_is_refused_within_a_minute_of_the_last(
        history, kept, create_user, login_as, client, csrf_token, staff_api, register, db,
        held_clock):
    from mla.audit.models import AuditEntry

    login_as(create_user("caseworker"))
    token = csrf_token("/reports/")
    form = {"csrf_token": token, "view": "index", **YEAR}
    client.get("/reports/", query_string=YEAR)  # computed at NOW
    received = staff_api()["received"]
    register(utc(2025, 6, 1))
    held_clock(NOW + timedelta(seconds=30))
    response = client.post("/reports/recompute", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "less than a minute ago" in response.get_data(as_text=True)
    assert staff_api()["received"] == received  # not computed again
    held_clock(NOW + timedelta(seconds=61))
    response = client.post("/reports/recompute", data=form, follow_redirects=True)
    assert "computed again just now" in response.get_data(as_text=True)
    assert staff_api()["received"] == received + 1
    # Computed just now: the next one is refused again.
    client.post("/reports/recompute", data=form)
    assert staff_api()["received"] == received + 1
    audited = db.session.scalars(select(AuditEntry.details).where(
        AuditEntry.action == "reports.recompute").order_by(AuditEntry.id)).all()
    assert [d.get("refused") for d in audited] == ["computed_lately", None, "computed_lately"]


def test_recompute_now_on_the_review_is_refused_within_a_minute(
        history, kept, create_user, login_as, client, csrf_token, held_clock, db):
    login_as(create_user("auditor"))
    client.get("/reports/review", query_string={"year": "2025"})
    form = {"csrf_token": csrf_token("/reports/review?year=2025"), "view": "review",
            "year": "2025"}
    response = client.post("/reports/recompute", data=form, follow_redirects=True)
    assert "less than a minute ago" in response.get_data(as_text=True)
    computed_at = db.session.scalar(select(ReportFigures.computed_at))
    held_clock(NOW + timedelta(seconds=61))
    client.post("/reports/recompute", data=form)
    db.session.expire_all()
    assert db.session.scalar(select(ReportFigures.computed_at)) > computed_at


def test_rebuilding_the_summary_drops_the_figures_kept(history, kept, staff_api, runner, db):
    staff_api()
    assert _rows(db) == 1
    result = runner.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "1 kept figures dropped" in result.output
    db.session.expire_all()
    assert _rows(db) == 0


def test_one_failing_entry_does_not_stop_the_refresh(history, kept, staff_api, held_clock,
                                                     db, monkeypatch, caplog):
    staff_api("time")
    staff_api("workload")
    calls: list[str] = []

    def broken(actor, f):
        calls.append("time")
        raise RuntimeError("boom")

    monkeypatch.setitem(COMPUTE, "time", broken)
    monkeypatch.setattr(figures_refresh, "_FAILED", {})
    held_clock(NOW + timedelta(seconds=MAX_AGE // 2 + 1))
    db.session.commit()
    counts = ready.refresh_figures()
    # The read workload entry and four default sections computed; both time entries
    # (the read one and the default view's) failed alone.
    assert counts["figures_refreshed"] == 5
    assert counts["figures_failed"] == 1  # the default view's; the read one is deleted
    assert len(calls) == 2
    assert _rows(db, section="time") == 0  # computed again when next read
    assert "2025-01-01" not in caplog.text and "boom" not in caplog.text
    # Not tried again on the next ticks until someone reads it.
    held_clock(NOW + timedelta(seconds=MAX_AGE))
    ready.refresh_figures()
    assert len(calls) == 2
