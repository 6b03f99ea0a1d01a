"""A prosecutor's "my requests" (the portal's list) as CSV and XLSX: the columns that list
shows, no more (no assignee), in its order, read by the request list's export machinery
with the list's visibility (for a prosecutor: their office's requests only).

Here rather than in mla.portal: the machinery uses the reports' spreadsheet writer, and
the reports reach the portal (through the API), so the portal importing it would close a
loop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _

from mla.cases.constants import DIRECTIONS
from mla.cases.models import Case
from mla.cases.queries import CaseFilters
from mla.portal.serializers import PORTAL_ORDER
from mla.portal.status import stage_for
from mla.reference.models import Country
from mla.worklist.exports import Labels, ListShape, day_cell, state_cell, urgent_cell


def portal_columns() -> list[str]:
    return [_("Reference"), _("Title"), _("Direction"), _("Other state"),
            _("Where it stands"), _("Waiting on"), _("Next due"), _("Urgent")]


def _waiting_on(labels: Labels, workflow: str, direction: str, state: str,
                is_closed: bool) -> str:
    key = ("waiting_on", workflow, direction, state, is_closed)
    label = labels.get(key)
    if label is None:
        label = labels[key] = str(stage_for(workflow, direction, state,
                                            is_closed=is_closed).waiting_on_label)
    return label


def _portal_row(values: Sequence[Any], labels: Labels) -> list[Any]:
    (reference, title, direction, country, workflow, state, is_closed, next_due_at,
     is_urgent) = values
    return [reference, title, str(DIRECTIONS.get(direction, direction)), country or "",
            state_cell(labels, workflow, state),
            _waiting_on(labels, workflow, direction, state, is_closed),
            day_cell(next_due_at), urgent_cell(is_urgent)]


def _order(_filters: CaseFilters) -> Sequence[Any]:
    return PORTAL_ORDER


PORTAL_LIST = ListShape(
    name="my-requests", header=portal_columns,
    columns=(Case.reference, Case.title, Case.direction, Country.name, Case.workflow_name,
             Case.state, Case.is_closed, Case.next_due_at, Case.is_urgent),
    row=_portal_row, order=_order)
