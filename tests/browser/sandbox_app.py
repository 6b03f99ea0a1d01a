"""A browser test module of its own sandbox-mode app, and a class of trainees on it.

The session's ``app`` is a production app. A module that imports the fixtures ``app``,
``sandbox_url`` and ``live_server`` from here serves a sandbox-mode app of its own
(separate SQLite file and key ring, built once for the module), so that ``page``,
``browser_login``, ``db`` and ``create_user`` all work on it::

    from tests.browser.sandbox_app import app, live_server, sandbox_url  # noqa: F401

Used by tests/browser/test_class_hour.py and tests/browser/test_counterpart_letters.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from tests.browser.conftest import _require_sqlite, reading_deferred, serving
from tests.sandbox.helpers import build_sandbox_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, fast_passwords: None) -> Iterator[Any]:
    _require_sqlite()
    from mla.extensions import db

    folder = tmp_path_factory.mktemp("sandbox-browser")
    sandbox = build_sandbox_app(folder, f"sqlite:///{folder / 'sandbox.db'}")
    yield sandbox
    with sandbox.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def sandbox_url(app: Any) -> Iterator[str]:
    with serving(app) as url:
        yield url


@pytest.fixture
def live_server(app_ctx: Any, sandbox_url: str) -> Iterator[str]:
    with reading_deferred():
        yield sandbox_url


def start_class(db: Any, create_user: Callable[..., Any],
                trainees: Sequence[tuple[str, str]], pack: str = "first-week",
                ) -> tuple[Any, list[Any]]:
    """The trainer Tess Trainer and ``trainees`` (username, display name), with ``pack``
    loaded and committed: each trainee has their own copy of its requests."""
    from mla.sandbox.scenario import load_pack

    trainer = create_user("supervisor", username="trainer", display_name="Tess Trainer")
    members = [create_user("trainee", username=username, display_name=name)
               for username, name in trainees]
    load_pack(trainer, pack)
    db.session.commit()
    return trainer, members
