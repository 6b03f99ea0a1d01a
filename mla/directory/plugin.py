"""The directory of authorities' registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, NavEntry
from mla.directory import models, views

DOMAIN = Domain(
    name="directory",
    models=(models,),
    blueprints=(views.bp,),
    nav=(NavEntry("directory.index", _l("Directory of authorities"), 10, menu="reference"),),
)
