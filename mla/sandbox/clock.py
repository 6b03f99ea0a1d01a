"""The simulated clock: the trainer's offset, read once per unit of work.

``mla.core.clock.now()`` adds what the provider installed here returns. The
offset lives in ``sandbox_state`` so every process (web workers, the scheduler)
agrees. Reading it costs one query per database transaction - a request, a
scheduler tick, a CLI command - not one per ``now()``: the value is cached on
the session's current transaction and dropped when that transaction ends, so
a clock moved by the trainer is seen by the next request or tick. A clock moved
in this transaction updates the cache at once.

Outside a sandbox app (production, no app context) the provider answers zero
without touching the database.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import inspect, select

from mla.core import clock
from mla.extensions import db
from mla.sandbox.models import SandboxState

ZERO = timedelta(0)
_CACHE_KEY = "mla.sandbox.offset"
_READY_KEY = "mla.sandbox.clock_ready"


def _is_sandbox_app() -> bool:
    if not has_app_context():
        return False
    settings = current_app.extensions.get("mla.settings")
    return bool(settings is not None and settings.is_sandbox)


def _table_ready() -> bool:
    """Whether sandbox_state exists (checked until it does, then remembered)."""
    extensions = current_app.extensions
    if extensions.get(_READY_KEY):
        return True

    ready = inspect(db.session.connection()).has_table(SandboxState.__tablename__)
    extensions[_READY_KEY] = ready
    return ready


def _load_offset() -> timedelta:
    if not _table_ready():
        return ZERO
    with db.session.no_autoflush:
        seconds = db.session.scalar(select(SandboxState.offset_seconds).where(SandboxState.id == 1))
    return timedelta(seconds=seconds or 0)


def current_offset() -> timedelta:
    """The trainer's offset (zero outside a sandbox)."""
    if not _is_sandbox_app():
        return ZERO
    session = db.session()
    cached = session.info.get(_CACHE_KEY)
    transaction = session.get_transaction()
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1]
    offset = _load_offset()
    session.info[_CACHE_KEY] = (session.get_transaction(), offset)
    return offset


def remember_offset(offset: timedelta) -> None:
    """The trainer moved the clock in this transaction: later now() calls see it."""
    session = db.session()
    session.info[_CACHE_KEY] = (session.get_transaction(), offset)


def install_offset_provider() -> None:
    """Idempotent; a production app's now() is unaffected (the provider answers zero)."""
    clock.set_offset_provider(current_offset)
