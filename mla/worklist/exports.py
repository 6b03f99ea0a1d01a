"""The request list's columns as a table, for CSV and XLSX exports of a selection
(written the reports' way: no cell is ever read as a formula or a link)."""

from __future__ import annotations

from flask_babel import gettext as _

from mla.cases.models import Case
from mla.reports.tables import Table
from mla.workflow.registry import state_label


def list_table(cases: list[Case]) -> Table:
    columns = [_("Reference"), _("Title"), _("Counterpart"), _("State"), _("Assigned to"),
               _("Registered"), _("Next due"), _("Urgent")]
    rows = [[
        case.reference, case.title, case.country.name if case.country else "",
        state_label(case.workflow_name, case.state),
        case.assignee.display_name if case.assignee else "",
        case.created_at.date().isoformat(),
        case.next_due_at.date().isoformat() if case.next_due_at else "",
        _("urgent") if case.is_urgent else "",
    ] for case in cases]
    return Table("requests", _("Requests"), columns, rows,
                 links=[case.reference for case in cases])
