"""Write outbox rows in the caller's transaction; a repeated key is a no-op."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from mla.core.clock import now
from mla.core.plugins import outbox_channels
from mla.extensions import db
from mla.notifications.models import OutboxMessage


def _insert() -> Any:
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(OutboxMessage)


def enqueue(key: str, channel: str, *, subject: str, body: str = "", user_id: int | None = None,
            to_address: str = "", case_id: int | None = None, link: str = "",
            category: str = "notice", data: dict[str, Any] | None = None,
            available_at: datetime | None = None) -> bool:
    """Add one message; returns False when a message with this key already exists."""
    return enqueue_many([{
        "key": key, "channel": channel, "subject": subject, "body": body, "user_id": user_id,
        "to_address": to_address, "case_id": case_id, "link": link, "category": category,
        "data": data or {}, "available_at": available_at,
    }]) == 1


def enqueue_many(rows: list[dict[str, Any]]) -> int:
    """Insert many messages at once, skipping keys that exist; returns how many were new."""
    if not rows:
        return 0
    at = now()
    channels = outbox_channels(current_app)
    values = []
    for row in rows:
        if len(row["key"]) > 200:
            raise ValueError("an idempotency key is at most 200 characters")
        if row["channel"] not in channels:
            # The domains register their channels (plugin.py); nothing else delivers.
            raise ValueError(f"no installed domain delivers outbox channel {row['channel']!r}")
        values.append({
            "key": row["key"], "channel": row["channel"], "status": "pending",
            "subject": row["subject"][:300], "body": row.get("body", ""),
            "user_id": row.get("user_id"), "to_address": row.get("to_address", ""),
            "case_id": row.get("case_id"), "link": row.get("link", ""),
            "category": row.get("category", "notice"), "data": row.get("data") or {},
            "available_at": row.get("available_at") or at, "attempts": 0, "last_error": "",
            "created_at": at,
        })
    db.session.flush()
    stmt = (_insert().on_conflict_do_nothing(index_elements=["key"])
            .returning(OutboxMessage.id))
    # Core on the session's connection: same transaction, no ORM bookkeeping.
    return len(db.session.connection().execute(stmt, values).all())
