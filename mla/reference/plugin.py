"""Reference data's registration: tables and the `reference` CLI group."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.reference import cli, models

DOMAIN = Domain(name="reference", models=(models,), cli=(cli.cli,))
