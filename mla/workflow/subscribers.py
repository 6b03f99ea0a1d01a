"""How the engine takes part in registering a request (``mla.cases.signals``):
it chooses the workflow and first state, then runs the workflow's ``on_start``
effects in the registration's transaction. It also refuses a correction that
would put a request under another workflow (a new legal basis with its own
procedure, e.g. a European arrest warrant)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from mla.auth.actors import Actor
from mla.cases.models import Case
from mla.cases.signals import case_correcting, case_registered, case_registering
from mla.workflow.registry import current, workflow_for, workflow_name_for
from mla.workflow.services import start_case


@case_registering.connect
def choose_workflow(data: Any, **_kwargs: Any) -> dict[str, str]:
    workflow = workflow_for(data.direction, data.kind, data.legal_basis)
    return {"workflow_name": workflow.name, "workflow_version": workflow.version,
            "state": workflow.initial}


@case_registered.connect
def run_start_effects(case: Case, *, actor: Actor, event: Any, **_kwargs: Any) -> None:
    start_case(actor, case, event)


@case_correcting.connect
def keep_the_workflow(case: Case, *, changes: Mapping[str, Any],
                      **_kwargs: Any) -> tuple[str, str] | None:
    """A request keeps the workflow it was registered under: a basis with another
    procedure means registering the request again under it."""
    if "legal_basis" not in changes:
        return None
    wanted = workflow_name_for(case.direction, case.kind, changes["legal_basis"])
    if wanted == case.workflow_name:
        return None
    return ("legal_basis", _(
        "Under %(basis)s this request would follow another procedure (%(procedure)s) than "
        "the one it is in (%(current)s). Register it again under %(basis)s and close this "
        "one.", basis=changes["legal_basis"], procedure=current(wanted).title,
        current=current(case.workflow_name).title))
