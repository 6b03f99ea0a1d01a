"""Demo data's registration: the `demo` CLI group."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.demo import cli

DOMAIN = Domain(name="demo", cli=(cli.cli,))
