"""The sandbox tests run against a sandbox-mode app with its own database and key ring.

``app`` and ``database_url`` are overridden here, so every fixture of tests/conftest.py
(app_ctx, db, client, create_user, login_as, make_case, ...) works on the sandbox app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from mla.core import clock
from tests.conftest import drop_run_database
from tests.sandbox.helpers import build_sandbox_app, sandbox_database_url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id_safe: str
                 ) -> Iterator[str]:
    url = sandbox_database_url(tmp_path_factory, worker_id_safe)
    yield url
    if url.startswith("postgresql"):
        drop_run_database(url)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, database_url: str,
        fast_passwords: None) -> Iterator[Any]:
    from mla.extensions import db

    app = build_sandbox_app(tmp_path_factory.mktemp("sandbox-instance"), database_url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def real_time_stands_still(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The machine's clock stops at a whole second: a test measures how far the simulated
    clock moved, never how long a busy machine took between two readings."""
    at = clock.real_now().replace(microsecond=0)
    monkeypatch.setattr(clock, "real_now", lambda: at)
    return at


@pytest.fixture
def trainer(create_user) -> Any:
    return create_user("supervisor", username="trainer", display_name="Tess Trainer")


@pytest.fixture
def loaded(db, trainer) -> Callable[..., Any]:
    """Load a pack (default: the shipped first-week) and commit."""
    from mla.sandbox.scenario import load_pack

    def do_load(name: str = "first-week") -> Any:
        pack = load_pack(trainer, name)
        db.session.commit()
        return pack

    return do_load
