"""Write audit entries in the caller's transaction."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from mla.audit.chain import seal
from mla.audit.models import AuditEntry
from mla.core.actors import Person, SystemActor
from mla.core.clock import now
from mla.core.transaction import write_after_read
from mla.extensions import db


def record_audit(
    actor: Person | SystemActor | None,
    action: str,
    obj: Any = None,
    *,
    object_type: str = "",
    object_id: str | int = "",
    **details: Any,
) -> AuditEntry:
    """Add an audit entry; ``details`` must never hold personal data or secrets.
    ``actor`` is None when nobody known acts (a failed sign-in). In a read request (a
    consultation, a refusal) the entry is chained and written at the request's end,
    in a write transaction of its own (``write_after_read``)."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id or getattr(obj, "reference", None) or obj.id
    entry = AuditEntry(
        at=now(),  # set here, not by the column default: the hash covers it
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "username", None) or (actor if isinstance(actor, str) else ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details,
        ip_address=(request.remote_addr or "")[:45] if has_request_context() else "",
    )
    write_after_read(lambda: _append(entry))
    return entry


def _append(entry: AuditEntry) -> None:
    seal(entry)
    db.session.add(entry)


def record_consultation(actor: Person | SystemActor | None, obj: Any, *, channel: str,
                        justification: str = "") -> AuditEntry:
    """A read of personal data (EU Directive 2016/680 art. 25: consultation is logged with
    who, when and, where one is asked, why). ``channel``: web, api or portal."""
    details: dict[str, Any] = {"channel": channel}
    if justification:
        details["justification"] = justification[:500]
    return record_audit(actor, f"{obj.__tablename__.rstrip('s')}.read", obj, **details)
