from __future__ import annotations

from sqlalchemy import select

from mla.core.cache import cached_by_tables
from mla.extensions import db
from mla.reference.models import Country, IccsCode, Instrument


@cached_by_tables("countries")
def country_choices() -> list[tuple[str, str]]:
    """Every country, fictional ones first (cached per process: shared, never modify)."""
    rows = db.session.execute(
        select(Country.code, Country.name).order_by(Country.is_fictional.desc(), Country.name)
    ).all()
    return [(row.code, f"{row.name} ({row.code})") for row in rows]


def instrument_name(code: str) -> str:
    """A legal basis as the request page names it ("United Nations Convention against
    Transnational Organized Crime (2000)", in the reader's language), its code when the
    instrument is unknown. Timeline entries keep the code and are named when read."""
    instrument = db.session.get(Instrument, code) if code else None
    return instrument.title_text if instrument is not None else code


def instrument_choices(kind: str | None = None) -> list[tuple[str, str]]:
    instruments = db.session.scalars(select(Instrument).order_by(Instrument.code)).all()
    return [(i.code, f"{i.code} — {i.title_text}") for i in instruments if kind is None
            or i.allows(kind)]


# Reference data a registration checks its input against (shipped files, changed only by
# `reference load`): read once per process, like the choices above, not once per write.
@cached_by_tables("instruments")
def instrument_kinds() -> dict[str, frozenset[str]]:
    """The kinds of request each legal basis can carry, by instrument code (shared)."""
    return {code: frozenset(kinds or ()) for code, kinds in
            db.session.execute(select(Instrument.code, Instrument.kinds))}


@cached_by_tables("iccs_codes")
def iccs_code_set() -> frozenset[str]:
    """Every ICCS code (shared)."""
    return frozenset(db.session.scalars(select(IccsCode.code)))
