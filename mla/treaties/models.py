"""Which state is bound by what: ratifications, reservations, bilateral treaties.

An instrument or protocol applies between two states only when both are parties
(e.g. the Third Additional Protocol to the ECE, CETS 209, arts. 6, 7 and 9); a
reservation binds only the state that made it (ECMA art. 5(1)). Admins keep these
rows current from the depositary's chart (Council of Europe Treaty Office, UN
Treaty Collection, EUR-Lex) and cite it in ``source``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mla.core.clock import now
from mla.core.db import UTCDateTime
from mla.extensions import Model

# Instruments and protocols whose parties the product tracks, with the text cited.
PARTY_INSTRUMENTS: dict[str, LazyString] = {
    "ECE": _l("European Convention on Extradition 1957 (ETS 24)"),
    "ECE_AP2": _l("Second Additional Protocol to the ECE 1978 (ETS 98)"),
    "ECE_AP3": _l("Third Additional Protocol to the ECE 2010 (CETS 209)"),
    "ECMA": _l("European Convention on Mutual Assistance in Criminal Matters 1959 (ETS 30)"),
    "UNTOC": _l("UN Convention against Transnational Organized Crime 2000 (2225 UNTS 209)"),
    "UNCAC": _l("UN Convention against Corruption 2003 (2349 UNTS 41)"),
    "EIO": _l("Directive 2014/41/EU (European Investigation Order), as transposed"),
    "EAW": _l("Framework Decision 2002/584/JHA (European Arrest Warrant), as transposed"),
}

# Reservations the engine reads, by code (ECMA art. 5(1)(a)-(c)).
RESERVATION_KINDS: dict[str, tuple[str, LazyString]] = {
    "ecma_art5_1_a": ("ECMA", _l("ECMA art. 5(1)(a): letters rogatory for search or seizure "
                                 "only if the offence is punishable in both states")),
    "ecma_art5_1_b": ("ECMA", _l("ECMA art. 5(1)(b): letters rogatory for search or seizure "
                                 "only if the offence is extraditable in the requested state")),
    "ecma_art5_1_c": ("ECMA", _l("ECMA art. 5(1)(c): letters rogatory for search or seizure "
                                 "only if execution is consistent with the law of the "
                                 "requested state")),
}

TREATY_KINDS = ("extradition", "mla", "both")


def _in(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Ratification(Model):
    """A state is a party to an instrument or protocol (from ``in_force_on`` if known)."""

    __tablename__ = "ratifications"
    __table_args__ = (
        UniqueConstraint("country_code", "instrument"),
        CheckConstraint(_in("instrument", PARTY_INSTRUMENTS), name="instrument_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(
        ForeignKey("countries.code", ondelete="CASCADE"), index=True)
    instrument: Mapped[str] = mapped_column(String(20))
    in_force_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def in_force(self, on: date) -> bool:
        return self.in_force_on is None or self.in_force_on <= on


class Reservation(Model):
    """A reservation or declaration a state made (only it is bound by it)."""

    __tablename__ = "reservations"
    __table_args__ = (
        UniqueConstraint("country_code", "code"),
        CheckConstraint(_in("code", RESERVATION_KINDS), name="code_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(
        ForeignKey("countries.code", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    @property
    def citation(self) -> str:
        return str(RESERVATION_KINDS[self.code][1])


class Treaty(Model):
    """A bilateral treaty; a request under it takes its periods from here."""

    __tablename__ = "treaties"
    __table_args__ = (
        CheckConstraint("party_a <> party_b", name="two_parties"),
        CheckConstraint(_in("kind", TREATY_KINDS), name="kind_known"),
        CheckConstraint("provisional_arrest_days IS NULL OR provisional_arrest_days > 0",
                        name="arrest_days_positive"),
        CheckConstraint("dc_threshold_months IS NULL OR dc_threshold_months >= 0",
                        name="threshold_positive"),
        CheckConstraint("supplementary_info_days IS NULL OR supplementary_info_days > 0",
                        name="info_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12), default="extradition")
    party_a: Mapped[str] = mapped_column(ForeignKey("countries.code", ondelete="RESTRICT"),
                                         index=True)
    party_b: Mapped[str] = mapped_column(ForeignKey("countries.code", ondelete="RESTRICT"),
                                         index=True)
    citation: Mapped[str] = mapped_column(String(300), default="")
    in_force_on: Mapped[date | None] = mapped_column(Date)
    # Calendar days from the provisional arrest for the formal request to arrive.
    provisional_arrest_days: Mapped[int | None]
    # Minimum maximum penalty (months) for an extraditable offence under the treaty.
    dc_threshold_months: Mapped[int | None]
    # Calendar days the requested state allows for supplementary information.
    supplementary_info_days: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def binds(self, a: str, b: str) -> bool:
        return {self.party_a, self.party_b} == {a, b}

    def __str__(self) -> str:
        return self.name


class NationalSettings(Model):
    """A state's own choices where the instruments leave them to domestic law.

    Defaults (used when no row exists) are documented in ``services.DEFAULTS``.
    """

    __tablename__ = "national_settings"
    __table_args__ = (
        CheckConstraint("provisional_arrest_days > 0", name="arrest_days_positive"),
    )

    country_code: Mapped[str] = mapped_column(
        ForeignKey("countries.code", ondelete="CASCADE"), primary_key=True)
    # Domestic law's custody limit after a provisional arrest with no treaty period.
    provisional_arrest_days: Mapped[int] = mapped_column(default=60)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
