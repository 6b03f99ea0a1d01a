"""Reopening a closed request: a supervisor's decision, with the reason, on the record."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.cases.models import Case
from mla.cases.services import add_event
from mla.cases.validation import Refused
from mla.core.clock import now
from mla.core.db import rows_matched
from mla.core.errors import Conflict, ServiceError
from mla.extensions import db

REOPENING_ROLES = frozenset({"supervisor"})


def reopen_case(actor: Actor, case: Case, reason: str, expected_version: int) -> str:
    """A supervisor reopens a closed request, back in the state it was closed from.

    Clocks stopped at closing stay stopped; the workflow's steps start new ones.
    Returns the state the request is back in.
    """
    if getattr(actor, "role", None) not in REOPENING_ROLES:
        raise ServiceError(_("Only a supervisor can reopen a closed request."),
                           code="forbidden", status=403)
    if not case.is_closed:
        raise ServiceError(_("This request is not closed."), code="not_closed", status=409)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("reason", _("Say why the request is reopened."))
    closing = next((e for e in reversed(case.events)
                    if e.kind == "transition" and e.to_state == case.state and e.from_state),
                   None)
    if closing is None:
        raise ServiceError(_("The step that closed this request is not in its history, so "
                             "it cannot be reopened."), code="invalid")
    closed_state = case.state
    at = now()
    taken = db.session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == expected_version, Case.is_closed.is_(True))
        .values(version=Case.version + 1, updated_at=at, is_closed=False,
                state=closing.from_state)
        .execution_options(synchronize_session=False))
    if rows_matched(taken) != 1:
        raise Conflict(_("Someone else changed this request in the meantime; reload it and "
                         "try again."))
    for name, value in (("version", expected_version + 1), ("updated_at", at),
                        ("is_closed", False), ("state", closing.from_state)):
        set_committed_value(case, name, value)
    add_event(case, actor, "reopened", from_state=closed_state, to_state=case.state,
              comment=reason)
    record_audit(actor, "case.reopen", case, from_state=closed_state, to_state=case.state,
                 version=case.version)
    return case.state


