"""A hash chain over the audit trail: nobody can quietly change it.

Each entry stores the hash of the entry before it (``prev_hash``) and its own hash
(``entry_hash``): SHA-256 over the previous hash and a canonical serialisation of the
entry (JSON, sorted keys, no spaces, UTC timestamps in ISO 8601 with microseconds).
Deleting, editing or reordering a row breaks the chain at that row, and
``flask --app wsgi audit verify`` names the first broken entry.

Appends are serialised so two transactions never chain onto the same predecessor: on
PostgreSQL a transaction-scoped advisory lock is taken before the last hash is read
and held until commit; on SQLite the write lock (BEGIN IMMEDIATE for every request
that may change something) does the same.

What the chain does not stop: someone with write access to the database who rewrites
*every* hash after the row they changed. Exporting the latest hash elsewhere (a
printed verify report, a log shipped off the server) anchors it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from mla.audit.models import AuditEntry
from mla.extensions import db

GENESIS = "0" * 64
# Any constant: the advisory lock's key, shared by every process writing the trail.
ADVISORY_LOCK_KEY = 0x636F6D6974790001
_LOCKED = "audit_chain_locked"
# The hash of the last entry this transaction sealed (see seal).
_HEAD = "audit_chain_head"


def canonical(values: dict[str, Any]) -> bytes:
    """The bytes an entry's hash covers (``values`` as ``fields_of`` returns them)."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fields_of(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": _instant(entry.at),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "details": entry.details or {},
        "ip_address": entry.ip_address,
    }


def entry_hash(prev_hash: str, values: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(values)).hexdigest()


def _lock(session: Session) -> None:
    if session.info.get(_LOCKED) or session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    session.info[_LOCKED] = True


def seal(entry: AuditEntry) -> None:
    """Give ``entry`` (not yet in the session) its place at the end of the chain.

    The last hash is read from the database once per transaction, under the lock;
    later entries of the same transaction chain onto the one sealed before them
    (entries are inserted in the order they were added, so ids follow the chain).
    Any rollback, a savepoint's included, forgets it: the next entry reads the
    database again (the query flushes this transaction's earlier entries first), so
    a savepoint rolled back cannot leave the chain pointing at an entry never written."""
    session = db.session()
    last = session.info.get(_HEAD)
    if last is None:
        # Only an entry not yet written needs flushing before the read; the rest of the
        # unit of work flushes later, with the entries of the step (one INSERT for all).
        if any(isinstance(pending, AuditEntry) for pending in session.new):
            session.flush()
        with session.no_autoflush:
            _lock(session)
            last = session.scalar(select(AuditEntry.entry_hash)
                                  .order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    entry.prev_hash = last
    entry.entry_hash = entry_hash(entry.prev_hash, fields_of(entry))
    session.info[_HEAD] = entry.entry_hash


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _lock_released(session: Session) -> None:
    session.info.pop(_LOCKED, None)
    session.info.pop(_HEAD, None)


@event.listens_for(Session, "after_soft_rollback")
def _head_forgotten(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_HEAD, None)
    # A lock taken inside a savepoint rolled back may be gone with it: take it again
    # (taking a lock this transaction already holds is harmless).
    session.info.pop(_LOCKED, None)


@dataclass(frozen=True)
class Break:
    entry_id: int
    reason: str


def verify(rows: Iterable[AuditEntry]) -> tuple[int, Break | None]:
    """Walk entries in id order; the number checked and the first broken link, if any."""
    previous = GENESIS
    count = 0
    for entry in rows:
        count += 1
        if entry.prev_hash != previous:
            return count, Break(entry.id, "does not follow the entry before it (an entry was "
                                          "deleted, inserted or reordered here)")
        if entry.entry_hash != entry_hash(previous, fields_of(entry)):
            return count, Break(entry.id, "its content was changed after it was written")
        previous = entry.entry_hash
    return count, None
