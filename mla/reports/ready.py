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

This module is what the pages, the API and the exports read through; the rest lives
beside it, each importing only those before it:

- ``mla.reports.figures_codec``: the payload's JSON codec;
- ``mla.reports.figures_store``: the sections, the ``report_figures`` model, an entry's
  key and scope, and writing entries once the unit of work committed;
- ``mla.reports.figures_refresh``: the scheduler's refresh and ``reports warm``.

Their public names are importable from here too, as they always were.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from mla.auth.models import User
from mla.cases.models import Case
from mla.core.clock import now
from mla.extensions import db
from mla.reports.figures_codec import decode, dumps, encode, loads
from mla.reports.figures_refresh import (
    COUNTERPART_REFRESH_PER_TICK,
    PRUNE_UNREAD_FOR,
    REFRESH_PER_TICK,
    REFRESH_READ_WITHIN,
    REFRESH_SECONDS_PER_TICK,
    refresh_figures,
    staff_reader,
)
from mla.reports.figures_store import (
    COMPUTE,
    FORMAT_VERSION,
    PAGE_SECTIONS,
    REVIEW_BASES,
    WITHOUT_WORDS,
    Ready,
    ReportFigures,
    compute,
    drop_all,
    entry_locale,
    figures_key,
    filters_from_json,
    filters_json,
    mark_read,
    max_age,
    pending,
    scope_key,
    store,
    stored,
)
from mla.reports.filters import ReportFilters
from mla.reports.locks import lock_view
from mla.reports.queries import (
    CounterpartHistory,
    CounterpartRecord,
    counterpart_filters,
    includes,
    own_part,
    record_without,
)

__all__ = [
    "COMPUTE",
    "COUNTERPART_REFRESH_PER_TICK",
    "FORMAT_VERSION",
    "PAGE_SECTIONS",
    "PRUNE_UNREAD_FOR",
    "READ_MARK_EVERY",
    "RECOMPUTE_EVERY",
    "REFRESH_PER_TICK",
    "REFRESH_READ_WITHIN",
    "REFRESH_SECONDS_PER_TICK",
    "REVIEW_BASES",
    "WITHOUT_WORDS",
    "Ready",
    "ReportFigures",
    "computed_lately",
    "counterpart_record_ready",
    "decode",
    "drop_all",
    "dumps",
    "encode",
    "figures",
    "figures_key",
    "filters_from_json",
    "filters_json",
    "loads",
    "max_age",
    "oldest",
    "page_figures",
    "refresh_figures",
    "scope_key",
    "staff_reader",
]

# last_read_at is written at most this often per entry: a read stays a read.
READ_MARK_EVERY = timedelta(minutes=1)
# "Recompute now" is refused for a view whose figures are all younger than this: each
# recompute of the Reports page costs seconds of database time (12 s at a million).
RECOMPUTE_EVERY = timedelta(seconds=60)


def figures(actor: User, section: str, f: ReportFilters, *, recompute: bool = False) -> Ready:
    """The section's figures for this reader and view: from storage while younger than
    the max age, else computed and stored (``recompute``: computed whatever their age)."""
    age = max_age()
    if age <= 0:
        return compute(actor, section, f)
    scope, filters = scope_key(actor), filters_json(f)
    locale = entry_locale(section)
    key = figures_key(section, scope, filters, locale)
    current = now()
    if not recompute:
        computed = pending(key)
        if computed is not None:  # computed earlier in this unit of work, not stored yet
            return computed
        found = stored(key, current - timedelta(seconds=age))
        if found is not None:
            ready, last_read_at = found
            if current - last_read_at >= READ_MARK_EVERY:
                mark_read(key)
            return ready
    if lock_view(key):
        # Another reader was computing this view meanwhile: its figures, once stored (a
        # recompute takes them only if they were computed since it was asked for).
        fresher_than = current - (timedelta(microseconds=1) if recompute
                                  else timedelta(seconds=age))
        found = stored(key, fresher_than, fresh=True)
        if found is not None:
            return found[0]
    ready = compute(actor, section, f)
    store(key, section, scope, None if scope == "all" else actor.id, locale, filters, ready,
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
    keys = [figures_key(name, scope, filters, entry_locale(name)) for name in sections]
    fresh = db.session.scalar(
        select(func.count()).select_from(ReportFigures)
        .where(ReportFigures.key.in_(keys),
               ReportFigures.computed_at > now() - RECOMPUTE_EVERY))
    return bool(keys) and fresh == len(set(keys))


def oldest(readies: Iterable[Ready]) -> datetime | None:
    """When the oldest of these figures were computed (what a page says of them all)."""
    return min((r.computed_at for r in readies), default=None)
