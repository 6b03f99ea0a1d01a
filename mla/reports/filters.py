"""The period and filters every report takes, from a page's query string or the API's.

A period is a pair of calendar dates in the home state's zone (the day its staff
live in); the queries compare instants, so the dates become the UTC instants at
which the first day starts and the day after the last one starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from mla.cases.constants import DIRECTIONS, KINDS, MEASURES
from mla.cases.validation import home_today, home_zone
from mla.extensions import db
from mla.reference.models import Country, Instrument

FILTER_NAMES = ("from", "to", "direction", "kind", "legal_basis", "counterpart_country",
                "measure", "iccs", "assignee")
# Per-month rows and age boundaries are CASE branches: a period stays readable and bounded.
MAX_PERIOD_DAYS = 366 * 20


@dataclass(frozen=True)
class ReportFilters:
    start_on: date
    end_on: date  # the last day, included
    direction: str = ""
    kind: str = ""
    legal_basis: str = ""
    counterpart_country: str = ""
    measure: str = ""      # a measure code: requests asking for it
    iccs: str = ""         # an ICCS section (two digits): requests with an offence in it
    assignee: int | None = None  # a user id: requests assigned to them
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @property
    def starts_at(self) -> datetime:
        return day_start(self.start_on, self.zone)

    @property
    def ends_at(self) -> datetime:
        """The instant the day after the period starts (excluded)."""
        return day_start(self.end_on + timedelta(days=1), self.zone)

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (links to exports and the JSON twin)."""
        args = {"from": self.start_on.isoformat(), "to": self.end_on.isoformat(),
                "direction": self.direction, "kind": self.kind,
                "legal_basis": self.legal_basis,
                "counterpart_country": self.counterpart_country, "measure": self.measure,
                "iccs": self.iccs,
                "assignee": str(self.assignee) if self.assignee is not None else ""}
        return {k: v for k, v in args.items() if v}


class FilterError(ValueError):
    """Filters that cannot be read; ``problems`` maps each argument to what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def default_period(today: date) -> tuple[date, date]:
    """Twelve calendar months ending today: the current month and the eleven before."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1), today


def parse_filters(args: Mapping[str, str]) -> ReportFilters:
    """Read and check the filters; raises FilterError naming every bad argument."""
    problems: dict[str, str] = {}
    today = home_today()
    default_start, default_end = default_period(today)
    start_on = _date(args, "from", default_start, problems)
    end_on = _date(args, "to", default_end, problems)
    if "from" not in problems and "to" not in problems:
        if start_on > end_on:
            problems["from"] = _("The period must start on or before its last day.")
        elif (end_on - start_on).days > MAX_PERIOD_DAYS:
            problems["from"] = _("A period is at most twenty years.")
    direction = (args.get("direction") or "").strip()
    if direction and direction not in DIRECTIONS:
        problems["direction"] = _("Choose incoming or outgoing.")
    kind = (args.get("kind") or "").strip()
    if kind and kind not in KINDS:
        problems["kind"] = _("Choose mutual legal assistance or extradition.")
    basis = (args.get("legal_basis") or "").strip().upper()
    if basis and (len(basis) > 20 or db.session.get(Instrument, basis) is None):
        problems["legal_basis"] = _("No such legal basis.")
    country = (args.get("counterpart_country") or "").strip().upper()
    if country and (len(country) != 2 or db.session.get(Country, country) is None):
        problems["counterpart_country"] = _("No such state (use its two-letter code).")
    measure = (args.get("measure") or "").strip()
    if measure and measure not in MEASURES:
        problems["measure"] = _("No such measure.")
    iccs = (args.get("iccs") or "").strip()
    if iccs and not (len(iccs) == 2 and iccs.isascii() and iccs.isdigit()):
        problems["iccs"] = _("Give an ICCS section as its two digits, e.g. 02.")
    assignee_text = (args.get("assignee") or "").strip()
    assignee = (int(assignee_text) if assignee_text.isascii() and assignee_text.isdigit()
                and len(assignee_text) < 10 else None)
    if assignee_text and assignee is None:
        problems["assignee"] = _("Choose someone from the list.")
    if problems:
        raise FilterError(problems)
    return ReportFilters(start_on=start_on, end_on=end_on, direction=direction, kind=kind,
                         legal_basis=basis, counterpart_country=country, measure=measure,
                         iccs=iccs, assignee=assignee, zone=home_zone())


def _date(args: Mapping[str, str], name: str, default: date,
          problems: dict[str, str]) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        problems[name] = _("Give a date as YYYY-MM-DD.")
        return default
    if len(raw) != 10:  # fromisoformat also reads 20250101 and week dates
        problems[name] = _("Give a date as YYYY-MM-DD.")
    elif not 1900 <= value.year <= 9000:
        problems[name] = _("Give a date between 1900 and 9000.")
    return value
