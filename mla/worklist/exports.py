"""The request list's columns as a table, for CSV and XLSX exports (written the reports'
way: no cell is ever read as a formula or a link).

A selection (at most MAX_SELECTED ticked rows) is a Table in memory. The whole filtered
list is read by ``list_batches``: one SELECT of the columns the export shows (no ORM
objects, nothing sealed to decrypt), fetched EXPORT_BATCH rows at a time from one cursor
(a server-side cursor on PostgreSQL, SQLite's stepping cursor), so memory stays flat
whatever the number of rows and the statement count does not grow with them.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select

from mla.auth.models import User
from mla.cases.models import Case
from mla.cases.queries import SORTS, CaseFilters, filtered_cases
from mla.extensions import db
from mla.reference.models import Country
from mla.reports.tables import Table
from mla.workflow.registry import state_label

# Rows fetched from the cursor at once (and written to the CSV as one chunk).
EXPORT_BATCH = 1000


def list_columns() -> list[str]:
    return [_("Reference"), _("Title"), _("Counterpart"), _("State"), _("Assigned to"),
            _("Registered"), _("Next due"), _("Urgent")]


def _row(reference: str, title: str, country: str | None, state: str, assignee: str | None,
         created_at: datetime, next_due_at: datetime | None, is_urgent: bool) -> list[Any]:
    return [reference, title, country or "", state, assignee or "",
            created_at.date().isoformat(),
            next_due_at.date().isoformat() if next_due_at else "",
            _("urgent") if is_urgent else ""]


def list_table(cases: list[Case]) -> Table:
    rows = [_row(case.reference, case.title, case.country.name if case.country else None,
                 state_label(case.workflow_name, case.state),
                 case.assignee.display_name if case.assignee else None,
                 case.created_at, case.next_due_at, case.is_urgent) for case in cases]
    return Table("requests", _("Requests"), list_columns(), rows,
                 links=[case.reference for case in cases])


def _export_statement(actor: User, filters: CaseFilters) -> Select[*tuple[Any, ...]]:
    """The list's requests (its visibility and filters, its order), as the export's
    columns only."""
    return filtered_cases(actor, filters).with_only_columns(
        Case.reference, Case.title, Country.name, Case.workflow_name, Case.state,
        User.display_name, Case.created_at, Case.next_due_at, Case.is_urgent,
        maintain_column_froms=False,
    ).select_from(Case).outerjoin(Country, Country.code == Case.counterpart_country) \
        .outerjoin(User, User.id == Case.assignee_id).order_by(*SORTS[filters.sort])


def list_batches(actor: User, filters: CaseFilters,
                 batch: int | None = None) -> Generator[list[list[Any]], None, None]:
    """The whole filtered list, in its order, as lists of at most ``batch`` rows.

    The statement is built now (the actor's visibility and any lookups the filters need,
    e.g. persons named by ``q``); its rows are read as the iterator is consumed, which
    may be after the request's commit (a streamed response): then in a transaction of
    their own, still one statement, so one snapshot on PostgreSQL.
    """
    return _batches(_export_statement(actor, filters), batch or EXPORT_BATCH)


def _batches(stmt: Select[*tuple[Any, ...]], batch: int) -> Generator[list[list[Any]], None, None]:
    labels: dict[tuple[str, str], str] = {}
    result = db.session.execute(stmt.execution_options(yield_per=batch))
    try:
        for partition in result.partitions():
            rows = []
            for (reference, title, country, workflow, state, assignee, created_at,
                 next_due_at, is_urgent) in partition:
                label = labels.get((workflow, state))
                if label is None:
                    label = labels[(workflow, state)] = state_label(workflow, state)
                rows.append(_row(reference, title, country, label, assignee, created_at,
                                 next_due_at, is_urgent))
            yield rows
    finally:
        result.close()
