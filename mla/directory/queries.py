from __future__ import annotations

from sqlalchemy import select

from mla.directory.models import Authority
from mla.extensions import db
from mla.settings import current_settings


def authority_states() -> dict[int, str]:
    """Each active authority's state: forms offer the authorities of the chosen state."""
    rows = db.session.execute(select(Authority.id, Authority.country_code)
                              .where(Authority.is_active.is_(True))).all()
    return {row.id: row.country_code for row in rows}


def authority_choices(*, domestic_only: bool = False, foreign_only: bool = False,
                      country: str | None = None) -> list[tuple[int, str]]:
    stmt = select(Authority.id, Authority.name, Authority.country_code).where(
        Authority.is_active.is_(True)
    )
    home = current_settings().home_country
    if domestic_only:
        stmt = stmt.where(Authority.country_code == home)
    if foreign_only:
        stmt = stmt.where(Authority.country_code != home)
    if country:
        stmt = stmt.where(Authority.country_code == country)
    rows = db.session.execute(stmt.order_by(Authority.country_code, Authority.name)).all()
    return [(row.id, f"{row.name} ({row.country_code})") for row in rows]
