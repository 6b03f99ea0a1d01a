"""Which time zone a page, an e-mail or a command shows times in.

A page: the signed-in user's choice (their account page), else the instance's home zone:
the zone the home state's day is counted in (MLA_HOME_COUNTRY; the deadlines' setting
answers ``home_time_zone``), else UTC. CLI commands and scheduled jobs have no user: the
home zone, whoever ran them. What is sent to a person (a notice, an e-mail) is written in
that person's zone (``in_zone`` around the rendering). Deadlines do not follow any of
this: each is shown in the zone of the state whose clock it is, named beside it.

Flask-Babel formats in the zone ``select_timezone`` answers (``format_date`` and
``format_time`` rebase an instant to it), so ``|when`` and ``|day`` count in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, timezone
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_gmt, get_timezone_location
from blinker import Namespace
from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user

from mla.core.forms import SelectChoice
from mla.settings import current_settings

_signals = Namespace()

# Asked with the home state's country code as ``sender``; a receiver returns the IANA
# zone its day is counted in (the deadlines: an admin's setting, else tzdata's). Without
# an answer, UTC. (mla.cases.signals names it too, for the home day of its checks.)
home_time_zone = _signals.signal("home-time-zone")

UTC_NAME = "UTC"

# A zone forced for what is being written (``in_zone``): a notice in its reader's zone.
_forced: ContextVar[str | None] = ContextVar("forced_time_zone", default=None)


def is_zone(name: str | None) -> bool:
    """``name`` is an IANA zone this machine knows ("Europe/Paris", "UTC")."""
    if not name or name != name.strip() or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def home_zone_name() -> str:
    """The instance's zone: the home state's (see the module doc), else UTC. Asked once
    per request (a list of requests names each one's next deadline day in it)."""
    if not has_request_context():
        return _ask_home_zone()
    known: str | None = getattr(request, "mla_home_zone", None)
    if known is None:
        known = _ask_home_zone()
        request.mla_home_zone = known  # type: ignore[attr-defined]
    return known


def _ask_home_zone() -> str:
    home = current_settings().home_country
    for _receiver, name in home_time_zone.send(home):
        if is_zone(name):
            return str(name)
    return UTC_NAME


def zone_of(user: Any) -> str:
    """The zone ``user`` reads times in: their choice, else the instance's."""
    chosen = getattr(user, "time_zone", None) if user is not None else None
    return chosen if isinstance(chosen, str) and is_zone(chosen) else home_zone_name()


class SkippedLocalTime(ValueError):
    """A wall-clock time the zone never shows: the hour lost when its clocks go forward."""


def local_to_utc(local: datetime, zone_name: str) -> datetime:
    """A wall-clock time (naive, as a person types it) read in ``zone_name``, as a UTC
    instant. A time the zone skips raises ``SkippedLocalTime``. A time it shows twice
    (the hour repeated when its clocks go back) is taken at its first occurrence, still
    on the earlier offset (``fold=0``): the first moment the wall clock reads it."""
    zone = ZoneInfo(zone_name)
    wall = local.replace(tzinfo=None)
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:  # skipped: no round trip
        raise SkippedLocalTime(f"{wall.isoformat()} does not exist in {zone_name}")
    return instant


def select_timezone() -> str:
    """Flask-Babel's time zone selector: a zone forced for a reader (``in_zone``), the
    signed-in user's, else the instance's (CLI commands, scheduled jobs, signed out)."""
    forced = _forced.get()
    if forced:
        return forced
    if has_request_context() and current_user and current_user.is_authenticated:
        return zone_of(current_user)
    return home_zone_name()


@contextmanager
def in_zone(name: str) -> Iterator[None]:
    """Format times in ``name`` within the block (a notice written for its reader)."""
    token = _forced.set(name if is_zone(name) else home_zone_name())
    refresh_zone()
    try:
        yield
    finally:
        _forced.reset(token)
        refresh_zone()


def refresh_zone() -> None:
    """Forget the zone Flask-Babel has cached for this request or app context. Its
    ``refresh`` forgets the language too, which is then chosen again the same way (a
    forced one is kept)."""
    refresh()


# -- the list a user chooses from ----------------------------------------------------------

# The IANA areas as the choice groups them, in this order; UTC stands on its own.
REGIONS: dict[str, Any] = {
    "Europe": _l("Europe"),
    "Africa": _l("Africa"),
    "America": _l("Americas"),
    "Asia": _l("Asia"),
    "Australia": _l("Australia"),
    "Pacific": _l("Pacific Ocean"),
    "Atlantic": _l("Atlantic Ocean"),
    "Indian": _l("Indian Ocean"),
    "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"),
}


@cache
def offered_zones() -> tuple[str, ...]:
    """Zones with a place on the map (tzdata's zone1970.tab and zone.tab) and UTC; not the
    aliases and POSIX-style names ("US/Eastern", "EST5EDT", "Etc/GMT+5") of
    ``available_timezones()``, which a person would not look for."""
    names: set[str] = set()
    for table in ("zone1970.tab", "zone.tab"):
        for line in _tzdata_text(table).splitlines():
            parts = line.split("\t")
            if line and not line.startswith("#") and len(parts) >= 3:
                names.add(parts[2])
    return tuple(sorted((names & available_timezones()) | {UTC_NAME}))


def _tzdata_text(name: str) -> str:
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - system tzdata
        system = Path("/usr/share/zoneinfo") / name
        return system.read_text("utf-8") if system.is_file() else ""


def region_of(name: str) -> str:
    """The IANA area a zone is filed under ("Europe"); "" for UTC."""
    return name.split("/", 1)[0] if "/" in name else ""


def gmt_offset(local: datetime, locale: Locale | str) -> str:
    """An aware time's offset in the locale's words ("UTC+01:00", "GMT+08:00"). In a
    right-to-left language a left-to-right mark goes before the sign, so "+03:00" reads
    as one number after "غرينتش", not "03:00+"."""
    locale = Locale.parse(locale)
    offset = str(get_timezone_gmt(local, "long", locale=locale))
    if locale.character_order == "right-to-left":
        offset = re.sub(r"([+\-\u2212])", "\u200e\\1", offset, count=1)
    return offset


def zone_label(name: str, locale: Locale | str, at: datetime) -> str:
    """A zone as a person finds it, in their language, with its offset at ``at``: its
    country, then its place ("France — Paris (UTC+01:00)"); UTC alone."""
    offset = at.astimezone(ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return _label(name, str(locale), minutes)


@lru_cache(maxsize=4096)
def _label(name: str, locale_code: str, minutes: int) -> str:
    """Cached by zone, language and offset: the list names some 400 zones on each visit."""
    if name == UTC_NAME:
        return UTC_NAME
    locale = Locale.parse(locale_code)
    fixed = datetime(2000, 1, 1, tzinfo=timezone(timedelta(minutes=minutes)))
    offset = gmt_offset(fixed, locale)
    city = get_timezone_location(ZoneInfo(name), locale=locale, return_city=True)
    code = get_global("zone_territories").get(name, "")
    country = locale.territories.get(code, "") if len(code) == 2 and code.isalpha() else ""
    place = f"{country} — {city}" if country and country != city else city
    return f"{place} ({offset})"


def zone_choices(current: str | None, locale: Locale | str, at: datetime) -> list[SelectChoice]:
    """The zones to choose from: the current choice first, then the instance's zone
    (``""``: follow it) and UTC, then every zone by area, each area sorted by its names
    in the reader's language."""
    first: list[SelectChoice] = []
    if current and is_zone(current):
        first.append(SelectChoice(current, zone_label(current, locale, at)))
    first.append(SelectChoice("", _("The instance's time zone: %(zone)s",
                                    zone=zone_label(home_zone_name(), locale, at))))
    if current != UTC_NAME:
        first.append(SelectChoice(UTC_NAME, UTC_NAME))
    by_region: dict[str, list[SelectChoice]] = {code: [] for code in REGIONS}
    for name in offered_zones():
        region = region_of(name)
        if name != current and region in by_region:
            by_region[region].append(SelectChoice(name, zone_label(name, locale, at),
                                                  optgroup=str(REGIONS[region])))
    grouped = [sorted(group, key=lambda c: str(c.label).casefold())
               for group in by_region.values()]
    return [*first, *(choice for group in grouped for choice in group)]
