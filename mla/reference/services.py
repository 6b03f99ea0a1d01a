"""Load or refresh shipped reference data; every loader is idempotent."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path

import holidays
import pycountry
from sqlalchemy import select

from mla.core.i18n import citation_words
from mla.core.remembered import remembered_get
from mla.extensions import db
from mla.reference.models import Country, IccsCode, Instrument

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FICTIONAL_RANGE = tuple(f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass
class LoadReport:
    countries: int = 0
    instruments: int = 0
    iccs_codes: int = 0


def is_user_assigned(code: str) -> bool:
    """ISO 3166-1 reserves XA-XZ for user assignment: fictional training states."""
    return code.upper() in FICTIONAL_RANGE


def load_countries() -> int:
    supported = set(holidays.list_supported_countries())
    existing = {c.code: c for c in db.session.scalars(select(Country))}
    for entry in pycountry.countries:
        name = getattr(entry, "common_name", None) or entry.name
        country = existing.get(entry.alpha_2) or Country(code=entry.alpha_2)
        country.name = name
        country.is_fictional = False
        if not country.holiday_calendar and entry.alpha_2 in supported:
            country.holiday_calendar = entry.alpha_2
        db.session.add(country)
    db.session.flush()
    return len(pycountry.countries)


def ensure_fictional_country(code: str, name: str, holiday_calendar: str = "") -> Country:
    code = code.upper()
    if not is_user_assigned(code):
        raise ValueError(f"{code} is not an ISO user-assigned code (XA-XZ)")
    country = db.session.get(Country, code) or Country(code=code)
    country.name = name
    country.is_fictional = True
    country.holiday_calendar = holiday_calendar
    db.session.add(country)
    db.session.flush()
    return country


def known_country(code: str) -> Country | None:
    """The country ``code`` names, or None. A user-assigned code (XA-XZ) is always
    known: the first use creates a fictional state, which an admin may rename."""
    code = (code or "").strip().upper()
    country = remembered_get(Country, code)
    if country is None and is_user_assigned(code):
        country = ensure_fictional_country(code, f"Fictional state {code}")
    return country


def load_instruments() -> int:
    data = tomllib.loads((DATA_DIR / "instruments.toml").read_text(encoding="utf-8"))
    for item in data["instrument"]:
        instrument = db.session.get(Instrument, item["code"]) or Instrument(code=item["code"])
        instrument.title = item["title"]
        instrument.citation = citation_words(item["citation"])
        instrument.kinds = list(item["kinds"])
        db.session.add(instrument)
    db.session.flush()
    return len(data["instrument"])


def load_iccs() -> int:
    """UNODC ICCS v1.0 (2015), levels 1-4, from mla/data/iccs.csv (see iccs-SOURCES.md)."""
    with (DATA_DIR / "iccs.csv").open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: int(r["level"]))
    existing = {c.code: c for c in db.session.scalars(select(IccsCode))}
    for row in rows:  # parents first, so the self-reference holds at every flush
        node = existing.get(row["code"]) or IccsCode(code=row["code"])
        node.level = int(row["level"])
        node.parent_code = row["parent"] or None
        node.title = row["title"]
        node.is_extension = False
        db.session.add(node)
    db.session.flush()
    return len(rows)


def load_reference_data() -> LoadReport:
    return LoadReport(
        countries=load_countries(),
        instruments=load_instruments(),
        iccs_codes=load_iccs(),
    )
