"""Sandbox and production never share a database or a key ring; sandbox pages 404 elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mla.settings import ConfigError
from tests.conftest import make_settings


def _app(tmp: Path, db_file: Path, key_file: Path, mode: str):
    from mla import create_app

    return create_app(make_settings(tmp, f"sqlite:///{db_file}", key_file=key_file, mode=mode))


def _migrate(app) -> None:
    """What `db upgrade` does for these tests: the schema, nothing else."""
    from mla.extensions import db

    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()


def _started(tmp: Path, mode: str, name: str = "one") -> tuple[Path, Path]:
    """A database and key ring that an instance of ``mode`` has started on."""
    db_file, key_file = tmp / f"{name}.db", tmp / f"{name}-keyring.json"
    _migrate(_app(tmp, db_file, key_file, mode))
    app = _app(tmp, db_file, key_file, mode)  # first start after the migration: recorded
    _dispose(app)
    return db_file, key_file


def _dispose(app) -> None:
    from mla.extensions import db

    with app.app_context():
        db.engine.dispose()


def _identity(db_file: Path) -> tuple[str, str] | None:
    import sqlite3

    with sqlite3.connect(db_file) as conn:
        return conn.execute("SELECT mode, key_ring_id FROM deployment_identity").fetchone()


def test_first_start_after_migration_records_the_identity(tmp_path):
    db_file, key_file = tmp_path / "p.db", tmp_path / "p.json"
    app = _app(tmp_path, db_file, key_file, "production")  # no tables yet: nothing to check
    _migrate(app)
    assert _identity(db_file) is None
    _dispose(_app(tmp_path, db_file, key_file, "production"))
    ring = json.loads(key_file.read_text())
    assert _identity(db_file) == ("production", ring["instance_id"])
    assert ring["mode"] == "production"


def test_a_sandbox_refuses_a_production_database(tmp_path):
    db_file, _prod_key = _started(tmp_path, "production")
    with pytest.raises(ConfigError, match="belongs to a production instance") as caught:
        _app(tmp_path, db_file, tmp_path / "sandbox-keyring.json", "sandbox")
    assert "MLA_MODE=sandbox" in str(caught.value)


def test_a_production_instance_refuses_a_sandbox_database(tmp_path):
    db_file, _key = _started(tmp_path, "sandbox")
    with pytest.raises(ConfigError, match="belongs to a sandbox instance"):
        _app(tmp_path, db_file, tmp_path / "prod-keyring.json", "production")


def test_a_production_instance_refuses_a_sandbox_key_ring(tmp_path):
    _db, sandbox_key = _started(tmp_path, "sandbox")
    with pytest.raises(ConfigError, match="created for a sandbox instance"):
        _app(tmp_path, tmp_path / "fresh.db", sandbox_key, "production")


def test_a_sandbox_refuses_a_production_key_ring(tmp_path):
    _db, prod_key = _started(tmp_path, "production")
    with pytest.raises(ConfigError, match="created for a production instance"):
        _app(tmp_path, tmp_path / "fresh.db", prod_key, "sandbox")


def test_an_old_key_ring_without_mode_is_judged_by_the_database(tmp_path):
    db_file, key_file = _started(tmp_path, "production")
    ring = json.loads(key_file.read_text())
    del ring["mode"]  # a ring written before the mode was recorded
    key_file.write_text(json.dumps(ring))
    _dispose(_app(tmp_path, db_file, key_file, "production"))  # still readable, still fine
    with pytest.raises(ConfigError, match="belongs to a production instance"):
        _app(tmp_path, db_file, key_file, "sandbox")


def test_a_key_ring_from_another_instance_is_refused(tmp_path):
    db_file, _key = _started(tmp_path, "production", "one")
    _other_db, other_key = _started(tmp_path, "production", "two")
    with pytest.raises(ConfigError, match="another key ring"):
        _app(tmp_path, db_file, other_key, "production")


def test_sandbox_pages_answer_404_outside_a_sandbox(tmp_path, fast_passwords):
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import load_reference_data

    db_file, key_file = tmp_path / "p.db", tmp_path / "p.json"
    app = _app(tmp_path, db_file, key_file, "production")
    _migrate(app)
    with app.app_context():
        with unit_of_work():
            load_reference_data()
        client = app.test_client()
        for path in ("/sandbox/", "/sandbox/exercises", "/sandbox/outbox", "/sandbox/class"):
            assert client.get(path).status_code == 404, path
        assert client.post("/sandbox/clock/advance", data={"days": 3}).status_code in (400, 404)
        db.session.remove()
        db.engine.dispose()


def test_sandbox_pages_answer_in_a_sandbox(client, trainer, login_as):
    login_as(trainer)
    page = client.get("/sandbox/")
    assert page.status_code == 200
    assert "TRAINING — fictional data" in page.get_data(as_text=True)
