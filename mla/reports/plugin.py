"""The reports domain: the Reports page, its exports, and its JSON twins on the API
blueprint (importing mla.reports.api attaches them before the blueprint is registered)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, NavEntry
from mla.reports import api, cli, links, summary, views
from mla.reports.tables import counterpart_line

ROUTES = (api,)

DOMAIN = Domain(
    name="reports",
    blueprints=(views.bp,),
    cli=(cli.cli,),
    models=(summary,),  # its mapper hook keeps the summary with the history
    hooks=(links,),  # the request list reads the reports' filters
    nav=(NavEntry("reports.index", _l("Reports"), 65),
         NavEntry("reports.office", _l("Figures"), 66)),  # prosecutors
    template_globals={"counterpart_line": counterpart_line},
)
