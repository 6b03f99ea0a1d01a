from __future__ import annotations

from sqlalchemy import select

from mla.core.cache import cached_by_tables
from mla.extensions import db
from mla.reference.models import Country, Instrument


@cached_by_tables("countries")
def country_choices() -> list[tuple[str, str]]:
    """Every country, fictional ones first (cached per process: shared, never modify)."""
    rows = db.session.execute(
        select(Country.code, Country.name).order_by(Country.is_fictional.desc(), Country.name)
    ).all()
    return [(row.code, f"{row.name} ({row.code})") for row in rows]


def instrument_choices(kind: str | None = None) -> list[tuple[str, str]]:
    instruments = db.session.scalars(select(Instrument).order_by(Instrument.code)).all()
    return [(i.code, f"{i.code} — {i.title_text}") for i in instruments if kind is None
            or i.allows(kind)]
