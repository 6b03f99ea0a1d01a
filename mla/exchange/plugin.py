"""The exchange between central authorities' registration."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.exchange import cli, hooks, models

DOMAIN = Domain(
    name="exchange",
    models=(models,),
    cli=(cli.cli,),
    hooks=(hooks,),
)
