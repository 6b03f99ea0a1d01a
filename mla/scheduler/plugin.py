"""The scheduler's registration: its CLI, and the in-process dispatcher under
`flask run` (it runs the jobs other domains register)."""

from __future__ import annotations

from mla.core.plugins import Domain
from mla.scheduler import cli
from mla.scheduler.runner import start_with_dev_server

DOMAIN = Domain(name="scheduler", cli=(cli.cli,), setup=start_with_dev_server)
