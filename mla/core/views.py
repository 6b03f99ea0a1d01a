"""The start page: the panels the domains register, in their order."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from mla.core.access import allow_any_user
from mla.core.plugins import Domain, NavEntry, panels

bp = Blueprint("core", __name__)


@bp.route("/")
@allow_any_user
def home() -> ResponseReturnValue:
    return render_template("core/home.html", panels=panels(current_app))


# Core is no domain, but its start page plugs in the same way.
DOMAIN = Domain(name="core", blueprints=(bp,), nav=(NavEntry("core.home", _l("Dashboard"), 10),))
