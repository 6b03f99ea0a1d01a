"""Requests (cases): registration, with the request constants pages use."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.cases import models, views
from mla.cases.constants import DIRECTIONS, KINDS, MEASURES, PERSON_ROLES
from mla.cases.queries import COUNT_LIMIT, dashboard_counts
from mla.core.plugins import Domain, NavEntry, Panel

DOMAIN = Domain(
    name="cases",
    models=(models,),
    blueprints=(views.bp,),
    nav=(
        # Prosecutors reach their requests through the portal's list.
        NavEntry("cases.index", _l("Requests"), 20, hidden_for=frozenset({"prosecutor"})),
        NavEntry("cases.new", _l("Register"), 30),
    ),
    panels=(Panel("cases/_dashboard.html", 10),),
    template_globals={"DIRECTIONS": DIRECTIONS, "KINDS": KINDS, "MEASURES": MEASURES,
                      "PERSON_ROLES": PERSON_ROLES, "dashboard_counts": dashboard_counts,
                      "count_limit": COUNT_LIMIT},
)
