"""The document store's registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, NavEntry
from mla.documents import cli, hooks, models, views

DOMAIN = Domain(name="documents", models=(models,), blueprints=(views.bp,), cli=(cli.cli,),
                hooks=(hooks,),
                nav=(NavEntry("documents.letterhead", _l("Letterhead"), 56,
                              menu="administration"),))
