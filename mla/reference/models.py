"""Shipped reference data: countries, legal instruments, the ICCS taxonomy."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mla.core.i18n import data_text, iccs_key, instrument_key
from mla.extensions import Model


class Country(Model):
    """ISO 3166-1 states from pycountry, plus user-assigned XA-XZ for training."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    is_fictional: Mapped[bool] = mapped_column(default=False)
    # Which calendar the `holidays` library should use for business days ('' = none).
    holiday_calendar: Mapped[str] = mapped_column(String(8), default="")
    # The date dual criminality is judged at: 'conduct' or 'request' (DOMAIN.md).
    dc_reference_date: Mapped[str] = mapped_column(String(10), default="conduct")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Instrument(Model):
    __tablename__ = "instruments"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    citation: Mapped[str] = mapped_column(String(300))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)

    def allows(self, kind: str) -> bool:
        return kind in self.kinds

    @property
    def title_text(self) -> str:
        """The title in the page's language (mla.core.i18n)."""
        return data_text(instrument_key(self.code), self.title)

    @property
    def citation_text(self) -> str:
        """The citation as it is, or translated where instruments.toml gives it in
        words (mla.core.i18n.citation_words)."""
        return data_text(instrument_key(self.code, "citation"), self.citation)


class IccsCode(Model):
    """One node of UNODC ICCS v1.0 (2015); authorities may add national subdivisions."""

    __tablename__ = "iccs_codes"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 6", name="level_range"),)

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[int]
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("iccs_codes.code", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    is_extension: Mapped[bool] = mapped_column(default=False)

    @property
    def title_text(self) -> str:
        """The title in the page's language (ICCS's official versions); a national
        subdivision keeps the words the authority gave it."""
        return self.title if self.is_extension else data_text(iccs_key(self.code), self.title)

    def ancestors(self) -> list[str]:
        """This code and every ancestor, derived from the code itself (2 + 2 + 1 + 1 digits)."""
        return iccs_lineage(self.code)


def iccs_lineage(code: str) -> list[str]:
    """['0701', '07'] for '0701': the code, then its ancestors up to the section."""
    cuts = [n for n in (2, 4, 5, 6) if n < len(code)]
    return [code, *(code[:n] for n in reversed(cuts))]
