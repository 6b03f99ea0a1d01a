"""Report figures kept ready, refreshed before they expire: the scheduler's job
(``reports.refresh_figures``, each tick) and ``flask --app mla reports warm``.

Each run computes again the default view (default period, no filters, every request,
the instance's language) and the entries read in the last day that are past half the
max age, each as a reader of its scope, in its language; then it deletes the entries
nobody read for a week. A tick is bounded (``REFRESH_PER_TICK`` sections,
``COUNTERPART_REFRESH_PER_TICK`` counterpart lines, ``REFRESH_SECONDS_PER_TICK``): it
also delivers mail.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import delete, select

from mla.auth.models import User
from mla.core.clock import now
from mla.core.db import rows_matched
from mla.core.transaction import unit_of_work
from mla.extensions import db
from mla.reports.figures_store import (
    COMPUTE,
    PAGE_SECTIONS,
    ReportFigures,
    compute,
    figures_key,
    filters_from_json,
    filters_json,
    max_age,
    scope_key,
    store,
)
from mla.reports.filters import parse_filters
from mla.settings import current_settings

log = logging.getLogger(__name__)

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
        ready = compute(reader, section, filters_from_json(filters))
        store(key, section, scope, reader_id, locale, filters, ready, read_at=None)
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
