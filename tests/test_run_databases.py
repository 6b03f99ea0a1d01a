"""The suite's own PostgreSQL databases: unique to the run, and to each fixture in it."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import (
    _admin_url,
    create_run_database,
    drop_run_database,
    postgres_available,
    selected_backend,
    skip_or_fail,
)


@pytest.fixture
def postgres() -> None:
    if selected_backend() != "postgres":
        pytest.skip("PostgreSQL run only")
    reason = postgres_available()
    if reason:
        skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")


def test_two_fixtures_of_one_worker_get_two_databases(postgres: None,
                                                      worker_id_safe: str) -> None:
    # tests/i18n/sandbox/conftest.py imports the sandbox's database_url: pytest sets it up
    # a second time in a worker that runs both folders, and the two must not share a name.
    first = create_run_database("twice", worker_id_safe)
    try:
        second = create_run_database("twice", worker_id_safe)
        try:
            assert first != second
            names = {url.rsplit("/", 1)[-1] for url in (first, second)}
            with psycopg.connect(_admin_url(), autocommit=True) as conn:
                found = {row[0] for row in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname = ANY(%s)", [list(names)])}
            assert found == names
        finally:
            drop_run_database(second)
    finally:
        drop_run_database(first)


def test_a_name_that_is_not_a_run_s_is_never_dropped() -> None:
    with pytest.raises(AssertionError, match="not a database of a test run"):
        drop_run_database("postgresql+psycopg://postgres@127.0.0.1:5432/comity")
