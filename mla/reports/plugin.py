"""The reports domain: the Reports page, its exports, and its JSON twins on the API
blueprint (importing mla.reports.api attaches them before the blueprint is registered)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, Job, NavEntry, Tick
from mla.reports import api, cli, links, ready, summary, views
from mla.reports.tables import counterpart_line


def _refresh(tick: Tick) -> Mapping[str, int]:
    """Figures read lately computed again before they expire (bounded per tick)."""
    return ready.refresh_figures()


def _figures_kept(settings: Any) -> bool:
    return settings.report_figures_max_age > 0  # 0: computed on every read, none kept

ROUTES = (api,)

DOMAIN = Domain(
    name="reports",
    blueprints=(views.bp,),
    cli=(cli.cli,),
    models=(summary, ready),  # summary's mapper hook keeps it with the history
    hooks=(links,),  # the request list reads the reports' filters
    nav=(NavEntry("reports.index", _l("Reports"), 65),
         NavEntry("reports.office", _l("Figures"), 66)),  # prosecutors
    # After the deadlines' scan and the outbox's dispatch: figures can wait, mail less.
    jobs=(Job("reports.refresh_figures", 40, _refresh, when=_figures_kept),),
    template_globals={"counterpart_line": counterpart_line},
)
