"""Refused access (401, 403) goes into the audit trail.

An ``after_request`` hook that runs before the transaction boundary commits or rolls
back: the refused request's own changes are dropped (they must not survive a refusal),
then one entry is written and kept. Sign-in failures write their own entries and keep
their own transaction (``commit_even_if_refused``), so they are left alone. The entry
names the route's pattern, never the path: a path may hold a secret (a calendar link).
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

from mla.audit.services import record_audit
from mla.core.errors import route_label
from mla.core.transaction import commit_even_if_refused, rollback
from mla.extensions import db

REFUSED = frozenset({401, 403})


def audit_refusal(response: Response) -> Response:
    if response.status_code not in REFUSED or db.session.info.get("commit_on_error"):
        return response
    rollback()
    actor = current_user if current_user and current_user.is_authenticated else None
    record_audit(actor, "access.refused", object_type="route",
                 object_id=(request.endpoint or "")[:64], status=response.status_code,
                 route=route_label()[:200])
    commit_even_if_refused()
    return response


def init_refusal_audit(app: Flask) -> None:
    # Registered after the transaction boundary's hook, so Flask runs it before that one.
    app.after_request(audit_refusal)
