"""Business days and time zones per state; every due instant is UTC.

Holidays come from the `holidays` library under the calendar each Country
names (`Country.holiday_calendar`); fictional XA-XZ states have none, so only
weekends count. A state's time zone is the principal zone tzdata lists for it
(`zone1970.tab`'s first entry), unless an authority overrides it
(`CountryTimeZone`); fictional states run on UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from mla.deadlines.models import Deadline

END_OF_DAY = time(23, 59, 59)
MORNING = time(8, 0)


@cache
def _tab_zones() -> dict[str, str]:
    """Country code -> first zone listed for it in tzdata's zone.tab."""
    zones: dict[str, str] = {}
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - system tzdata
        system = Path("/usr/share/zoneinfo/zone.tab")
        text = system.read_text("utf-8") if system.is_file() else ""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            zones.setdefault(parts[0].upper(), parts[2])
    return zones


def default_zone_name(country_code: str) -> str:
    return _tab_zones().get(country_code.upper(), "UTC")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=256)
def _holiday_dates(calendar: str, year: int) -> frozenset[date]:
    if not calendar:
        return frozenset()
    try:
        return frozenset(holidays.country_holidays(calendar, years=year).keys())
    except NotImplementedError:
        return frozenset()


@dataclass(frozen=True)
class StateCalendar:
    """One state's clock: its zone and its public holidays."""

    country_code: str
    zone_name: str
    holiday_calendar: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.zone_name)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _holiday_dates(self.holiday_calendar, day.year)

    def holiday_name(self, day: date) -> str | None:
        if not self.holiday_calendar:
            return None
        try:
            return holidays.country_holidays(self.holiday_calendar, years=day.year).get(day)
        except NotImplementedError:
            return None

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def end_of_day(self, day: date) -> datetime:
        """The last second of ``day`` in this state, as a UTC instant (DST-aware)."""
        return datetime.combine(day, END_OF_DAY, tzinfo=self.tz).astimezone(UTC)

    def morning_of(self, day: date) -> datetime:
        return datetime.combine(day, MORNING, tzinfo=self.tz).astimezone(UTC)

    def add_days(self, start: date, days: int, business: bool) -> date:
        """The day ``days`` after ``start``; the start day itself is not counted."""
        if not business:
            return start + timedelta(days=days)
        current, left = start, days
        while left > 0:
            current += timedelta(days=1)
            if self.is_business_day(current):
                left -= 1
        return current

    def days_before(self, day: date, days: int, business: bool) -> date:
        """The day ``days`` (business) days before ``day``."""
        if not business:
            return day - timedelta(days=days)
        current, left = day, days
        while left > 0:
            current -= timedelta(days=1)
            if self.is_business_day(current):
                left -= 1
        return current

    def days_between(self, first: date, last: date, business: bool) -> int:
        """Days after ``first`` up to and including ``last`` (negative when last < first)."""
        if not business:
            return (last - first).days
        if last < first:
            return -self.days_between(last, first, business)
        # By whole weeks, then the few days left, then the holidays on a weekday in
        # between: a dashboard counts this for each running deadline, and day by day a
        # deadline a year away was 260 calls per row.
        weeks, extra = divmod((last - first).days, 7)
        count = weeks * 5 + sum(1 for n in range(1, extra + 1)
                                if (first + timedelta(days=n)).weekday() < 5)
        closed = sum(1 for year in range(first.year, last.year + 1)
                     for day in _holiday_dates(self.holiday_calendar, year)
                     if first < day <= last and day.weekday() < 5)
        return count - closed


def calendar_of(deadline: Deadline) -> StateCalendar:
    """The calendar a deadline counts in (its state, zone and holidays, fixed at start)."""
    return StateCalendar(deadline.country_code, deadline.zone_name, deadline.holiday_calendar)
