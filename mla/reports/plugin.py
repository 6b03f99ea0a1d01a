"""The reports domain: its JSON twins on the API blueprint (importing mla.reports.api
attaches them before the blueprint is registered)."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.reports import api

ROUTES = (api,)

DOMAIN = Domain(name="reports")
