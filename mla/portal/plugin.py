"""The prosecutors' portal's registration (with API tokens)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.core.plugins import USER_MENU, Domain, NavEntry
from mla.portal import models, tokens, views

DOMAIN = Domain(
    name="portal",
    models=(models,),
    blueprints=(views.bp, tokens.bp),
    nav=(
        NavEntry("portal.index", _l("My requests"), 40),
        NavEntry("portal.review_queue", _l("Drafts to review"), 70),
        NavEntry("tokens.everyone", _l("API tokens"), 20, menu="administration"),
        NavEntry("tokens.mine", _l("My API tokens"), 30, menu=USER_MENU),
    ),
)
