"""Audit's registration: its table, the trail's page and `audit verify`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.audit import cli, models, views
from mla.audit.refusals import init_refusal_audit
from mla.core.plugins import Domain, NavEntry

DOMAIN = Domain(
    name="audit",
    models=(models,),
    blueprints=(views.bp,),
    cli=(cli.cli,),
    nav=(NavEntry("audit.trail", _l("Audit trail"), 30, menu="administration"),),
    setup=init_refusal_audit,
)
