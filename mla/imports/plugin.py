"""Importing a legacy register (CLI `cases import` and Administration > Import)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, NavEntry
from mla.imports import cli, views

DOMAIN = Domain(
    name="imports",
    blueprints=(views.bp,),
    cli=(cli.cli,),
    nav=(NavEntry("imports.index", _l("Import a register"), 40, menu="administration"),),
)
