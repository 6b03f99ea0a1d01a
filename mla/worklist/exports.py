"""The request list's columns as a table, for CSV and XLSX exports (written the reports'
way: no cell is ever read as a formula or a link).

A selection (at most MAX_SELECTED ticked rows) is a Table in memory. The whole filtered
list is read by ``list_batches``: one SELECT of the columns the export shows (no ORM
objects, nothing sealed to decrypt), fetched EXPORT_BATCH rows at a time from one cursor
(a server-side cursor on PostgreSQL, SQLite's stepping cursor), so memory stays flat
whatever the number of rows and the statement count does not grow with them.

Each day is the one the list's page shows its reader: a request's registration in the
reader's zone (``|day``), its next deadline in the home state's (``|day(deadline=True)``),
both zones read once per export, not per row.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, stream_with_context
from flask_babel import format_number, pgettext
from flask_babel import gettext as _
from sqlalchemy import Select

from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.queries import SORTS, CaseFilters, filtered_cases
from mla.core.db import reset_read_only, set_read_only
from mla.core.text import csv_chunks
from mla.core.zones import home_zone_name, select_timezone, zone_of
from mla.extensions import db
from mla.reference.models import Country
from mla.reports import exports as xlsx
from mla.reports.tables import Table
from mla.workflow.registry import state_label

# Rows fetched from the cursor at once (and written to the CSV as one chunk).
EXPORT_BATCH = 1000

# Labels a row turns codes into, computed once per export (a workflow state's words).
Labels = dict[tuple[Any, ...], str]

# Where a Labels holds the zone the export's reader reads registration days in (the list's
# ``|day``), set once per export.
READER_ZONE = ("zone", "reader")


@dataclass(frozen=True)
class ListShape:
    """What one list of requests shows, as an export: the same columns as its page, no
    more. ``columns`` are selected beside ``Case`` from Case, Country (the counterpart)
    and User (the assignee, outer-joined only when ``with_assignee``); ``row`` turns one
    selected row into the export's cells; ``order`` is the list's order for the filters."""

    name: str
    header: Callable[[], list[str]]
    columns: tuple[Any, ...]
    row: Callable[[Sequence[Any], Labels], list[Any]]
    order: Callable[[CaseFilters], Sequence[Any]]
    with_assignee: bool = False


def list_columns() -> list[str]:
    return [_("Reference"), _("Title"), _("Counterpart"),
            pgettext("a request's place in its workflow", "State"), _("Assigned to"),
            _("Registered"), _("Next due"), _("Urgent")]


def local_day(value: datetime, zone_name: str) -> str:
    """The day ``value`` (an instant; naive is UTC, as stored) falls on in ``zone_name``."""
    instant = value if value.tzinfo else value.replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(zone_name)).date().isoformat()


def day_cell(value: datetime | None, zone_name: str | None = None) -> str:
    """A request's next deadline day as its list shows it: in the home state's zone
    (``|day(deadline=True)``: the request keeps the instant, not its deadline's zone),
    ``zone_name`` when given. The home zone is read once per request (and process)."""
    return local_day(value, zone_name or home_zone_name()) if value else ""


def registered_cell(labels: Labels, value: datetime) -> str:
    """A request's registration day in the export's reader's zone (``READER_ZONE``), the
    one the list's ``|day`` shows them."""
    return local_day(value, labels.get(READER_ZONE) or select_timezone())


def urgent_cell(is_urgent: bool) -> str:
    return _("urgent") if is_urgent else ""


def state_cell(labels: Labels, workflow: str, state: str) -> str:
    label = labels.get((workflow, state))
    if label is None:
        label = labels[(workflow, state)] = state_label(workflow, state)
    return label


def _row(labels: Labels, reference: str, title: str, country: str | None, state: str,
         assignee: str | None, created_at: datetime, next_due_at: datetime | None,
         is_urgent: bool) -> list[Any]:
    return [reference, title, country or "", state, assignee or "",
            registered_cell(labels, created_at), day_cell(next_due_at),
            urgent_cell(is_urgent)]


def export_labels(actor: User | None) -> Labels:
    """An export's labels, with its reader's zone (``actor``'s, else the page's)."""
    return {READER_ZONE: zone_of(actor) if actor is not None else select_timezone()}


def list_table(cases: list[Case]) -> Table:
    labels = export_labels(None)
    rows = [_row(labels, case.reference, case.title,
                 case.country.name if case.country else None,
                 state_label(case.workflow_name, case.state),
                 case.assignee.display_name if case.assignee else None,
                 case.created_at, case.next_due_at, case.is_urgent) for case in cases]
    return Table("requests", _("Requests"), list_columns(), rows,
                 links=[case.reference for case in cases])


def _staff_row(values: Sequence[Any], labels: Labels) -> list[Any]:
    (reference, title, country, workflow, state, assignee, created_at, next_due_at,
     is_urgent) = values
    return _row(labels, reference, title, country, state_cell(labels, workflow, state),
                assignee, created_at, next_due_at, is_urgent)


# The staff's request list (/requests/).
REQUEST_LIST = ListShape(
    name="requests", header=list_columns,
    columns=(Case.reference, Case.title, Country.name, Case.workflow_name, Case.state,
             User.display_name, Case.created_at, Case.next_due_at, Case.is_urgent),
    row=_staff_row, order=lambda filters: SORTS[filters.sort], with_assignee=True)


def _export_statement(actor: User, filters: CaseFilters,
                      shape: ListShape) -> Select[*tuple[Any, ...]]:
    """The list's requests (the actor's visibility, the filters, the list's order), as the
    export's columns only."""
    stmt = filtered_cases(actor, filters).with_only_columns(
        *shape.columns, maintain_column_froms=False,
    ).select_from(Case).outerjoin(Country, Country.code == Case.counterpart_country)
    if shape.with_assignee:
        stmt = stmt.outerjoin(User, User.id == Case.assignee_id)
    return stmt.order_by(*shape.order(filters))


def list_batches(actor: User, filters: CaseFilters, batch: int | None = None,
                 shape: ListShape = REQUEST_LIST) -> Generator[list[list[Any]], None, None]:
    """The whole filtered list, in its order, as lists of at most ``batch`` rows.

    The statement is built now (the actor's visibility and any lookups the filters need,
    e.g. persons named by ``q``); its rows are read as the iterator is consumed, which
    may be after the request's commit (a streamed response): then in a transaction of
    their own, still one statement, so one snapshot on PostgreSQL.
    """
    return _batches(_export_statement(actor, filters, shape), shape, batch or EXPORT_BATCH,
                    export_labels(actor))


def _batches(stmt: Select[*tuple[Any, ...]], shape: ListShape, batch: int,
             labels: Labels) -> Generator[list[list[Any]], None, None]:
    # Read after the request's teardown has reset its read-only flag (a streamed body
    # outlives it): a transaction begun now would be SQLite's BEGIN IMMEDIATE, holding
    # the write lock for the whole export. It is a read: say so for the statement that
    # begins it (no yield in between, so the flag is reset in the context that set it).
    token = set_read_only(True)
    try:
        result = db.session.execute(stmt.execution_options(yield_per=batch))
    finally:
        reset_read_only(token)
    try:
        for partition in result.partitions():
            yield [shape.row(values, labels) for values in partition]
    finally:
        result.close()


def export_response(fmt: str, shape: ListShape,
                    batches: Generator[list[list[Any]], None, None]) -> Response:
    """The whole list as a download (``fmt``: csv or xlsx). Both are read when the
    response is, after the request's commit: the CSV sent as its rows are read, the XLSX
    written row by row to a temporary file (a workbook is a zip, finished only at its
    end), up to a worksheet's limit, then sent."""
    header = shape.header()
    body: Iterator[str] | Iterator[bytes]
    if fmt == "csv":
        body, mimetype = csv_chunks(header, batches), "text/csv"
    else:
        body, mimetype = xlsx.xlsx_chunks(shape.name, header, batches, _(
            "This list has more than %(num)s requests, the most one worksheet holds: the "
            "first %(num)s are here. Export it as CSV to have them all, or narrow the "
            "filters.", num=format_number(xlsx.XLSX_MAX_ROWS))), xlsx.XLSX_MIMETYPE
    return Response(stream_with_context(body), mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=comity-{shape.name}.{fmt}"})
