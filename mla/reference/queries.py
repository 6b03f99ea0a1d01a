from __future__ import annotations

import unicodedata

from flask_babel import get_locale
from sqlalchemy import select

from mla.core.cache import cached_by_tables
from mla.core.display import country_name
from mla.extensions import db
from mla.reference.models import Country, IccsCode, Instrument


def country_choices() -> list[tuple[str, str]]:
    """Every country named in the page's language ("Allemagne (DE)" on a French page,
    CLDR's names; a fictional state keeps its own), fictional ones first, then in the
    order of the names as read (cached per process and language: shared, never modify)."""
    return _country_choices(str(get_locale() or "en"))


def _sort_key(name: str) -> str:
    """Accents and case set aside, so "Égypte" sorts among the E's, not after "Zambie"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@cached_by_tables("countries")
def _country_choices(language: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Country.code, Country.name, Country.is_fictional)).all()
    # English keeps the stored ISO 3166 short names ("Palestine, State of"), as the
    # request page writes them; other languages take CLDR's, as letters do.
    named = [(not row.is_fictional, row.name if language.startswith("en")
              else country_name(row.code, language, stored=row.name), row.code) for row in rows]
    named.sort(key=lambda item: (item[0], _sort_key(item[1]), item[2]))
    return [(code, f"{name} ({code})") for _real, name, code in named]


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
