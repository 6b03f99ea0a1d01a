"""Report figures kept ready: the sections, the stored entries and how they are written.

One entry (``report_figures``) holds one section's figures for one view: the section,
the reader's scope of requests (``scope_key``), period and filters, and language. Its
key is a hash of all of these (``figures_key``); its payload is sealed JSON
(``mla.reports.figures_codec``). Figures computed during a unit of work are written
once it committed, in a short transaction of their own (``store``).

Reading them (``mla.reports.ready``) and refreshing them (``mla.reports.figures_refresh``)
build on this module; it imports neither.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from sqlalchemy import ForeignKey, Integer, String, Text, delete, event, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.queries import visible_cases
from mla.core.clock import now
from mla.core.crypto import SealedText
from mla.core.db import UTCDateTime, reset_read_only, rows_matched, set_read_only
from mla.extensions import Model, db
from mla.reports.figures_codec import dumps, loads
from mla.reports.filters import ReportFilters
from mla.reports.queries import (
    counterpart_history,
    counterparts,
    deadlines_kept,
    outcomes,
    review_columns,
    time_report,
    workload,
)
from mla.settings import current_settings

log = logging.getLogger(__name__)

# Bumped whenever what a section stores changes shape: older entries are then never read.
FORMAT_VERSION = 1
REVIEW_BASES = ("UNTOC", "UNCAC")
# The sections of the Reports page, in its order (the review is a page of its own).
PAGE_SECTIONS = ("workload", "time", "counterparts", "outcomes", "deadlines")
COMPUTE: dict[str, Callable[[User, ReportFilters], Any]] = {
    "workload": workload,
    "time": time_report,
    "counterparts": counterparts,
    "outcomes": outcomes,
    "deadlines": deadlines_kept,
    "review": lambda actor, f: review_columns(actor, f, REVIEW_BASES),
    # A request page's counterpart line (filters: the counterpart, kind and measure).
    "counterpart": counterpart_history,
}
# Figures without words in them: one entry serves every language.
WITHOUT_WORDS = frozenset({"counterpart"})


class ReportFigures(Model):
    """One section's figures for one view, ready to serve."""

    __tablename__ = "report_figures"

    # SHA-256 of the canonical JSON of section, scope, filters, language and format.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    section: Mapped[str] = mapped_column(String(20))
    scope_key: Mapped[str] = mapped_column(String(40))
    # Whose scope a narrowed entry is (the scheduler recomputes it as them); none for "all".
    reader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str] = mapped_column(String(16))
    filters: Mapped[str] = mapped_column(Text)  # canonical JSON: dates, codes, the zone
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_read_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    took_ms: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(SealedText("report_figures.payload"))


@dataclass(frozen=True)
class Ready:
    """A section's figures and when they were computed (how long that took)."""

    value: Any
    computed_at: datetime
    took_ms: int


# --- what an entry is for ---------------------------------------------------------------

def scope_key(actor: User) -> str:
    """Which requests the actor's figures count, as a key shared only by readers who see
    exactly the same requests."""
    visible = visible_cases(actor).whereclause
    if visible is None:
        return "all"
    if (actor.role == "prosecutor" and actor.authority_id is not None
            and visible.compare(Case.domestic_authority_id == actor.authority_id)):
        return f"authority:{actor.authority_id}"
    return f"user:{actor.id}"


def filters_json(f: ReportFilters) -> str:
    return _canonical({
        "from": f.start_on.isoformat(), "to": f.end_on.isoformat(),
        "direction": f.direction, "kind": f.kind, "legal_basis": f.legal_basis,
        "counterpart_country": f.counterpart_country, "measure": f.measure,
        "iccs": f.iccs, "assignee": f.assignee, "zone": f.zone.key})


def filters_from_json(text: str) -> ReportFilters:
    raw = json.loads(text)
    return ReportFilters(
        start_on=date.fromisoformat(raw["from"]), end_on=date.fromisoformat(raw["to"]),
        direction=raw["direction"], kind=raw["kind"], legal_basis=raw["legal_basis"],
        counterpart_country=raw["counterpart_country"], measure=raw["measure"],
        iccs=raw["iccs"], assignee=raw["assignee"], zone=ZoneInfo(raw["zone"]))


def figures_key(section: str, scope: str, filters: str, locale: str) -> str:
    recipe = {"section": section, "scope": scope, "filters": json.loads(filters),
              "locale": locale, "format": FORMAT_VERSION,
              "bases": list(REVIEW_BASES) if section == "review" else []}
    return hashlib.sha256(_canonical(recipe).encode()).hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def entry_locale(section: str) -> str:
    """The language the section's entry is kept in: the reader's, since labels (state
    names, outcomes) are stored in it; none for figures without words."""
    if section in WITHOUT_WORDS:
        return ""
    found = get_locale()
    return str(found) if found is not None else current_settings().default_locale


def max_age() -> int:
    return current_settings().report_figures_max_age


# --- computing, reading and writing -------------------------------------------------------

def compute(actor: User, section: str, f: ReportFilters) -> Ready:
    started = time.perf_counter()
    value = COMPUTE[section](actor, f)
    took_ms = round((time.perf_counter() - started) * 1000)
    return Ready(value, now(), took_ms)


def stored(key: str, fresh_after: datetime, *,
           fresh: bool = False) -> tuple[Ready, datetime] | None:
    """The entry if computed after ``fresh_after``; ``fresh``: read on a connection of its
    own, which sees what was committed since this unit of work first read (SQLite's read
    transaction keeps the snapshot of its first read)."""
    stmt = (select(ReportFigures.payload, ReportFigures.computed_at, ReportFigures.took_ms,
                   ReportFigures.last_read_at)
            .where(ReportFigures.key == key, ReportFigures.computed_at > fresh_after))
    if fresh:
        token = set_read_only(True)
        try:
            with db.engine.connect() as connection:
                row = connection.execute(stmt).first()
        finally:
            reset_read_only(token)
    else:
        row = db.session.execute(stmt).first()
    if row is None or not row.payload:  # "": a payload the key ring no longer opens
        return None
    try:
        value = loads(row.payload)
    except (ValueError, KeyError, TypeError):
        log.warning("stored report figures could not be read; computing them again")
        return None
    return Ready(value, row.computed_at, row.took_ms), row.last_read_at


def drop_all() -> int:
    """Delete every entry (the summary they were computed from was rebuilt): each view is
    computed again on its next read. Returns how many were deleted."""
    _pending().clear()
    return rows_matched(db.session.execute(delete(ReportFigures)))


# Figures computed and reads to mark, written together once the unit of work committed,
# in a short transaction of their own. Written as each section was computed, in the
# request's transaction, they held SQLite's one write lock from the first section's
# store until the request committed, across the computing of the others (seconds at
# 100,000 requests): every writer waited, and could give up. Written in the request's
# transaction at its end, a GET's read snapshot older than a writer's commit could not
# take the lock at all (SQLITE_BUSY_SNAPSHOT): a busy instance would never keep them.
_PENDING = "report_figures_pending"
_PENDING_MARKS = "report_figures_read"


def _pending() -> dict[str, tuple[dict[str, Any], Ready]]:
    found: dict[str, tuple[dict[str, Any], Ready]] = db.session.info.setdefault(_PENDING, {})
    return found


def _pending_marks() -> set[str]:
    found: set[str] = db.session.info.setdefault(_PENDING_MARKS, set())
    return found


def pending(key: str) -> Ready | None:
    """The entry's figures if computed earlier in this unit of work (not stored yet)."""
    found = _pending().get(key)
    return found[1] if found is not None else None


def mark_read(key: str) -> None:
    """Mark the entry read once the unit of work committed."""
    _pending_marks().add(key)


@event.listens_for(Session, "after_commit")
def _write_pending(session: Session) -> None:
    stores = session.info.pop(_PENDING, {})
    marks = session.info.pop(_PENDING_MARKS, set()) - set(stores)
    if not stores and not marks:
        return
    statements: list[Any] = [_upsert(values) for values, _ready in stores.values()]
    if marks:
        statements.append(update(ReportFigures).where(ReportFigures.key.in_(sorted(marks)))
                          .values(last_read_at=now()))
    _best_effort(statements)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the unit of work ended: a rollback drops them
        session.info.pop(_PENDING, None)
        session.info.pop(_PENDING_MARKS, None)


def store(key: str, section: str, scope: str, reader_id: int | None, locale: str,
          filters: str, ready: Ready, *, read_at: datetime | None) -> None:
    """Insert or replace the entry when the unit of work commits (two workers computing
    the same view both succeed: the later one's figures stay). A reader's write marks it
    read; the scheduler's does not, so an entry nobody reads still expires."""
    values = {"key": key, "section": section, "scope_key": scope, "reader_id": reader_id,
              "locale": locale, "filters": filters, "computed_at": ready.computed_at,
              "last_read_at": read_at or ready.computed_at, "took_ms": ready.took_ms,
              "payload": dumps(ready.value), "_read": read_at is not None}
    _pending()[key] = (values, ready)


def _upsert(values: dict[str, Any]) -> Any:
    values = dict(values)
    read = values.pop("_read")
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ReportFigures).values(**values)
    changed = ["computed_at", "took_ms", "payload", "reader_id"]
    if read:
        changed.append("last_read_at")
    return stmt.on_conflict_do_update(
        index_elements=[ReportFigures.key],
        set_={name: stmt.excluded[name] for name in changed})


def _best_effort(statements: list[Any]) -> None:
    """Bookkeeping in a short transaction of its own, each statement in a savepoint: a
    busy database (SQLite under a concurrent writer, a deadlock on PostgreSQL) or a
    reader deleted meanwhile skips it, and the figures are served all the same
    (computed again next time)."""
    try:
        with db.engine.begin() as connection:
            for statement in statements:
                try:
                    with connection.begin_nested():
                        connection.execute(statement)
                except IntegrityError:
                    log.info("report figures not stored: their reader is gone")
    except SQLAlchemyError:  # after the request's commit: never its error
        log.info("report figures not stored: the database is busy")
