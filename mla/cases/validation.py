"""The rules that refuse impossible data, in one place.

The registration and edit forms, the JSON API and the workflow's step values
all call these, so the same input is refused with the same sentence wherever
it is typed. Each rule raises ``Refused`` (a 422 ``ServiceError`` whose
``details`` name the field) or returns quietly.

"Today" is the current date in the home state's time zone, read from
``mla.core.clock.now()``, so a sandbox's simulated clock counts as now.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mla.cases.constants import DIRECTIONS, KINDS
from mla.cases.signals import home_time_zone
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.directory.models import Authority
from mla.extensions import db
from mla.reference.models import Country, Instrument
from mla.reference.queries import instrument_kinds
from mla.settings import current_settings

OLDEST_AGE_YEARS = 120


class Refused(ServiceError):
    """A value that cannot be right; ``details["field"]`` names where it was typed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, code="invalid", details={"field": field})
        self.field = field


# --- today -----------------------------------------------------------------------

_pinned_zone: ContextVar[ZoneInfo | None] = ContextVar("pinned_home_zone", default=None)


@contextmanager
def home_zone_read_once() -> Iterator[None]:
    """Within a bulk check (a register import), the home zone is read once, not for
    every date of every row."""
    token = _pinned_zone.set(home_zone())
    try:
        yield
    finally:
        _pinned_zone.reset(token)


def home_zone() -> ZoneInfo:
    """The zone the home state's day is counted in (the deadlines' setting), UTC without one."""
    pinned = _pinned_zone.get()
    if pinned is not None:
        return pinned
    home = current_settings().home_country
    for _receiver, name in home_time_zone.send(home):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def home_today() -> date:
    return now().astimezone(home_zone()).date()


def as_date(value: date | datetime | str | None, field: str) -> date | None:
    """A date from a form, the API or a step value; datetimes count in the home zone."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(home_zone()).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Refused(field, _("Enter a date as YYYY-MM-DD.")) from None


# --- dates -------------------------------------------------------------------------

def event_date_not_in_future(value: date | datetime | str | None, field: str) -> date | None:
    """An arrest, a consent, a decision, a receipt: it has happened, so not after today."""
    day = as_date(value, field)
    if day is not None and day > home_today():
        raise Refused(field, _("This date is in the future (today is %(today)s); enter the day "
                               "it actually happened.", today=home_today().isoformat()))
    return day


def received_date_not_in_future(value: date | datetime | str | None,
                                field: str = "received_on") -> date | None:
    day = as_date(value, field)
    if day is not None and day > home_today():
        raise Refused(field, _("A request cannot have been received after today (%(today)s).",
                               today=home_today().isoformat()))
    return day


def date_of_birth_plausible(value: date | datetime | str | None, field: str) -> date | None:
    """Not in the future, and not more than 120 years ago."""
    day = as_date(value, field)
    if day is None:
        return None
    today = home_today()
    if day > today:
        raise Refused(field, _("A date of birth cannot be in the future."))
    if day < _years_before(today, OLDEST_AGE_YEARS):
        raise Refused(field, _("A date of birth more than %(years)d years ago cannot be right; "
                               "check the year.", years=OLDEST_AGE_YEARS))
    return day


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- states and authorities --------------------------------------------------------

def counterpart_not_home(country_code: str, field: str = "counterpart_country") -> None:
    if (country_code or "").upper() == current_settings().home_country:
        raise Refused(field, _("The counterpart is the other state; choose a state other "
                               "than our own."))


def authority_in_state(authority_id: int | None, country_code: str, field: str) -> None:
    """The counterpart authority belongs to the counterpart state."""
    if authority_id is None:
        return
    authority = db.session.get(Authority, authority_id)
    if authority is None:
        raise Refused(field, _("Unknown authority."))
    if authority.country_code != (country_code or "").upper():
        country = db.session.get(Country, country_code.upper()) if country_code else None
        raise Refused(field, _("%(authority)s is not an authority of %(state)s; choose one "
                               "of that state's authorities or leave it empty.",
                               authority=authority.name,
                               state=country.name if country else country_code))


def domestic_authority_at_home(authority_id: int | None, field: str = "domestic_authority_id"
                               ) -> None:
    authority_in_state(authority_id, current_settings().home_country, field)


# --- legal basis -----------------------------------------------------------------------

_KIND_WORDS = {
    "mla": _l("mutual legal assistance (gathering evidence or other assistance)"),
    "extradition": _l("extradition or surrender of a person"),
}


def basis_fits(code: str, kind: str, direction: str, field: str = "legal_basis") -> None:
    """``legal_basis_fits`` asked of the per-process table of bases first: a write that
    only needs the answer reads the instrument's row only to word a refusal."""
    if not (code and kind in instrument_kinds().get(code, ())):
        legal_basis_fits(code, kind, direction, field)


def legal_basis_fits(code: str, kind: str, direction: str, field: str = "legal_basis"
                     ) -> Instrument:
    """The instrument exists and can carry this kind of request in this direction."""
    instrument = db.session.get(Instrument, code) if code else None
    if instrument is None:
        raise Refused(field, _("Choose a legal basis from the list."))
    if not instrument.allows(kind):
        raise Refused(field, _(
            "The %(instrument)s does not provide for %(kind)s. Choose a basis that covers "
            "this request, such as %(examples)s.",
            instrument=instrument.title_text, kind=_KIND_WORDS.get(kind, kind),
            examples=", ".join(i.code for i in instruments_fitting(kind, direction)[:3])))
    return instrument


def instruments_fitting(kind: str, direction: str) -> list[Instrument]:
    """The bases a request of this kind and direction may rest on, in code order.

    Every instrument in the shipped data works in both directions; the direction
    is part of the question so that a basis limited to one can say so in its data.
    """
    if kind not in KINDS or direction not in DIRECTIONS:
        return []
    instruments = db.session.scalars(select(Instrument).order_by(Instrument.code))
    return [instrument for instrument in instruments if instrument.allows(kind)]


def fitting_bases_by_request() -> dict[str, list[str]]:
    """{"incoming-mla": ["BILATERAL", ...], ...}: what the registration form offers."""
    return {f"{direction}-{kind}": [i.code for i in instruments_fitting(kind, direction)]
            for direction in DIRECTIONS for kind in KINDS}

