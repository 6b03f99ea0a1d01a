"""A request page's counterpart line served from figures kept ready: one entry per
counterpart, kind and measure (never per request), the request itself left out exactly as
when computed on every page."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from mla.directory.models import Authority
from mla.reports import figures_refresh, ready
from mla.reports.queries import (
    CounterpartHistory,
    Spread,
    _spread_without,
    counterpart_filters,
    counterpart_history,
    counterpart_record,
)
from mla.reports.ready import ReportFigures, counterpart_record_ready
from mla.reports.tables import counterpart_line
from tests.reports.conftest import NOW, utc

MAX_AGE = 900


@pytest.fixture
def kept(app, monkeypatch):
    settings = app.extensions["mla.settings"]
    monkeypatch.setitem(app.extensions, "mla.settings",
                        dataclasses.replace(settings, report_figures_max_age=MAX_AGE))


@pytest.fixture
def france(register, move):
    """Outgoing bank-records requests to France: executed after 95, 40, 40 and 200 days,
    one transmitted and waiting, one still a draft; and a witness hearing (not counted)."""
    made = []
    for month, days in ((1, 95), (3, 40), (5, 40), (7, 200)):
        k = register(utc(2024 + month // 6, month, 10), direction="outgoing",
                     counterpart_country="FR")
        move(k, "transmitted", utc(2025, month, 12), "transmit")
        move(k, "under_execution", utc(2025, month, 20), "record_acknowledgement")
        move(k, "results_received", utc(2025, month, 12) + timedelta(days=days),
             "record_results")
        made.append(k)
    waiting = register(utc(2025, 9, 1), direction="outgoing", counterpart_country="FR")
    move(waiting, "transmitted", utc(2025, 9, 2), "transmit")
    made.append(waiting)
    made.append(register(utc(2026, 1, 5), direction="outgoing", counterpart_country="FR"))
    register(utc(2025, 6, 1), direction="outgoing", counterpart_country="FR",
             measures=["witness_hearing"])
    return made


def _entries(db):
    return db.session.scalars(select(ReportFigures)
                              .where(ReportFigures.section == "counterpart")).all()


@pytest.mark.parametrize("seed", range(40))
def test_leaving_one_day_count_out_is_the_spread_of_the_others(seed):
    rng = random.Random(seed)
    days = sorted(rng.choice([rng.uniform(0, 400), float(rng.randint(0, 9))])
                  for _ in range(rng.randint(1, 25)))
    near = tuple((start, tuple(days[start:start + 3]))
                 for start in (int(p * (len(days) - 2)) if len(days) > 1 else 0
                               for p in (0.5, 0.9)))
    history = CounterpartHistory(len(days), (), Spread.of(days), near, 0, 0)
    for left_out in set(days):
        others = list(days)
        others.remove(left_out)
        assert _spread_without(history, left_out) == Spread.of(others)


def test_served_is_what_is_computed_on_every_page(france, kept, app, create_user, db):
    reader = create_user("caseworker")
    with app.test_request_context():
        for case in france:
            assert counterpart_record_ready(reader, case) == counterpart_record(reader, case)
        db.session.commit()
        # One entry for the counterpart, whatever the request; it served them all.
        assert len(_entries(db)) == 1
        executed = france[0]  # its own 95 days are left out: 40, 40, 200
        assert counterpart_line(reader, executed) == (
            "France, bank records: median 40 days to execution (3 executed), "
            "5 requests since 2024.")
        assert counterpart_line(reader, france[-1]) == (
            "France, bank records: median 67.5 days to execution (4 executed), "
            "5 requests since 2024.")


def test_a_request_that_changed_since_is_not_left_out_of_figures_without_it(
        france, kept, app, create_user, register, move, db):
    reader = create_user("caseworker")
    with app.test_request_context():
        counterpart_record_ready(reader, france[-1])  # stored
        db.session.commit()
        # Registered after: the stored figures do not count it; they are computed again.
        new = register(utc(2026, 2, 1), direction="outgoing", counterpart_country="FR")
        assert counterpart_record_ready(reader, new) == counterpart_record(reader, new)
        assert counterpart_record_ready(reader, new).requests == 6
        # Executed after the figures were stored: its days are not left out of them blindly.
        computed_at = _entries(db)[0].computed_at
        move(france[4], "under_execution", utc(2026, 2, 3), "record_acknowledgement")
        move(france[4], "results_received", utc(2026, 2, 10), "record_results")
        assert counterpart_record_ready(reader, france[4]) == counterpart_record(
            reader, france[4])
        assert _entries(db)[0].computed_at >= computed_at
        # Its counterpart changed to one whose figures were stored before.
        germany = register(utc(2025, 2, 1), direction="outgoing", counterpart_country="DE")
        counterpart_record_ready(reader, germany)
        db.session.commit()
        france[0].counterpart_country = "DE"
        from mla.cases.services import add_event
        add_event(france[0], reader, "edited", is_internal=True)
        db.session.commit()
        assert counterpart_record_ready(reader, france[0]) == counterpart_record(
            reader, france[0])
        assert counterpart_record_ready(reader, france[0]).requests == 1


def test_the_first_request_leaves_its_year_out(register, kept, app, create_user):
    first = register(utc(2023, 5, 1), direction="outgoing", counterpart_country="DE")
    register(utc(2025, 5, 1), direction="outgoing", counterpart_country="DE")
    reader = create_user("caseworker")
    with app.test_request_context():
        counterpart_record_ready(reader, first)
        assert counterpart_line(reader, first) == (
            "Germany, bank records: none executed yet, 1 request since 2025.")


def test_a_prosecutor_reads_their_office_figures_only(register, move, kept, app, db,
                                                      create_user):
    ours, theirs = (Authority(name=n, country_code="XZ", kind="prosecution")
                    for n in ("Office A", "Office B"))
    db.session.add_all([ours, theirs])
    db.session.commit()
    mine = [register(utc(2025, m, 1), direction="outgoing", counterpart_country="FR",
                     domestic_authority_id=ours.id) for m in (1, 2)]
    register(utc(2024, 3, 1), direction="outgoing", counterpart_country="FR",
             domestic_authority_id=theirs.id)
    me = create_user("prosecutor", authority_id=ours.id)
    staff = create_user("supervisor")
    with app.test_request_context():
        assert counterpart_record_ready(staff, mine[0]).requests == 2
        assert counterpart_record_ready(me, mine[0]).requests == 1
        assert counterpart_record_ready(me, mine[0]).since == 2025
        assert counterpart_record_ready(staff, mine[0]).since == 2024
        # Read as another office (the request is not theirs): nothing to leave out.
        other = create_user("prosecutor", authority_id=theirs.id)
        assert counterpart_record_ready(other, mine[0]) == counterpart_record(other, mine[0])
        assert counterpart_record_ready(other, mine[0]).requests == 1
        db.session.commit()
    assert sorted(e.scope_key for e in _entries(db)) == [
        "all", f"authority:{ours.id}", f"authority:{theirs.id}"]


def test_one_entry_serves_every_language(france, kept, app, create_user, db):
    reader = create_user("caseworker")
    for language in ("en", "fr"):
        with app.test_request_context(headers={"Accept-Language": language}):
            counterpart_line(reader, france[0])
            db.session.commit()
    assert [e.locale for e in _entries(db)] == [""]


def test_a_served_request_page_reads_the_line_in_two_statements(
        france, kept, create_user, login_as, client, count_queries):
    login_as(create_user("supervisor"))
    client.get(f"/requests/{france[1].reference}")  # computes and stores
    with count_queries() as served:
        page = client.get(f"/requests/{france[2].reference}").get_data(as_text=True)
    # Its own 40 days left out: 95, 40 and 200.
    assert "median 95 days to execution (3 executed), 5 requests since 2024" in page
    reads = [s for s in served.statements if "report_figures" in s]
    assert len(reads) == 1  # the line's stored figures; the other one: the request's part
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in reads)
    assert not any("days_between" in s or "julianday" in s or "date_part" in s
                   for s in served.statements if "GROUP BY" in s.upper())


def test_the_job_refreshes_the_counterpart_lines_read(france, kept, app, create_user,
                                                      register, held_clock, monkeypatch,
                                                      db):
    reader = create_user("caseworker")
    with app.test_request_context():
        counterpart_line(reader, france[0])
        counterpart_line(reader, register(utc(2025, 8, 1), direction="outgoing",
                                          counterpart_country="DE"))  # a second entry
        db.session.commit()
    assert len(_entries(db)) == 2
    held_clock(NOW + timedelta(seconds=MAX_AGE // 2 + 1))
    monkeypatch.setattr(figures_refresh, "COUNTERPART_REFRESH_PER_TICK", 1)
    counts = ready.refresh_figures(limit=0)
    assert counts["counterparts_refreshed"] == 1
    assert counts["figures_refreshed"] == 1  # no section: their bound is 0 this tick
    counts = ready.refresh_figures(limit=0)
    assert counts["counterparts_refreshed"] == 1
    assert all(e.computed_at > NOW for e in _entries(db))
    assert all(e.last_read_at == NOW for e in _entries(db))  # refreshing is not reading
    with app.test_request_context():
        f = counterpart_filters(france[0])
        stored = ready.figures(reader, "counterpart", f).value
        assert stored == counterpart_history(reader, f)
