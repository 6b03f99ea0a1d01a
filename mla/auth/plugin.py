"""Accounts and sign-in: registration."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from mla.auth import cli, models, views
from mla.auth.enrolment import init_enrolment
from mla.auth.throttle import init_sign_in_limits
from mla.core.plugins import USER_MENU, Domain, NavEntry, Panel


def _setup(app: Flask) -> None:
    init_sign_in_limits(app)
    init_enrolment(app)


DOMAIN = Domain(
    name="auth",
    models=(models,),
    blueprints=(views.bp,),
    cli=(cli.cli,),
    nav=(
        NavEntry("auth.users", _l("Users"), 10, menu="administration"),
        NavEntry("auth.change_password", _l("Change password"), 40, menu=USER_MENU),
        NavEntry("auth.two_factor_page", _l("Two-step sign-in"), 41, menu=USER_MENU),
        NavEntry("auth.language", _l("Language"), 42, menu=USER_MENU),
        NavEntry("auth.time_zone", _l("Time zone"), 43, menu=USER_MENU),
    ),
    panels=(Panel("auth/_two_factor_off.html", 0),),
    setup=_setup,
)
