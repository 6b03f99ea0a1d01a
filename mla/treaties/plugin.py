"""Treaties' registration: ratifications, reservations, bilateral treaties, their pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, NavEntry
from mla.treaties import models, views

DOMAIN = Domain(
    name="treaties",
    models=(models,),
    blueprints=(views.bp,),
    nav=(
        NavEntry("treaties.parties", _l("Parties and reservations"), 40, menu="reference"),
        NavEntry("treaties.treaties", _l("Bilateral treaties"), 50, menu="reference"),
    ),
)
