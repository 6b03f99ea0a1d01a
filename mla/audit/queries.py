"""Reading the audit trail: filters, pages, the CSV export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, false, select

from mla.audit.models import AuditEntry
from mla.core.text import csv_text
from mla.extensions import db

PER_PAGE = 50
MAX_PAGE = 1_000_000  # an OFFSET within the database's integers (page=10**30 was a 500)
CSV_COLUMNS = ("id", "at", "actor", "action", "object_type", "object_id", "details",
               "ip_address", "entry_hash")


@dataclass(frozen=True)
class TrailFilter:
    person: str = ""        # the acting account's user name
    request: str = ""       # a request's reference (or any object id)
    action: str = ""        # an action, or its prefix ("auth." for every sign-in event)
    date_from: date | None = None
    date_to: date | None = None
    matches_nothing: bool = False  # the filter form was invalid: show no entries
    # The zone the days are counted in: the reader's, the one the trail's times are in.
    zone: tzinfo = UTC

    def statement(self) -> Select[AuditEntry]:
        stmt = select(AuditEntry)
        if self.matches_nothing:
            return stmt.where(false())
        if self.person:
            stmt = stmt.where(AuditEntry.actor_label == self.person.strip().casefold())
        if self.request:
            stmt = stmt.where(AuditEntry.object_id == self.request.strip())
        if self.action:
            action = self.action.strip()
            stmt = (stmt.where(AuditEntry.action.startswith(action, autoescape=True))
                    if action.endswith(".") else stmt.where(AuditEntry.action == action))
        if self.date_from:
            start = datetime.combine(self.date_from, time(), self.zone)
            stmt = stmt.where(AuditEntry.at >= start.astimezone(UTC))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time(), self.zone)
            stmt = stmt.where(AuditEntry.at < end.astimezone(UTC))
        return stmt


@dataclass(frozen=True)
class TrailPage:
    entries: list[AuditEntry]
    page: int
    has_next: bool


def trail_page(filters: TrailFilter, page: int = 1) -> TrailPage:
    page = min(MAX_PAGE, max(1, page))
    rows = db.session.scalars(filters.statement().order_by(AuditEntry.id.desc())
                              .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).all()
    return TrailPage(list(rows[:PER_PAGE]), page, len(rows) > PER_PAGE)


def known_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct()
                                   .order_by(AuditEntry.action)))


def _csv_rows(filters: TrailFilter) -> Iterator[list[Any]]:
    rows = db.session.scalars(filters.statement().order_by(AuditEntry.id)
                              .execution_options(yield_per=1000))
    try:
        for e in rows:
            yield [e.id, e.at.isoformat(), e.actor_label, e.action, e.object_type, e.object_id,
                   format_details(e.details), e.ip_address, e.entry_hash]
    finally:
        rows.close()


def trail_csv(filters: TrailFilter) -> str:
    return csv_text(CSV_COLUMNS, _csv_rows(filters))


def format_details(details: dict[str, Any] | None) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted((details or {}).items()))
