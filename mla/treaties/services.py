"""Reading and editing who is bound by what. Services take an explicit actor,
write an audit row and flush; they never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.core.clock import now
from mla.core.errors import ServiceError
from mla.extensions import db
from mla.reference.models import Country
from mla.treaties.models import (
    PARTY_INSTRUMENTS,
    RESERVATION_KINDS,
    TREATY_KINDS,
    NationalSettings,
    Ratification,
    Reservation,
    Treaty,
)


@dataclass(frozen=True)
class NationalDefaults:
    """Used for a state with no NationalSettings row.

    - provisional_arrest_days = 60: the period most bilateral treaties set, used
      when a provisional arrest rests on UNTOC, UNCAC or reciprocity (no treaty
      period). (The domestic minimum penalty for extradition, UNTOC art. 16(7), is
      the dual-criminality policy setting ``extradition_minimum_months``.)
    """

    provisional_arrest_days: int = 60


DEFAULTS = NationalDefaults()


# --- reading -------------------------------------------------------------------------

def is_party(country_code: str, instrument: str, on: date | None = None) -> bool:
    row = db.session.scalar(select(Ratification).where(
        Ratification.country_code == country_code, Ratification.instrument == instrument))
    return row is not None and row.in_force(on or now().date())


def both_parties(a: str, b: str, instrument: str, on: date | None = None) -> bool:
    """An instrument applies between two states only when both are parties."""
    return is_party(a, instrument, on) and is_party(b, instrument, on)


def has_reservation(country_code: str, code: str) -> bool:
    return db.session.scalar(select(Reservation.id).where(
        Reservation.country_code == country_code, Reservation.code == code)) is not None


def ratifications_of(country_code: str) -> list[Ratification]:
    return list(db.session.scalars(select(Ratification).where(
        Ratification.country_code == country_code).order_by(Ratification.instrument)))


def reservations_of(country_code: str) -> list[Reservation]:
    return list(db.session.scalars(select(Reservation).where(
        Reservation.country_code == country_code).order_by(Reservation.code)))


def treaties_between(a: str, b: str, kind: str | None = None) -> list[Treaty]:
    stmt = select(Treaty).where(
        Treaty.is_active.is_(True),
        or_((Treaty.party_a == a) & (Treaty.party_b == b),
            (Treaty.party_a == b) & (Treaty.party_b == a)))
    if kind is not None:
        stmt = stmt.where(Treaty.kind.in_((kind, "both")))
    return list(db.session.scalars(stmt.order_by(Treaty.name)))


def treaty(treaty_id: int | None) -> Treaty | None:
    return db.session.get(Treaty, treaty_id) if treaty_id else None


def national_settings(country_code: str) -> NationalDefaults:
    row = db.session.get(NationalSettings, country_code)
    if row is None:
        return DEFAULTS
    return NationalDefaults(row.provisional_arrest_days)


# --- editing -------------------------------------------------------------------------

def _country(code: str, field: str = "country_code") -> Country:
    country = db.session.get(Country, (code or "").upper())
    if country is None:
        raise ServiceError(str(_l("Unknown state.")), code="invalid", details={"field": field})
    return country


def set_ratification(actor: Actor, country_code: str, instrument: str, *,
                     in_force_on: date | None = None, source: str = "") -> Ratification:
    country = _country(country_code)
    if instrument not in PARTY_INSTRUMENTS:
        raise ServiceError(str(_l("Unknown instrument.")), code="invalid",
                           details={"field": "instrument"})
    row = db.session.scalar(select(Ratification).where(
        Ratification.country_code == country.code, Ratification.instrument == instrument))
    row = row or Ratification(country_code=country.code, instrument=instrument)
    row.in_force_on = in_force_on
    row.source = (source or "").strip()[:300]
    row.updated_at = now()
    db.session.add(row)
    db.session.flush()
    record_audit(actor, "treaties.ratification_set", object_type="countries",
                 object_id=country.code, instrument=instrument,
                 in_force_on=in_force_on.isoformat() if in_force_on else None)
    return row


def remove_ratification(actor: Actor, row: Ratification) -> None:
    record_audit(actor, "treaties.ratification_removed", object_type="countries",
                 object_id=row.country_code, instrument=row.instrument)
    db.session.delete(row)
    db.session.flush()


def set_reservation(actor: Actor, country_code: str, code: str, *, text: str = "",
                    source: str = "") -> Reservation:
    country = _country(country_code)
    if code not in RESERVATION_KINDS:
        raise ServiceError(str(_l("Unknown reservation.")), code="invalid",
                           details={"field": "code"})
    row = db.session.scalar(select(Reservation).where(
        Reservation.country_code == country.code, Reservation.code == code))
    row = row or Reservation(country_code=country.code, code=code)
    row.text = (text or "").strip()
    row.source = (source or "").strip()[:300]
    row.updated_at = now()
    db.session.add(row)
    db.session.flush()
    record_audit(actor, "treaties.reservation_set", object_type="countries",
                 object_id=country.code, reservation=code)
    return row


def remove_reservation(actor: Actor, row: Reservation) -> None:
    record_audit(actor, "treaties.reservation_removed", object_type="countries",
                 object_id=row.country_code, reservation=row.code)
    db.session.delete(row)
    db.session.flush()


@dataclass
class TreatyInput:
    name: str
    party_a: str
    party_b: str
    kind: str = "extradition"
    citation: str = ""
    in_force_on: date | None = None
    provisional_arrest_days: int | None = None
    dc_threshold_months: int | None = None
    supplementary_info_days: int | None = None
    is_active: bool = True


def save_treaty(actor: Actor, data: TreatyInput, row: Treaty | None = None) -> Treaty:
    name = (data.name or "").strip()
    if not name:
        raise ServiceError(str(_l("Give the treaty's name.")), code="invalid",
                           details={"field": "name"})
    a, b = _country(data.party_a, "party_a"), _country(data.party_b, "party_b")
    if a.code == b.code:
        raise ServiceError(str(_l("A bilateral treaty has two different parties.")),
                           code="invalid", details={"field": "party_b"})
    if data.kind not in TREATY_KINDS:
        raise ServiceError(str(_l("Unknown kind of treaty.")), code="invalid",
                           details={"field": "kind"})
    for field in ("provisional_arrest_days", "supplementary_info_days"):
        value = getattr(data, field)
        if value is not None and not 0 < value <= 365:
            raise ServiceError(str(_l("Between 1 and 365 days.")), code="invalid",
                               details={"field": field})
    if data.dc_threshold_months is not None and not 0 <= data.dc_threshold_months <= 1200:
        raise ServiceError(str(_l("Between 0 and 1200 months.")), code="invalid",
                           details={"field": "dc_threshold_months"})
    created = row is None
    row = row or Treaty()
    row.name, row.kind, row.party_a, row.party_b = name[:200], data.kind, a.code, b.code
    row.citation = (data.citation or "").strip()[:300]
    row.in_force_on = data.in_force_on
    row.provisional_arrest_days = data.provisional_arrest_days
    row.dc_threshold_months = data.dc_threshold_months
    row.supplementary_info_days = data.supplementary_info_days
    row.is_active = data.is_active
    row.updated_at = now()
    db.session.add(row)
    db.session.flush()
    record_audit(actor, "treaties.treaty_created" if created else "treaties.treaty_updated",
                 object_type="treaties", object_id=str(row.id), name=row.name,
                 parties=[row.party_a, row.party_b],
                 provisional_arrest_days=row.provisional_arrest_days,
                 dc_threshold_months=row.dc_threshold_months,
                 supplementary_info_days=row.supplementary_info_days)
    return row


def set_national_settings(actor: Actor, country_code: str, *,
                          provisional_arrest_days: int) -> NationalSettings:
    country = _country(country_code)
    if not 0 < provisional_arrest_days <= 365:
        raise ServiceError(str(_l("Between 1 and 365 days.")), code="invalid",
                           details={"field": "provisional_arrest_days"})
    row = db.session.get(NationalSettings, country.code) or NationalSettings(
        country_code=country.code)
    row.provisional_arrest_days = provisional_arrest_days
    row.updated_at = now()
    db.session.add(row)
    db.session.flush()
    record_audit(actor, "treaties.national_settings", object_type="countries",
                 object_id=country.code,
                 provisional_arrest_days=provisional_arrest_days)
    return row
