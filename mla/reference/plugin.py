"""Reference data's registration: tables and the `reference` CLI group."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.reference import cli, models
from mla.reference.queries import instrument_name

DOMAIN = Domain(name="reference", models=(models,), cli=(cli.cli,),
                template_globals={"instrument_name": instrument_name})
