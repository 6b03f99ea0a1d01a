"""Declarative base, naming convention, column types and engine tuning."""

from __future__ import annotations

import contextvars
import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import DateTime, MetaData, String, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python; naive UTC on SQLite, timestamptz on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class StrEnumType(TypeDecorator[E]):
    """A StrEnum kept as its value in a VARCHAR: the same column, and the same CHECK
    constraint, as the plain string it replaces; read back as the enum's member.
    Written values pass as text, so a value outside the set still meets the CHECK."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)


def rows_matched(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through ``Session.execute`` matched
    (its result is a CursorResult, typed as the general Result)."""
    return cast(CursorResult[Any], result).rowcount


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- SQLite tuning -----------------------------------------------------------------
# Read-only requests open deferred transactions so readers never queue behind a
# writer; everything else starts BEGIN IMMEDIATE so two writers never deadlock
# on a lock upgrade (SQLITE_BUSY mid-transaction).
_read_only: contextvars.ContextVar[bool] = contextvars.ContextVar("mla_read_only", default=False)


def set_read_only(value: bool) -> contextvars.Token[bool]:
    return _read_only.set(value)


def reset_read_only(token: contextvars.Token[bool]) -> None:
    _read_only.reset(token)


def is_read_only() -> bool:
    """Whether the unit of work was opened for reading (a GET, HEAD or OPTIONS)."""
    return _read_only.get()


def tune_sqlite(engine: Engine, busy_timeout_ms: int = 10_000) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA journal_mode")
        if cursor.fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if _read_only.get() else "BEGIN IMMEDIATE")



# --- PostgreSQL: a liveness check only after a connection sat idle --------------------
# pool_pre_ping costs a round trip (SELECT 1) on every checkout, that is on every
# request, for connections that were in use milliseconds ago. A connection goes stale
# when the server or a proxy drops it, which happens to idle ones (a restart, an idle
# timeout, a failover while the site was quiet). So ping only a connection that sat in
# the pool longer than IDLE_PING_SECONDS; raising DisconnectionError from the
# "checkout" event makes the pool discard it and connect again (up to three tries: the
# documented custom pessimistic check). A server lost under a busy site still fails
# the requests in flight once; SQLAlchemy then invalidates the pool (its optimistic
# handling) and pool_recycle bounds any connection's age.
IDLE_PING_SECONDS = 10.0
_CHECKED_IN_AT = "mla_checked_in_at"


def ping_after_idle(engine: Engine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        # A new connection has no time yet: it was just opened, nothing to check.
        since = record.info.get(_CHECKED_IN_AT)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("stale connection after idling") from exc
