"""Times in the reader's zone, named (mla.core.zones, mla.core.display.when)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale, get_timezone, gettext
from sqlalchemy import select

from mla.core.display import day, when
from mla.core.zones import in_zone, select_timezone, zone_choices

CHRISTMAS_EVE_AFTERNOON = datetime(2026, 12, 24, 13, 30, tzinfo=UTC)  # 14:30 in Paris
# Europe/Paris goes to summer time on 29 March 2026 at 01:00 UTC (02:00 -> 03:00 local)
# and back on 25 October 2026 at 01:00 UTC (03:00 -> 02:00 local).
BEFORE_SPRING = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
AFTER_SPRING = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
BEFORE_AUTUMN = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
AFTER_AUTUMN = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


@pytest.fixture
def in_request(app_ctx):
    with app_ctx.test_request_context("/"):
        yield


@pytest.fixture
def parisian(create_user, db):
    user = create_user("caseworker")
    user.language, user.time_zone = "fr", "Europe/Paris"
    db.session.commit()
    return user


def _set_zone(client, csrf_token, zone: str):
    return client.post("/account/time-zone", data={
        "time_zone": zone, "csrf_token": csrf_token("/account/time-zone")})


# -- which zone ---------------------------------------------------------------------------
def test_the_zone_is_the_users_then_the_instances_then_utc(app_ctx, client, create_user,
                                                            login_as, db):
    from mla.deadlines.models import CountryTimeZone

    with app_ctx.test_request_context("/"):
        assert select_timezone() == "UTC"  # the test instance's home state is fictional
    # The home state's zone, as an administrator sets it for its deadlines.
    db.session.add(CountryTimeZone(country_code="XZ", zone_name="America/Bogota"))
    db.session.commit()
    with app_ctx.test_request_context("/"):
        assert select_timezone() == "America/Bogota"  # signed out
    assert select_timezone() == "America/Bogota"  # a command or a scheduled job
    user = create_user("caseworker")
    login_as(user)
    page = client.get("/account/time-zone").get_data(as_text=True)
    assert re.search(r'<option selected value="">[^<]*Colombia — Bogotá', page)  # the default
    user.time_zone = "Asia/Kolkata"
    db.session.commit()
    page = client.get("/account/time-zone").get_data(as_text=True)
    assert 'id="time-zone-now">' in page and " IST</time>" in page
    # A zone forced for a reader (a notice written for them) beats all of them.
    with app_ctx.test_request_context("/"), in_zone("Pacific/Auckland"):
        assert select_timezone() == "Pacific/Auckland"
        assert str(get_timezone()) == "Pacific/Auckland"
    # A stored zone this machine no longer knows falls back to the instance's.
    user.time_zone = "Atlantis/Capital"
    db.session.commit()
    page = client.get("/account/time-zone").get_data(as_text=True)
    assert " GMT-05:00</time>" in page  # Bogotá has no abbreviation in tzdata


def test_a_french_caseworker_in_paris_reads_local_time_with_its_zone(client, parisian,
                                                                      login_as, make_case,
                                                                      db):
    from mla.cases.models import CaseEvent

    case = make_case(actor=parisian)
    event = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "registered")).one()
    event.at = CHRISTMAS_EVE_AFTERNOON
    db.session.commit()
    login_as(parisian)
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    timeline = re.search(r'<time datetime="2026-12-24T13:30:00\+00:00">([^<]*)</time>', html)
    assert timeline is not None, "the registration's timeline entry"
    assert timeline.group(1) == "24 déc. 2026, 14:30 CET"


@pytest.mark.parametrize(("at", "expected"), [
    (BEFORE_SPRING, "29 mars 2026, 01:59 CET"),
    (AFTER_SPRING, "29 mars 2026, 03:00 CEST"),
    (BEFORE_AUTUMN, "25 oct. 2026, 02:30 CEST"),
    (AFTER_AUTUMN, "25 oct. 2026, 02:30 CET"),  # the same wall time, an hour later
])
def test_summer_time_changes_the_hour_and_the_label(in_request, at, expected):
    with force_locale("fr"), in_zone("Europe/Paris"):
        assert when(at) == expected


def test_the_day_of_an_instant_counts_in_the_readers_zone(in_request):
    late = datetime(2026, 12, 24, 23, 30, tzinfo=UTC)
    with force_locale("en"), in_zone("Europe/Paris"):
        assert day(late) == "Dec 25, 2026"
        assert when(late).startswith("Dec 25, 2026,")
    with force_locale("en"), in_zone("America/New_York"):
        assert day(late) == "Dec 24, 2026"
        assert when(late) == "Dec 24, 2026, 6:30\u202fPM EST"
    with force_locale("en"):  # the instance's zone (UTC here)
        assert when(late) == "Dec 24, 2026, 11:30\u202fPM UTC"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Dec 24, 2026, 2:30\u202fPM CET"),
    ("es", "24 dic 2026, 14:30 CET"),
    ("ru", "24 дек. 2026\u202fг., 14:30 GMT+01:00"),
    # A left-to-right mark keeps "+01:00" whole in a right-to-left line.
    ("ar", "24\u200f/12\u200f/2026، 2:30 م غرينتش\u200e+01:00"),
    ("zh", "2026年12月24日 GMT+01:00 14:30"),  # CLDR puts the zone first in Chinese
])
def test_each_language_names_the_zone_in_a_form_it_reads(in_request, language, expected):
    with force_locale(language), in_zone("Europe/Paris"):
        assert when(CHRISTMAS_EVE_AFTERNOON) == expected


def test_a_zone_with_no_abbreviation_shows_its_offset(in_request):
    with force_locale("fr"), in_zone("America/Sao_Paulo"):
        assert when(CHRISTMAS_EVE_AFTERNOON) == "24 déc. 2026, 10:30 UTC-03:00"


def test_a_deadline_keeps_its_states_zone(in_request):
    from mla.core.display import due

    with force_locale("en"), in_zone("America/New_York"):
        assert due(datetime(2026, 12, 24, 22, 59, 59, tzinfo=UTC), "Europe/Paris") == gettext(
            "%(when)s (%(zone)s)", when="Dec 24, 2026, end of day", zone="Europe/Paris")


# -- choosing -----------------------------------------------------------------------------
def test_the_choice_lists_places_by_area_with_the_current_one_first(in_request):
    at = datetime(2026, 7, 1, tzinfo=UTC)
    choices = zone_choices("Asia/Tokyo", "fr", at)
    assert [c.value for c in choices[:3]] == ["Asia/Tokyo", "", "UTC"]
    assert choices[0].label == "Japon — Tokyo (UTC+09:00)"
    paris = next(c for c in choices if c.value == "Europe/Paris")
    assert (paris.label, paris.optgroup) == ("France — Paris (UTC+02:00)", "Europe")
    assert [c.value for c in choices].count("Asia/Tokyo") == 1
    values = {c.value for c in choices}
    assert "US/Eastern" not in values and "EST5EDT" not in values  # aliases, not places
    assert {"America/New_York", "Australia/Sydney", "Pacific/Auckland"} <= values
    in_arabic = {c.value: c.label for c in zone_choices(None, "ar", at)}
    assert in_arabic["Asia/Riyadh"].endswith("(غرينتش\u200e+03:00)")  # "+03:00" kept whole


def test_choosing_a_zone_on_the_account_page_is_audited(client, create_user, login_as,
                                                        csrf_token, db):
    from mla.audit.models import AuditEntry
    from mla.auth.models import User

    user = create_user("caseworker")
    login_as(user)
    menu = client.get("/").get_data(as_text=True)
    assert 'href="/account/time-zone"' in menu  # in the user menu, beside Language
    assert client.post("/account/time-zone", data={"time_zone": "Europe/Paris"}
                       ).status_code in (400, 422)  # no CSRF token
    saved = _set_zone(client, csrf_token, "Europe/Paris")
    assert saved.status_code == 302
    db.session.rollback()
    assert db.session.get(User, user.id).time_zone == "Europe/Paris"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.time_zone")
                               ).one()
    assert entry.details == {"before": None, "after": "Europe/Paris"}
    page = client.get("/account/time-zone").get_data(as_text=True)
    assert re.search(r'<option selected value="Europe/Paris">France — Paris', page)
    # Back to the instance's zone.
    assert _set_zone(client, csrf_token, "").status_code == 302
    db.session.rollback()
    assert db.session.get(User, user.id).time_zone is None


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Europe/paris", "../../etc/passwd",
                                  "US/Eastern"])
def test_a_zone_not_offered_is_refused_next_to_the_field(client, create_user, login_as,
                                                          csrf_token, db, zone):
    from mla.auth.models import User

    user = create_user("caseworker")
    login_as(user)
    refused = _set_zone(client, csrf_token, zone)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    error = re.search(r'<div id="time_zone-error" class="invalid-feedback">([^<]*)</div>', html)
    assert error is not None and error.group(1) == "Choose one of the time zones offered."
    assert 'aria-describedby="time_zone-help time_zone-error"' in html
    db.session.rollback()
    assert db.session.get(User, user.id).time_zone is None


def test_the_service_refuses_an_unknown_zone(db, create_user):
    from mla.auth.services import set_time_zone
    from mla.core.errors import ServiceError

    user = create_user("caseworker")
    with pytest.raises(ServiceError) as refused:
        set_time_zone(user, user, "Mars/Olympus")
    assert refused.value.details == {"field": "time_zone"}


# -- the audit trail ----------------------------------------------------------------------
def test_the_audit_trail_reads_and_filters_in_the_readers_zone(client, create_user,
                                                               login_as, db):
    from mla.audit.models import AuditEntry
    from mla.audit.services import record_audit

    auditor = create_user("auditor")
    auditor.time_zone = "Asia/Tokyo"
    late = create_user("caseworker")
    record_audit(late, "user.password_change", late)
    db.session.flush()
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    entry.at = datetime(2026, 12, 24, 16, 5, 9, tzinfo=UTC)  # 25 Dec, 01:05:09 in Tokyo
    db.session.commit()
    login_as(auditor)
    html = client.get("/audit/?action=user.password_change").get_data(as_text=True)
    shown = re.search(r'<time datetime="2026-12-24T16:05:09\+00:00">([^<]*)</time>', html)
    assert shown is not None and shown.group(1) == "Dec 25, 2026, 1:05:09\u202fAM JST"
    # The day filter counts in the same zone: the entry is on the 25th for this reader.
    on_25th = client.get("/audit/?action=user.password_change&date_from=2026-12-25"
                         "&date_to=2026-12-25").get_data(as_text=True)
    on_24th = client.get("/audit/?action=user.password_change&date_from=2026-12-24"
                         "&date_to=2026-12-24").get_data(as_text=True)
    assert "2026-12-24T16:05:09" in on_25th
    assert "2026-12-24T16:05:09" not in on_24th


# -- what is sent to a person -------------------------------------------------------------
def test_a_notice_is_written_in_each_recipients_zone(in_request, create_user, db):
    from mla.notifications.services import in_language_of

    tokyo, lima, nowhere = create_user("caseworker"), create_user("caseworker"), create_user(
        "caseworker")
    tokyo.time_zone, lima.time_zone = "Asia/Tokyo", "America/Lima"

    def words() -> str:
        return gettext("Sent %(when)s", when=when(CHRISTMAS_EVE_AFTERNOON))

    assert in_language_of(tokyo, words).endswith("Dec 24, 2026, 10:30\u202fPM JST")
    assert in_language_of(lima, words).endswith("Dec 24, 2026, 8:30\u202fAM GMT-05:00")
    assert in_language_of(nowhere, words).endswith("1:30\u202fPM UTC")  # the instance's
    assert select_timezone() == "UTC"  # and the request's own zone is back


def test_a_deadlines_day_is_its_states_whoever_reads_it(client, parisian, login_as,
                                                        make_case, db):
    """The acknowledgement clock ends at 23:59:59 in the home state's zone (UTC here):
    01:00 the next day in Paris, yet the timeline, the list and the clock say the same day."""
    from mla.deadlines.models import Deadline

    case = make_case(actor=parisian)
    deadline = db.session.scalars(select(Deadline).where(Deadline.case_id == case.id)).one()
    assert deadline.zone_name == "UTC" and deadline.due_at.hour == 23
    with force_locale("fr"):
        the_day, due_word = day(deadline.due_at.date()), gettext("due")
    login_as(parisian)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert f"({due_word} {the_day})" in page  # the timeline's "clock started" entry
    listed = client.get("/requests/").get_data(as_text=True)
    assert the_day in listed


def test_the_home_zone_is_read_once_per_process_and_forgotten_when_an_admin_changes_it(
        app_ctx, db, create_user, count_queries):
    """Every page shows times in the home zone: it costs no statement once known, and an
    administrator's new zone for the home state shows at once in this process (the cache
    is forgotten on any write to its tables, mla.core.cache)."""
    from mla.deadlines.services import set_time_zone

    with app_ctx.test_request_context("/"):
        assert select_timezone() == "UTC"
    with app_ctx.test_request_context("/"), count_queries() as counter:
        assert select_timezone() == "UTC"
    assert counter.count == 0, counter.statements
    set_time_zone("test", "XZ", "America/Bogota")
    db.session.commit()
    with app_ctx.test_request_context("/"):
        assert select_timezone() == "America/Bogota"
    set_time_zone("test", "XZ", None)
    db.session.commit()
    with app_ctx.test_request_context("/"):
        assert select_timezone() == "UTC"
