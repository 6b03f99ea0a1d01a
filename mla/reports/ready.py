"""Report figures kept ready: computed once per view, stored, served from storage.

Exact medians and percentiles over a million requests, with seven free filters, take
seconds; the list page takes milliseconds. So each report section's figures for one
view (section, the reader's scope, period and filters, language) are computed once,
stored sealed in ``report_figures`` and served from there while younger than
``MLA_REPORT_FIGURES_MAX_AGE`` seconds (default 900); an older entry is computed again
on the next read. Pages, the JSON API and the exports say when the figures they show
were computed. The scheduler refreshes the entries read in the last day before they
expire, keeps the default view warm, and deletes entries nobody read for a week
(``refresh_figures``, also ``flask --app wsgi reports warm``).

A reader only ever gets figures computed for the same scope of requests
(``scope_key``): everyone who sees every request shares "all"; a prosecutor, whose
requests are exactly their authority's, shares "authority:<id>" with their office;
anyone else narrowed in any other way gets entries of their own ("user:<id>").

The payload is JSON (never pickle) through a small codec that knows the report
dataclasses by name, and is sealed at rest: the oldest-requests list carries titles.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale, get_locale
from sqlalchemy import ForeignKey, Integer, String, Text, delete, event, func, select, update
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
from mla.core.transaction import unit_of_work
from mla.extensions import Model, db
from mla.reports.filters import ReportFilters, parse_filters
from mla.reports.locks import lock_view
from mla.reports.queries import (
    CounterpartHistory,
    CounterpartRecord,
    CounterpartRow,
    DeadlineRow,
    Outcomes,
    ReviewColumn,
    Spread,
    TimeReport,
    Workload,
    counterpart_filters,
    counterpart_history,
    counterparts,
    deadlines_kept,
    includes,
    outcomes,
    own_part,
    record_without,
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
# last_read_at is written at most this often per entry: a read stays a read.
READ_MARK_EVERY = timedelta(minutes=1)
# The scheduler refreshes entries read within this, and deletes those unread this long.
REFRESH_READ_WITHIN = timedelta(days=1)
PRUNE_UNREAD_FOR = timedelta(days=7)
# One tick computes at most this many entries, and starts none after this many seconds
# (a section over a million requests takes seconds; the tick also delivers mail).
REFRESH_PER_TICK = 10
# Counterpart lines are counted apart (a fraction of a second each, one per counterpart,
# kind and measure read on a request page): they neither crowd out nor wait for sections.
COUNTERPART_REFRESH_PER_TICK = 30
REFRESH_SECONDS_PER_TICK = 20.0
# "Recompute now" is refused for a view whose figures are all younger than this: each
# recompute of the Reports page costs seconds of database time (12 s at a million).
RECOMPUTE_EVERY = timedelta(seconds=60)


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


# --- the codec: JSON with tags for what JSON lacks ----------------------------------------

_TYPES: dict[str, type] = {cls.__name__: cls for cls in (
    Workload, TimeReport, Spread, CounterpartRow, Outcomes, DeadlineRow, ReviewColumn,
    CounterpartHistory)}


def encode(value: Any) -> Any:
    """A report value as plain JSON; tagged objects ``{"$": tag, "v": ...}`` carry the
    dataclasses (by name, from a fixed list), tuples, dates, instants, decimals and
    mappings (whose keys may be tuples)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$": "map", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    name = type(value).__name__
    if is_dataclass(value) and _TYPES.get(name) is type(value):
        return {"$": name, "v": {f.name: encode(getattr(value, f.name)) for f in fields(value)}}
    raise TypeError(f"report figures cannot store a {name}")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag, inner = value["$"], value["v"]
    if tag == "decimal":
        return Decimal(inner)
    if tag == "datetime":
        return datetime.fromisoformat(inner)
    if tag == "date":
        return date.fromisoformat(inner)
    if tag == "tuple":
        return tuple(decode(v) for v in inner)
    if tag == "map":
        return {_hashable(decode(k)): decode(v) for k, v in inner}
    cls = _TYPES.get(tag)
    if cls is None:
        raise ValueError(f"unknown tag in stored report figures: {tag!r}")
    return cls(**{name: decode(v) for name, v in inner.items()})


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def dumps(value: Any) -> str:
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> Any:
    return decode(json.loads(text))


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


def _locale() -> str:
    """Labels (state names, outcomes) are stored in the reader's language."""
    found = get_locale()
    return str(found) if found is not None else current_settings().default_locale


def max_age() -> int:
    return current_settings().report_figures_max_age


# --- reading and writing ------------------------------------------------------------------

def figures(actor: User, section: str, f: ReportFilters, *, recompute: bool = False) -> Ready:
    """The section's figures for this reader and view: from storage while younger than
    the max age, else computed and stored (``recompute``: computed whatever their age)."""
    age = max_age()
    if age <= 0:
        return _compute(actor, section, f)
    scope, filters = scope_key(actor), filters_json(f)
    locale = "" if section in WITHOUT_WORDS else _locale()
    key = figures_key(section, scope, filters, locale)
    current = now()
    if not recompute:
        pending = _pending().get(key)
        if pending is not None:  # computed earlier in this unit of work, not stored yet
            return pending[1]
        found = _stored(key, current - timedelta(seconds=age))
        if found is not None:
            ready, last_read_at = found
            if current - last_read_at >= READ_MARK_EVERY:
                _pending_marks().add(key)
            return ready
    if lock_view(key):
        # Another reader was computing this view meanwhile: its figures, once stored (a
        # recompute takes them only if they were computed since it was asked for).
        fresher_than = current - (timedelta(microseconds=1) if recompute
                                  else timedelta(seconds=age))
        found = _stored(key, fresher_than, fresh=True)
        if found is not None:
            return found[0]
    ready = _compute(actor, section, f)
    _store(key, section, scope, None if scope == "all" else actor.id, locale, filters, ready,
           read_at=current)
    return ready


def counterpart_record_ready(actor: User, case: Case) -> CounterpartRecord:
    """A request's counterpart record, from the counterpart's figures kept ready with the
    request's own part left out; computed again first if the request changed since they
    were (it was just registered, sent or executed, or its counterpart was changed)."""
    f = counterpart_filters(case)
    own = own_part(actor, f, case)
    history: CounterpartHistory = figures(actor, "counterpart", f).value
    if not includes(history, own):
        history = figures(actor, "counterpart", f, recompute=True).value
    return record_without(history, own, f)


def page_figures(actor: User, f: ReportFilters, *,
                 recompute: bool = False) -> dict[str, Ready]:
    return {name: figures(actor, name, f, recompute=recompute) for name in PAGE_SECTIONS}


def computed_lately(actor: User, sections: Iterable[str], f: ReportFilters) -> bool:
    """Whether every one of these sections' figures for this reader's view was computed
    within ``RECOMPUTE_EVERY`` (then "Recompute now" would compute the same again)."""
    if max_age() <= 0:
        return False
    scope, filters = scope_key(actor), filters_json(f)
    keys = [figures_key(name, scope, filters, "" if name in WITHOUT_WORDS else _locale())
            for name in sections]
    fresh = db.session.scalar(
        select(func.count()).select_from(ReportFigures)
        .where(ReportFigures.key.in_(keys),
               ReportFigures.computed_at > now() - RECOMPUTE_EVERY))
    return bool(keys) and fresh == len(set(keys))


def drop_all() -> int:
    """Delete every entry (the summary they were computed from was rebuilt): each view is
    computed again on its next read. Returns how many were deleted."""
    _pending().clear()
    return rows_matched(db.session.execute(delete(ReportFigures)))


def _stored(key: str, fresh_after: datetime, *,
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


def _compute(actor: User, section: str, f: ReportFilters) -> Ready:
    started = time.perf_counter()
    value = COMPUTE[section](actor, f)
    took_ms = round((time.perf_counter() - started) * 1000)
    return Ready(value, now(), took_ms)


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


def _store(key: str, section: str, scope: str, reader_id: int | None, locale: str,
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


# --- the scheduler's refresh and the CLI's warm-up ----------------------------------------

def staff_reader() -> User:
    """Whom the default view is computed as: a reader who sees every request (never
    stored: only its scope matters)."""
    return User(username="reports", role="auditor", authority_id=None)


def refresh_figures(*, limit: int | None = REFRESH_PER_TICK,
                    seconds: float | None = REFRESH_SECONDS_PER_TICK) -> Mapping[str, int]:
    """Compute again, before they expire, the default view (default period, no filters,
    every request, the instance's language) and the entries read in the last day that
    are older than half the max age; then delete the entries nobody read for a week.
    ``limit`` sections at most and ``COUNTERPART_REFRESH_PER_TICK`` counterpart lines,
    none started after ``seconds`` (None: no bound)."""
    counts: Counter[str] = Counter()
    age = max_age()
    if age <= 0:
        return counts
    started = time.perf_counter()

    def spent(section: str = "") -> bool:
        out_of_time = seconds is not None and time.perf_counter() - started >= seconds
        if out_of_time or limit is None:
            return out_of_time
        if section == "counterpart":
            return counts["counterparts_refreshed"] >= COUNTERPART_REFRESH_PER_TICK
        return counts["figures_refreshed"] - counts["counterparts_refreshed"] >= limit

    stale_before = now() - timedelta(seconds=age / 2)
    default_locale = current_settings().default_locale
    with force_locale(default_locale):
        default = filters_json(parse_filters({}))
    for section in PAGE_SECTIONS:
        if spent():
            break
        key = figures_key(section, "all", default, default_locale)
        computed_at = db.session.scalar(select(ReportFigures.computed_at)
                                        .where(ReportFigures.key == key))
        failed_at = _FAILED.get(key)
        if failed_at is not None and (computed_at is None or computed_at <= failed_at):
            continue  # failed here before, not read (and computed) since
        if computed_at is None or computed_at <= stale_before:
            if _refresh_isolated(key, section, "all", None, default_locale, default):
                counts["figures_refreshed"] += 1
            else:
                counts["figures_failed"] += 1
    due = db.session.execute(
        select(ReportFigures.key, ReportFigures.section, ReportFigures.scope_key,
               ReportFigures.reader_id, ReportFigures.locale, ReportFigures.filters)
        .where(ReportFigures.last_read_at >= now() - REFRESH_READ_WITHIN,
               ReportFigures.computed_at <= stale_before)
        .order_by(ReportFigures.last_read_at.desc())).all()
    for row in due:
        if spent(row.section):
            if spent("counterpart") and spent():
                break
            continue
        if _refresh_isolated(row.key, row.section, row.scope_key, row.reader_id, row.locale,
                             row.filters):
            counts["figures_refreshed"] += 1
            if row.section == "counterpart":
                counts["counterparts_refreshed"] += 1
    with unit_of_work():
        counts["figures_pruned"] = rows_matched(db.session.execute(
            delete(ReportFigures).where(ReportFigures.last_read_at < now() - PRUNE_UNREAD_FOR)))
    return counts


# Entries whose computing failed in this process, and when: the default view's (which
# has no entry to delete) is not tried again until a reader computed it since.
_FAILED: dict[str, datetime] = {}


def _refresh_isolated(key: str, section: str, scope: str, reader_id: int | None,
                      locale: str, filters: str) -> bool:
    """``_refresh``, except that an entry whose computing fails is rolled back alone and
    deleted: the tick goes on with the next, and the entry is not tried again each tick
    (its next reader computes it, or meets the error themselves). The log names the
    section, the key's start and the error's type, never the figures or the filters."""
    try:
        return _refresh(key, section, scope, reader_id, locale, filters)
    except Exception as exc:
        log.warning("report figures %s %s could not be computed (%s); skipped until read "
                    "again", section, key[:12], type(exc).__name__)
        _FAILED[key] = now()
        with unit_of_work():
            db.session.execute(delete(ReportFigures).where(ReportFigures.key == key))
        return False


def _refresh(key: str, section: str, scope: str, reader_id: int | None, locale: str,
             filters: str) -> bool:
    """Compute one entry again as a reader of its scope, in its language; False when no
    such reader is left (the entry then expires unread)."""
    reader = _reader_for(scope, reader_id)
    if reader is None or section not in COMPUTE:
        return False
    with unit_of_work(), force_locale(locale or current_settings().default_locale):
        ready = _compute(reader, section, filters_from_json(filters))
        _store(key, section, scope, reader_id, locale, filters, ready, read_at=None)
    return True


def _reader_for(scope: str, reader_id: int | None) -> User | None:
    if scope == "all":
        reader = staff_reader()
    else:
        found = db.session.get(User, reader_id) if reader_id is not None else None
        if found is None or not found.is_active:
            return None
        reader = found
    return reader if scope_key(reader) == scope else None


def oldest(readies: Iterable[Ready]) -> datetime | None:
    """When the oldest of these figures were computed (what a page says of them all)."""
    return min((r.computed_at for r in readies), default=None)
