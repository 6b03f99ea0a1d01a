"""The actor every service takes: a signed-in user, or the system acting alone."""

from __future__ import annotations

from typing import TypeAlias

from mla.auth.models import User
from mla.core.actors import SystemActor

Actor: TypeAlias = User | SystemActor

__all__ = ["Actor", "SystemActor"]
