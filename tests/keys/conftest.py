from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import (
    create_run_database,
    drop_run_database,
    postgres_available,
    skip_or_fail,
)
from tests.test_migrations import empty_app  # noqa: F401  (fixture)


@pytest.fixture(scope="session")
def _migrations_postgres_url(worker_id_safe: str) -> Iterator[str]:
    """`empty_app`'s PostgreSQL database for this directory, a name of its own."""
    reason = postgres_available()
    if reason:
        skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
    url = create_run_database("keysmigrations", worker_id_safe)
    yield url
    drop_run_database(url)
