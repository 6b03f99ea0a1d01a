"""Audit's registration: its table."""

from __future__ import annotations

from mla.audit import models
from mla.core.plugins import Domain

DOMAIN = Domain(name="audit", models=(models,))
