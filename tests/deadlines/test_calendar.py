"""Business days between two days, counted by weeks (mla.deadlines.calendar), agree with
counting them one day at a time, holidays and year ends included."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from mla.deadlines.calendar import StateCalendar


def _one_by_one(calendar: StateCalendar, first: date, last: date) -> int:
    if last < first:
        return -_one_by_one(calendar, last, first)
    return sum(1 for n in range(1, (last - first).days + 1)
               if calendar.is_business_day(first + timedelta(days=n)))


@pytest.mark.parametrize("holidays", ["", "FR", "DE"])
def test_days_between_counts_what_a_day_by_day_walk_counts(holidays: str) -> None:
    calendar = StateCalendar("XX", "UTC", holidays)
    rng = random.Random(holidays)
    pairs = [(date(2025, 12, 24), date(2026, 1, 2)), (date(2026, 5, 1), date(2026, 5, 1)),
             (date(2026, 5, 8), date(2026, 4, 30))]
    for _ in range(300):
        first = date(2024, 1, 1) + timedelta(days=rng.randrange(1100))
        pairs.append((first, first + timedelta(days=rng.randrange(-400, 400))))
    for first, last in pairs:
        assert calendar.days_between(first, last, True) == _one_by_one(calendar, first, last), \
            (first, last)


def test_a_holiday_on_a_weekday_is_not_a_business_day() -> None:
    french = StateCalendar("FR", "Europe/Paris", "FR")
    # Friday 1 May 2026 (Labour Day) to Monday 4 May: only the Monday counts.
    assert french.days_between(date(2026, 4, 30), date(2026, 5, 4), True) == 1
    assert StateCalendar("XZ", "UTC").days_between(date(2026, 4, 30), date(2026, 5, 4), True) == 2
