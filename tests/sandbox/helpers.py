"""Building a sandbox-mode app for tests (also used by tests/browser/sandbox_app.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    create_run_database,
    make_settings,
    postgres_available,
    selected_backend,
    skip_or_fail,
)


def sandbox_database_url(tmp_path_factory: pytest.TempPathFactory, worker: str) -> str:
    if selected_backend() == "postgres":
        reason = postgres_available()
        if reason:
            skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
        return create_run_database("sandbox", worker)  # the caller drops it at the end
    return f"sqlite:///{tmp_path_factory.mktemp('sandbox-db') / 'sandbox.db'}"


def build_sandbox_app(instance: Path, database_url: str) -> Any:
    """A sandbox-mode app on a fresh schema with reference data loaded."""
    from mla import create_app
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import load_reference_data

    app = create_app(make_settings(instance, database_url, mode="sandbox"))
    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
    return app


def scenario_case(db: Any, key: str, user: Any = None) -> Any:
    """The request ``key`` of the pack in ``user``'s copy (None: the trainer's copy)."""
    from sqlalchemy import select

    from mla.cases.models import Case
    from mla.sandbox.copies import copy_id_of
    from mla.sandbox.models import ScenarioCase

    copy = copy_id_of(user.id) if user is not None else None
    where = Case.sandbox_copy_id.is_(None) if copy is None else Case.sandbox_copy_id == copy
    return db.session.scalar(select(Case).join(ScenarioCase, ScenarioCase.case_id == Case.id)
                             .where(ScenarioCase.key == key, where))
