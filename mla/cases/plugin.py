"""Requests (cases): registration, with the request constants pages use."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from mla.cases import models, searches, tally, views
from mla.cases.constants import DIRECTIONS, KINDS, MEASURES, PERSON_ROLES
from mla.cases.queries import COUNT_LIMIT, dashboard_counts
from mla.core.plugins import Domain, Job, NavEntry, Panel, Tick
from mla.core.transaction import unit_of_work


def _fold_tally(tick: Tick) -> Mapping[str, int]:
    """The number of requests kept in one row again (mla/cases/tally.py)."""
    with unit_of_work():
        return {"tally_rows_folded": tally.fold()}


DOMAIN = Domain(
    name="cases",
    models=(models, searches),
    blueprints=(views.bp,),
    nav=(
        # Prosecutors reach their requests through the portal's list.
        NavEntry("cases.index", _l("Requests"), 20, hidden_for=frozenset({"prosecutor"})),
        NavEntry("cases.new", _l("Register"), 30),
    ),
    panels=(Panel("cases/_dashboard.html", 10),),
    jobs=(Job("cases.fold_tally", 50, _fold_tally),),
    template_globals={"DIRECTIONS": DIRECTIONS, "KINDS": KINDS, "MEASURES": MEASURES,
                      "PERSON_ROLES": PERSON_ROLES, "dashboard_counts": dashboard_counts,
                      "count_limit": COUNT_LIMIT},
)
