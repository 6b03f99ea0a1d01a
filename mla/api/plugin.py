"""The JSON API's registration."""

from __future__ import annotations

from mla.api import views
from mla.core.plugins import Domain

DOMAIN = Domain(name="api", blueprints=(views.bp,))
