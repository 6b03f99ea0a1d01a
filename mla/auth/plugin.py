"""Accounts and sign-in: registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mla.auth import cli, models, views
from mla.auth.throttle import init_sign_in_limits
from mla.core.plugins import USER_MENU, Domain, NavEntry

DOMAIN = Domain(
    name="auth",
    models=(models,),
    blueprints=(views.bp,),
    cli=(cli.cli,),
    nav=(
        NavEntry("auth.users", _l("Users"), 10, menu="administration"),
        NavEntry("auth.change_password", _l("Change password"), 40, menu=USER_MENU),
    ),
    setup=init_sign_in_limits,
)
