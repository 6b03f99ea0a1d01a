"""Disabled accounts a scenario acts as (the simulated counterpart authorities): they
appear in history and never sign in."""

from __future__ import annotations

import secrets

from mla.auth.models import User
from mla.auth.services import create_user, get_user_by_username
from mla.core.access import Role
from mla.core.actors import SystemActor
from mla.extensions import db

COUNTERPART_PREFIX = "counterpart."
SANDBOX = SystemActor("sandbox")


def persona(username: str, display_name: str, role: str) -> User:
    """A disabled account the scenario acts as: it appears in history, never signs in."""
    user = get_user_by_username(username)
    if user is None:
        user = create_user(SANDBOX, username=username, password=secrets.token_urlsafe(24),
                           role=role, display_name=display_name)
    user.display_name = display_name
    user.role = Role(role)
    user.is_enabled = False
    db.session.flush()
    return user


def counterpart_persona(code: str, name: str) -> User:
    return persona(f"{COUNTERPART_PREFIX}{code.lower()}",
                   f"Central authority of {name} (simulated)", "caseworker")
