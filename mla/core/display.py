"""Display helpers in one place: durations, days left, plurals, labels of codes.

Every page, notification and letter that puts a number of days or an internal code
in front of a person goes through here, so a language is translated once.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as format_date_in
from flask_babel import (
    format_date,
    format_decimal,
    format_time,
    format_timedelta,
    get_locale,
    ngettext,
    to_user_timezone,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mla.core.zones import gmt_offset, home_zone_name

# Outcomes of a dual-criminality check, as the check page, the timeline and the
# training list name them.
VERDICT_LABELS = {
    "satisfied": _l("Satisfied"),
    "not_satisfied": _l("Not satisfied"),
    "not_required": _l("Not required"),
    "review": _l("Needs review"),
}

# A user's role as a badge, a list of users or an account names it ("caseworker" ->
# "Caseworker"): one table, so the badge reads the same on every page.
ROLE_NAMES = {
    "admin": _l("Administrator"),
    "supervisor": _l("Supervisor"),
    "caseworker": _l("Caseworker"),
    "prosecutor": _l("Prosecutor / judge"),
    "trainee": _l("Trainee"),
    "auditor": _l("Auditor"),
}

# Where a message to deliver stands (the outbox), and by which channel it goes.
MESSAGE_STATUS_LABELS = {
    "pending": _l("waiting to be sent"),
    "claimed": _l("being sent"),
    "sent": _l("sent"),
    "sandboxed": _l("kept (training sandbox: never sent)"),
    "dead": _l("not delivered"),
}
MESSAGE_CHANNEL_LABELS = {"in_app": _l("in Comity"), "email": _l("e-mail"),
                          "exchange": _l("secure exchange")}
# A clock's status, as the request page, the dashboard and the portal show it.
DEADLINE_STATUS_LABELS = {
    "running": _l("running"),
    "paused": _l("paused"),
    "extended": _l("extended"),
    "met": _l("met"),
    "missed": _l("missed"),
    "stopped": _l("stopped"),
}


def label_in(labels: dict[str, object], code: str | None) -> str:
    """A code's label from one of the tables here; unknown codes humanised."""
    return str(labels.get(code or "", "")) or humanise(code)


def role_name(code: str | None) -> str:
    """A user's role in the reader's words (the navigation bar's badge, lists of users)."""
    return label_in(ROLE_NAMES, code)


def duration_days(n: int, *, business: bool = False) -> str:
    """'1 day', '3 days', '1 business day', '3 business days'."""
    if business:
        return ngettext("%(num)d business day", "%(num)d business days", n)
    return ngettext("%(num)d day", "%(num)d days", n)


def days_left(n: int, *, business: bool = False) -> str:
    """What is left of a period: '1 day left', 'due today', '2 days overdue'."""
    if n == 0:
        return _("due today")
    if n < 0:
        if business:
            return ngettext("%(num)d business day overdue", "%(num)d business days overdue", -n)
        return ngettext("%(num)d day overdue", "%(num)d days overdue", -n)
    if business:
        return ngettext("%(num)d business day left", "%(num)d business days left", n)
    return ngettext("%(num)d day left", "%(num)d days left", n)


def due_in(n: int) -> str:
    """A reminder's opening, n calendar days ahead in the reader's zone."""
    if n <= 0:
        return _("Due today")
    if n == 1:
        return _("Due tomorrow")
    return ngettext("Due in %(num)d day", "Due in %(num)d days", n)


def relative_day(n: int) -> str:
    """A day relative to an event, in words: 'on the day', '3 days before', '2 days after'
    (never 'day -3')."""
    if n == 0:
        return _("on the day")
    if n < 0:
        return ngettext("%(num)d day before", "%(num)d days before", -n)
    return ngettext("%(num)d day after", "%(num)d days after", n)


def humanise(code: str | None) -> str:
    """The last resort for a code with no label of its own: 'central_authority' ->
    'Central authority'. Prefer a real, translated label where one exists."""
    if not code:
        return ""
    text = str(code).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def verdict_label(code: str | None) -> str:
    return str(VERDICT_LABELS.get(code or "", "")) or humanise(code)


# -- dates, times, numbers in the reader's language (Babel's CLDR formats) ----------------
# A deadline ends at 23:59:59 local time of its state (mla.deadlines.calendar); from that
# second on, the day is over: "end of day", never "11:59:59 PM".
END_OF_DAY = time(23, 59, 59)


def _join_date_and_time(day: str, clock: str) -> str:
    """The locale's own way to put a date and a time together ("{1}, {0}" in English and
    French, "{1} {0}" in Chinese, with an Arabic comma in Arabic)."""
    locale = get_locale()
    pattern = locale.datetime_formats["medium"] if locale is not None else "{1}, {0}"
    return str(pattern).format(clock, day)


# Languages written in the Latin script read a zone's usual abbreviation ("CET", "EST",
# "IST", tzdata's); the others read its offset in their own words ("GMT+01:00",
# "غرينتش+01:00"), CLDR having no abbreviation for most zones in most languages.
ABBREVIATING_LANGUAGES = frozenset({"en", "fr", "es", "de", "it", "pt", "nl"})


def zone_short_name(local: datetime, language: str) -> str:
    """A short label of the zone ``local`` (an aware time) is in: "CET", "CEST", "UTC",
    "GMT-03:00" (a zone with no abbreviation), "GMT+01:00" in Chinese."""
    abbreviation = local.tzname() or ""
    if abbreviation == "UTC":
        return abbreviation
    if language in ABBREVIATING_LANGUAGES and abbreviation.isascii() and abbreviation.isalpha():
        return abbreviation
    return gmt_offset(local, get_locale() or language)


def reader_zone_name(value: datetime) -> str:
    """The reader's zone at the instant ``value``, named as ``when`` names it ("CET")."""
    locale = get_locale()
    return zone_short_name(to_user_timezone(value),
                           locale.language if locale is not None else "en")


def _with_zone(clock: str, zone: str) -> str:
    """A time and its zone in the locale's order (CLDR's long time format: "14:30 CET",
    Chinese "GMT+01:00 14:30")."""
    locale = get_locale()
    pattern = str(locale.time_formats["long"].pattern) if locale is not None else ""
    return f"{zone} {clock}" if pattern.lstrip().startswith("z") else f"{clock} {zone}"


def when(value: datetime | None, *, seconds: bool = False, weekday: bool = False) -> str:
    """An instant as a date and a time to the minute in the reader's zone, named
    ("24 déc. 2026, 14:30 CET"); with ``seconds`` (the audit trail) to the second; with
    ``weekday`` the day's name first. The zone is the reader's choice, else the instance's
    (mla.core.zones)."""
    if value is None:
        return ""
    clock = format_time(value, "medium" if seconds else "short")
    zone = reader_zone_name(value)
    return _join_date_and_time(_format_day(value, "full" if weekday else "medium"),
                               _with_zone(clock, zone))


def day(value: date | datetime | str | None, zone_name: str | None = None, *,
        deadline: bool = False) -> str:
    """A day ("24 déc. 2026", "2026年12月24日"); an instant counts in the reader's zone
    (the one ``when`` names); an ISO 8601 text (event data) is read first. A deadline's
    day counts in the zone of the state whose clock it is (``zone_name``), whoever reads
    it; ``deadline`` without one: the home state's (a request's next deadline)."""
    read: date | datetime | None
    if isinstance(value, str):
        try:
            read = (datetime.fromisoformat(value) if "T" in value
                    else date.fromisoformat(value))
        except ValueError:
            return value
    else:
        read = value
    if not read:
        return ""
    if isinstance(read, datetime) and read.tzinfo and (zone_name or deadline):
        state = _zone(zone_name) or ZoneInfo(home_zone_name())
        return _format_day(read.astimezone(state).date())
    return _format_day(read)


def _format_day(value: date | datetime, width: str = "medium") -> str:
    """Flask-Babel's ``format_date(value, width)`` (an instant is the reader's day),
    with the locale asked for once: a list page writes a hundred days."""
    locale = get_locale()
    if locale is None:  # no application context: Babel's default locale
        return format_date(value, width)
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return _day_in(locale, width, value)


@lru_cache(maxsize=4096)
def _day_in(locale: Locale, width: str, value: date) -> str:
    """A day in a locale's words, the same each time: a list writes the same few days
    (registered today, due this week) row after row, page after page."""
    return locale.date_formats[width].apply(value, locale)


def long_date(value: date, language: str) -> str:
    """A day in words in ``language``, whatever the page's ("2 décembre 2026",
    "2026年12月2日"): the date line of a letter or a document to another state. French
    writes the first of a month as an ordinal ("1er janvier 2027"), which CLDR's pattern
    does not."""
    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en")
    pattern = locale.date_formats["long"].pattern
    if value.day == 1 and locale.language == "fr" and pattern.startswith("d "):
        pattern = "d'er'" + pattern[1:]
    return format_date_in(value, format=pattern, locale=locale)


def one_full_stop_after_days(text: str, language: str) -> str:
    """``text`` without the full stop a template put after a day in words that already
    ends in one: Russian's long date ends in an abbreviation ("2 ноября 2026 г."), and at
    the end of a sentence that period is the full stop ("г.." otherwise). An ellipsis
    after a day is left alone."""
    ending = re.search(r"\D*$", long_date(date(2026, 11, 2), language))
    if ending is None or not ending.group().endswith("."):
        return text
    return re.sub(rf"(\d{re.escape(ending.group())})\.(?!\.)", r"\1", text)


def country_name(code: str, language: str, *, stored: str = "") -> str:
    """A state's name in ``language`` (CLDR, through Babel: "DE" is "Allemagne" in French,
    "ألمانيا" in Arabic). ISO 3166-1 leaves XA-XZ to its users: a fictional training state
    keeps the name it was given (``stored``), as does a code CLDR does not name."""
    code = (code or "").upper()
    if code.startswith("X"):
        return stored or code
    try:
        return Locale.parse(language).territories.get(code) or stored or code
    except (UnknownLocaleError, ValueError):
        return stored or code


def country_label(country: Any) -> str:
    """A counterpart state (a ``countries`` row, or None) as the page's language names it:
    the stored ISO 3166 short name in English, as the choices of every form write it,
    CLDR's in other languages ("Allemagne", "ألمانيا"); a fictional state keeps its own."""
    if country is None:
        return ""
    stored = getattr(country, "name", "") or ""
    locale = get_locale()
    language = locale.language if locale is not None else "en"
    if language == "en":
        return stored
    return country_name(getattr(country, "code", ""), language, stored=stored)


def number(value: float | int | None) -> str:
    """A number with the locale's separators ("12 345,5")."""
    return format_decimal(value) if value is not None else ""


def duration(value: timedelta | None) -> str:
    """A length of time in words ("3 jours", "2 hours")."""
    return format_timedelta(value, threshold=1.1) if value is not None else ""


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def due(value: datetime | None, zone_name: str | None = None, *, show_zone: bool = True) -> str:
    """When a period ends, in the zone of the state whose clock it is:
    "24 déc. 2026, fin de journée (Europe/Paris)"; a time to the minute when the period
    does not end at midnight. The zone is named because the day may differ from the
    reader's."""
    if value is None:
        return ""
    tz = _zone(zone_name)
    local = value.astimezone(tz) if tz is not None and value.tzinfo else value
    clock = (_("end of day") if local.time().replace(microsecond=0) >= END_OF_DAY
             else format_time(local.replace(tzinfo=None).time(), "short", rebase=False))
    text = _join_date_and_time(_format_day(local.date()), clock)
    if not show_zone or tz is None:
        return text
    return _("%(when)s (%(zone)s)", when=text, zone=zone_name)
