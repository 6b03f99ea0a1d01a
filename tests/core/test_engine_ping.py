"""The pool checks a PostgreSQL connection only after it sat idle (mla.core.db)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, text

from mla.core.db import ping_after_idle


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL pool (MLA_TEST_DB=postgres)")
    return database_url


def _pings(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    original = engine.dialect.do_ping

    def counted(dbapi_connection):
        seen.append("ping")
        return original(dbapi_connection)

    engine.dialect.do_ping = counted
    return seen


def test_a_connection_back_in_use_at_once_is_not_pinged(pg_url: str) -> None:
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    ping_after_idle(engine, idle_seconds=3600)
    seen = _pings(engine)
    try:
        for _ in range(3):
            with engine.connect() as conn:
                conn.execute(text("SELECT 2"))
        assert "ping" not in seen
        assert seen.count("SELECT 2") == 3
    finally:
        engine.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced(pg_url: str) -> None:
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    ping_after_idle(engine, idle_seconds=0)
    seen = _pings(engine)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        # The server (a restart, an idle timeout) drops the pooled connection.
        admin = create_engine(pg_url)
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.dispose()
        with engine.connect() as conn:
            second = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert "ping" in seen
        assert second != first
    finally:
        engine.dispose()


def test_the_apps_connections_do_not_jit_compile(app, pg_url: str) -> None:
    """A report's aggregate crossed jit_above_cost at a million requests and spent
    seconds compiling; the server's default (on) is not what the app runs with."""
    from mla.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        assert conn.scalar(text("SHOW jit")) == "off"
