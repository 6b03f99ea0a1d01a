"""Whoever must sign in in two steps and has not set it up does nothing else first.

A ``before_request`` hook after the access gate: a signed-in browser user whose role is
in MLA_REQUIRE_2FA_ROLES and who has no second factor is sent to the enrolment page
from every page but that one and sign-out. API tokens are unaffected (integrations
authenticate with their token alone).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from mla.auth.two_factor import must_enrol
from mla.core.access import ROLES
from mla.core.errors import is_api_request
from mla.settings import ConfigError, Settings, current_settings

ENROLMENT_ENDPOINT = "auth.two_factor_page"
OPEN_UNTIL_ENROLLED = frozenset({ENROLMENT_ENDPOINT, "auth.logout", "static"})


def send_to_enrolment() -> Any:
    endpoint = request.endpoint
    if (endpoint is None or endpoint in OPEN_UNTIL_ENROLLED or endpoint.endswith(".static")
            or is_api_request()):
        return None
    if not current_user.is_authenticated or not must_enrol(current_user):
        return None
    return redirect(url_for(ENROLMENT_ENDPOINT))


def init_enrolment(app: Flask) -> None:
    settings: Settings = app.extensions["mla.settings"]
    unknown = settings.require_2fa_roles - set(ROLES)
    if unknown:
        raise ConfigError(f"MLA_REQUIRE_2FA_ROLES names unknown roles: {', '.join(sorted(unknown))}"
                          f" (roles are {', '.join(ROLES)}, or 'none').")
    app.before_request(send_to_enrolment)
    app.jinja_env.globals["two_factor_off_for_admins"] = two_factor_off_for_admins


def two_factor_off_for_admins() -> bool:
    """The demo's (or a sandbox's) banner: administrators sign in with a password alone."""
    return "admin" not in current_settings().require_2fa_roles
