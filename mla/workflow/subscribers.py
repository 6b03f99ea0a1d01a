"""How the engine takes part in registering a request (``mla.cases.signals``):
it chooses the workflow and first state, then runs the workflow's ``on_start``
effects in the registration's transaction."""

from __future__ import annotations

from typing import Any

from mla.cases.models import Case
from mla.cases.signals import case_registered, case_registering
from mla.workflow.registry import workflow_for
from mla.workflow.services import start_case


@case_registering.connect
def choose_workflow(data: Any, **_kwargs: Any) -> dict[str, str]:
    workflow = workflow_for(data.direction, data.kind, data.legal_basis)
    return {"workflow_name": workflow.name, "workflow_version": workflow.version,
            "state": workflow.initial}


@case_registered.connect
def run_start_effects(case: Case, *, actor: Any, event: Any, **_kwargs: Any) -> None:
    start_case(actor, case, event)
