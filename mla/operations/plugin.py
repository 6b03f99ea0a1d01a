"""The operations domain's registration: its command-line groups."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.operations import backup_cli, keys_cli

DOMAIN = Domain(name="operations", cli=(keys_cli.cli, backup_cli.cli))
