"""The JSON API's registration: importing its route modules attaches their routes
to the one API blueprint (mla.api.blueprint) before it is registered."""

from __future__ import annotations

from mla.api import (
    case_edits,
    deadlines,
    dualcrim,
    letters,
    openapi,
    persons,
    transitions,
    views,
)
from mla.api.blueprint import bp
from mla.core.plugins import Domain

ROUTES = (views, case_edits, dualcrim, openapi, transitions, deadlines, letters, persons)

DOMAIN = Domain(name="api", blueprints=(bp,))
