"""The training sandbox's registration: pages, CLI, the deployment check and, in a
sandbox only, the simulated counterpart on each scheduler tick."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from mla.core.plugins import Domain, Job, NavEntry, Tick
from mla.core.transaction import unit_of_work
from mla.sandbox import cli, export_views, models, subscribers, views
from mla.sandbox.counterpart import run_counterpart
from mla.sandbox.guard import check_deployment
from mla.sandbox.letters import checklist_for, letters_for
from mla.sandbox.scenario import deliver_arrivals


def _counterpart(tick: Tick) -> Mapping[str, int]:
    """The simulated counterpart answers before deadlines are scanned, so the
    standalone scheduler process and the trainer's button behave alike."""
    with unit_of_work():
        arrived = deliver_arrivals()  # requests the pack schedules for the day reached
        return {"counterpart_steps": run_counterpart(), "requests_arrived": arrived}


def _in_sandbox(settings: Any) -> bool:
    return bool(settings.is_sandbox)


def _training(endpoint: str, label: Any, order: int) -> NavEntry:
    return NavEntry(endpoint, label, order, menu="training", sandbox_only=True)


DOMAIN = Domain(
    name="sandbox",
    models=(models,),
    hooks=(subscribers,),  # each trainee on their own copy (cases' and auth's signals)
    blueprints=(views.bp, export_views.bp),  # export_views: production instances too
    cli=(cli.cli,),
    nav=(
        _training("sandbox.console", _l("Trainer console"), 10),
        _training("sandbox.progress", _l("Class progress"), 20),
        _training("sandbox.class_accounts", _l("Class accounts"), 30),
        _training("sandbox.my_exercises", _l("My exercises"), 40),
        _training("sandbox.outbox", _l("Training outbox"), 50),
    ),
    jobs=(Job("sandbox.counterpart", 10, _counterpart, when=_in_sandbox),),
    # The counterpart's letters on the request page (none outside a sandbox).
    template_globals={"counterpart_letters": letters_for,
                      "counterpart_checklist": checklist_for},
    setup=check_deployment,  # sandbox and production never share a database or key ring
)
