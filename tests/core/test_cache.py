"""Per-process caches keep committed rows only (mla.core.cache), and a unit of work's
remembered rows follow its savepoints (mla.core.remembered).

The home time zone stands for every cache: an administrator's override is written in
one transaction, read back in it (the transaction must see its own write), and either
rolled back or committed."""

from __future__ import annotations

import threading

from mla.core.remembered import remembered_get
from mla.deadlines.models import CountryTimeZone
from mla.deadlines.services import set_time_zone
from mla.deadlines.subscribers import home_zone_name_for
from mla.reference.queries import country_choices
from mla.reference.services import ensure_fictional_country

HOME = "XZ"
BOGOTA = "America/Bogota"


def _read_elsewhere(app, fn, *args):
    """``fn(*args)`` from another thread's session, as another (GET) request would."""
    from mla.core.db import set_read_only
    from mla.extensions import db

    answer: list[object] = []

    def run() -> None:
        set_read_only(True)  # SQLite: a reader's BEGIN, not waiting for the writer
        with app.app_context():
            try:
                answer.append(fn(*args))
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert answer, "the other thread failed"
    return answer[0]


def test_a_rolled_back_write_leaves_nothing_in_the_cache(db, count_queries):
    assert home_zone_name_for(HOME) == "UTC"
    set_time_zone("test", HOME, BOGOTA)
    assert home_zone_name_for(HOME) == BOGOTA  # its own write, read in its transaction
    db.session.rollback()
    assert home_zone_name_for(HOME) == "UTC"
    with count_queries() as counter:  # and cached again once nothing is uncommitted
        assert home_zone_name_for(HOME) == "UTC"
    assert counter.count == 0, counter.statements


def test_a_reference_row_rolled_back_is_not_listed(db):
    assert ("XQ", "Quux (XQ)") not in country_choices()
    ensure_fictional_country("XQ", "Quux")
    assert ("XQ", "Quux (XQ)") in country_choices()
    db.session.rollback()
    assert ("XQ", "Quux (XQ)") not in country_choices()


def test_a_commit_shows_at_once_even_if_another_request_filled_the_cache_meanwhile(
        app_ctx, db, count_queries):
    assert home_zone_name_for(HOME) == "UTC"
    set_time_zone("test", HOME, BOGOTA)
    # Another request, not seeing the uncommitted override, reads and caches the old
    # zone; the writing transaction still reads its own.
    assert _read_elsewhere(app_ctx, home_zone_name_for, HOME) == "UTC"
    assert home_zone_name_for(HOME) == BOGOTA
    db.session.commit()
    assert home_zone_name_for(HOME) == BOGOTA
    assert _read_elsewhere(app_ctx, home_zone_name_for, HOME) == BOGOTA
    with count_queries() as counter:
        assert home_zone_name_for(HOME) == BOGOTA
    assert counter.count == 0, counter.statements


def test_a_savepoint_rolled_back_takes_its_write_out_of_the_cache(db, count_queries):
    assert home_zone_name_for(HOME) == "UTC"
    savepoint = db.session.begin_nested()
    set_time_zone("test", HOME, BOGOTA)
    assert home_zone_name_for(HOME) == BOGOTA
    savepoint.rollback()
    assert home_zone_name_for(HOME) == "UTC"
    with count_queries() as counter:  # the outer transaction wrote nothing cached
        assert home_zone_name_for(HOME) == "UTC"
    assert counter.count == 0, counter.statements
    db.session.commit()
    assert home_zone_name_for(HOME) == "UTC"


def test_a_released_savepoint_stays_the_transactions_own_until_it_ends(db):
    assert home_zone_name_for(HOME) == "UTC"
    with db.session.begin_nested():
        set_time_zone("test", HOME, BOGOTA)
    assert home_zone_name_for(HOME) == BOGOTA
    inner = db.session.begin_nested()
    assert home_zone_name_for(HOME) == BOGOTA  # written outside the savepoint
    inner.rollback()
    assert home_zone_name_for(HOME) == BOGOTA
    db.session.rollback()
    assert home_zone_name_for(HOME) == "UTC"


def test_a_remembered_row_follows_a_savepoint_rolled_back(db):
    assert remembered_get(CountryTimeZone, HOME) is None
    savepoint = db.session.begin_nested()
    db.session.add(CountryTimeZone(country_code=HOME, zone_name=BOGOTA))
    db.session.flush()
    remembered = remembered_get(CountryTimeZone, HOME)
    assert remembered is not None and remembered.zone_name == BOGOTA
    savepoint.rollback()
    assert remembered_get(CountryTimeZone, HOME) is None


def test_a_remembered_row_changed_in_a_savepoint_rolled_back_is_read_again(db):
    set_time_zone("test", HOME, BOGOTA)
    db.session.commit()
    assert remembered_get(CountryTimeZone, HOME).zone_name == BOGOTA
    savepoint = db.session.begin_nested()
    set_time_zone("test", HOME, None)
    assert remembered_get(CountryTimeZone, HOME) is None
    savepoint.rollback()
    remembered = remembered_get(CountryTimeZone, HOME)
    assert remembered is not None and remembered.zone_name == BOGOTA
