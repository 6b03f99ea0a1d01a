"""Dual criminality's registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, NavEntry
from mla.dualcrim import cli, hooks, models, views

DOMAIN = Domain(
    name="dualcrim",
    models=(models,),
    blueprints=(views.bp,),
    cli=(cli.cli,),
    hooks=(hooks,),
    nav=(
        NavEntry("dualcrim.check", _l("Dual criminality check"), 20, menu="reference"),
        NavEntry("dualcrim.catalogue_index", _l("Offence catalogues"), 30, menu="reference"),
        NavEntry("dualcrim.iccs", _l("ICCS taxonomy"), 40, menu="reference"),
        NavEntry("dualcrim.settings", _l("Dual criminality settings"), 30,
                 menu="administration"),
    ),
)
