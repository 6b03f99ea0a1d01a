"""Dates, deadlines and numbers in the reader's language (mla.core.display), through
Babel's CLDR formats: never "11/30/2026, 11:59:59 PM"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale, gettext

from mla.core.display import day, due, duration, number, when

# 24 December 2026 ends in Paris at 23:59:59 CET, 22:59:59 UTC (mla.deadlines.calendar).
PARIS_END_OF_DAY = datetime(2026, 12, 24, 22, 59, 59, tzinfo=UTC)
TOKYO_AFTERNOON = datetime(2026, 12, 24, 5, 30, tzinfo=UTC)  # 14:30 in Tokyo


@pytest.fixture
def in_request(app_ctx):
    with app_ctx.test_request_context("/"):
        yield


def _end_of_day(language: str) -> str:
    with force_locale(language):
        return gettext("end of day")


def _zoned(language: str, text: str, zone: str) -> str:
    """The catalogue's way to name the zone after a date (Chinese uses full-width
    parentheses): looked up, so the test holds as translators fill the catalogues."""
    with force_locale(language):
        return gettext("%(when)s (%(zone)s)", when=text, zone=zone)


@pytest.mark.parametrize(("language", "the_date"), [
    ("en", "Dec 24, 2026"),
    ("fr", "24 déc. 2026"),
    ("es", "24 dic 2026"),
    ("ru", "24 дек. 2026\u202fг."),
    ("ar", "24\u200f/12\u200f/2026"),
    ("zh", "2026年12月24日"),
])
def test_a_deadline_is_a_date_the_end_of_the_day_and_its_zone(in_request, language, the_date):
    with force_locale(language):
        text = due(PARIS_END_OF_DAY, "Europe/Paris")
    assert text.startswith(the_date)
    assert _end_of_day(language) in text
    assert "Europe/Paris" in text
    assert "23:59" not in text and "11:59" not in text and "PM" not in text


def test_the_french_form_reads_as_the_issue_asks(in_request):
    with force_locale("fr"):
        text = due(PARIS_END_OF_DAY, "Europe/Paris")
    assert text == _zoned("fr", f"24 déc. 2026, {_end_of_day('fr')}", "Europe/Paris")


def test_the_date_is_the_states_not_the_readers(in_request):
    """23:59:59 in Tokyo on the 24th is still the 24th there, though UTC reads the 24th
    at 14:59: the day shown is the zone's day."""
    tokyo_end = datetime(2026, 12, 24, 14, 59, 59, tzinfo=UTC)
    auckland_end = datetime(2026, 12, 24, 10, 59, 59, tzinfo=UTC)  # NZDT, UTC+13
    with force_locale("zh"):
        assert due(tokyo_end, "Asia/Tokyo").startswith("2026年12月24日")
        assert due(auckland_end, "Pacific/Auckland").startswith("2026年12月24日")


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "24 déc. 2026, 14:30"),
    ("zh", "2026年12月24日 14:30"),
    ("ar", "24\u200f/12\u200f/2026، 2:30 م"),
])
def test_a_period_that_ends_during_the_day_shows_the_time_in_its_zone(in_request, language,
                                                                       expected):
    with force_locale(language):
        assert due(TOKYO_AFTERNOON, "Asia/Tokyo") == _zoned(language, expected, "Asia/Tokyo")


# In the reader's zone, named: the test instance's (its home state is fictional: UTC).
@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Dec 24, 2026, 5:30\u202fAM UTC"),
    ("fr", "24 déc. 2026, 05:30 UTC"),
    ("ar", "24\u200f/12\u200f/2026، 5:30 ص UTC"),
    ("zh", "2026年12月24日 UTC 05:30"),
])
def test_an_instant_to_the_minute(in_request, language, expected):
    with force_locale(language):
        assert when(TOKYO_AFTERNOON) == expected
        assert when(TOKYO_AFTERNOON, seconds=True) != expected  # the audit trail's form


@pytest.mark.parametrize(("language", "expected_day", "expected_number"), [
    ("fr", "24 déc. 2026", "12\u202f345,5"),
    ("ar", "24\u200f/12\u200f/2026", "12,345.5"),
    ("zh", "2026年12月24日", "12,345.5"),
    ("ru", "24 дек. 2026\u202fг.", "12\xa0345,5"),
])
def test_days_and_numbers(in_request, language, expected_day, expected_number):
    with force_locale(language):
        assert day(date(2026, 12, 24)) == expected_day
        assert day("2026-12-24") == expected_day  # as event data keeps it
        assert day("2026-12-24T10:00:00+00:00") == expected_day
        assert number(12345.5) == expected_number


def test_durations_in_words(in_request):
    with force_locale("fr"):
        assert duration(timedelta(days=3)) == "3\xa0jours"
    with force_locale("zh"):
        assert duration(timedelta(days=3)) == "3天"


def test_nothing_and_nonsense_show_as_nothing_or_as_given(in_request):
    assert due(None) == "" and when(None) == "" and day(None) == "" and number(None) == ""
    assert day("not a date") == "not a date"
    with force_locale("fr"):  # an unknown zone: the date as stored, no zone named
        assert due(PARIS_END_OF_DAY, "Mars/Olympus").startswith("24 déc. 2026")


def test_templates_use_the_locale_filters(in_request):
    from flask import render_template_string

    with force_locale("zh"):
        html = render_template_string("{{ at|when }} · {{ at|day }} · {{ at|due('Asia/Tokyo') }}",
                                      at=TOKYO_AFTERNOON)
    assert html == ("2026年12月24日 UTC 05:30 · 2026年12月24日 · "
                    + _zoned("zh", "2026年12月24日 14:30", "Asia/Tokyo"))
