"""The document store's registration."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.documents import cli, models, views

DOMAIN = Domain(name="documents", models=(models,), blueprints=(views.bp,), cli=(cli.cli,))
