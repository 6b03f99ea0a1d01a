"""Deadlines' registration: clock effects, pages, the reminder scan on each tick."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from mla.core.plugins import USER_MENU, Domain, Job, NavEntry, Panel, Tick
from mla.deadlines import hooks, letters, models, subscribers, views
from mla.deadlines.reminders import scan_deadlines
from mla.deadlines.rules import get_rule


def rule_title(code: str | None, as_written: bool = False) -> str:
    """A rule's title for pages, in the page's language (``as_written``: the file's
    English, as timelines stored it); unknown codes humanised."""
    if not code:
        return ""
    try:
        rule = get_rule(code)
        return rule.title if as_written else rule.title_text
    except (KeyError, LookupError, ValueError):
        return code.replace("_", " ")


def _scan(tick: Tick) -> Mapping[str, int]:
    return {"points": scan_deadlines()}


DOMAIN = Domain(
    name="deadlines",
    models=(models,),
    blueprints=(views.bp,),
    # subscribers: receivers of cases' signals; letters: of notifications' signals
    hooks=(hooks, subscribers, letters),
    nav=(
        NavEntry("deadlines.custody", _l("Custody"), 15),
        NavEntry("deadlines.rules", _l("Deadline rules"), 60, menu="reference"),
        NavEntry("deadlines.time_zones", _l("Time zones of deadlines"), 70, menu="reference"),
        NavEntry("deadlines.calendar", _l("Calendar feed"), 20, menu=USER_MENU),
    ),
    # Custody first among the sections (after only the two-factor banner, 0).
    panels=(Panel("deadlines/_custody_panel.html", 5), Panel("deadlines/_dashboard.html", 20)),
    jobs=(Job("deadlines.scan", 20, _scan),),
    template_globals={"rule_title": rule_title,
                      # a correction's clock lines, worded when read
                      "clock_consequence": subscribers.clock_consequence},
)
