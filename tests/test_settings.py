"""Settings from the environment: the embedded default, refusals, SQLite tuning, wsgi.py."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from mla.settings import ConfigError, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql+psycopg://comity@db.example/comity"
SECRET = "s" * 40


def test_embedded_default_generates_a_secret_key_once_into_instance(tmp_path):
    first = Settings.from_env(environ={}, instance_path=tmp_path)
    key_file = tmp_path / "secret_key"
    assert first.is_embedded and first.is_sqlite
    assert first.database_url == f"sqlite:///{tmp_path.resolve() / 'comity.db'}"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.secret_key == key_file.read_text(encoding="utf-8").strip()
    assert len(first.secret_key) >= 48
    # Reused on the second start, not regenerated.
    second = Settings.from_env(environ={}, instance_path=tmp_path)
    assert second.secret_key == first.secret_key


def test_the_generated_secret_is_not_a_hard_coded_fallback(tmp_path):
    one = Settings.from_env(environ={}, instance_path=tmp_path / "one")
    two = Settings.from_env(environ={}, instance_path=tmp_path / "two")
    assert one.secret_key != two.secret_key


def test_an_explicit_secret_is_used_and_nothing_is_generated(tmp_path):
    settings = Settings.from_env(environ={"MLA_SECRET_KEY": SECRET}, instance_path=tmp_path)
    assert settings.secret_key == SECRET
    assert not (tmp_path / "secret_key").exists()


def test_outside_the_embedded_default_a_missing_secret_stops_start_up(tmp_path):
    with pytest.raises(ConfigError, match="MLA_SECRET_KEY is not set"):
        Settings.from_env(environ={"MLA_DATABASE_URL": PG_URL}, instance_path=tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_a_short_secret_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="at least 32 characters"):
        Settings.from_env(environ={"MLA_SECRET_KEY": "short"}, instance_path=tmp_path)


@pytest.mark.parametrize("mode", ["prod", "Sandbox", "test", "development"])
def test_an_unknown_mode_is_refused(tmp_path, mode):
    with pytest.raises(ConfigError, match="MLA_MODE"):
        Settings.from_env(environ={"MLA_MODE": mode}, instance_path=tmp_path)


@pytest.mark.parametrize("mode", ["production", "sandbox"])
def test_known_modes(tmp_path, mode):
    assert Settings.from_env(environ={"MLA_MODE": mode}, instance_path=tmp_path).mode == mode


@pytest.mark.parametrize("country", ["FRA", "F", "F1", "12", "fr-FR"])
def test_a_malformed_home_country_is_refused(tmp_path, country):
    with pytest.raises(ConfigError, match="MLA_HOME_COUNTRY"):
        Settings.from_env(environ={"MLA_HOME_COUNTRY": country}, instance_path=tmp_path)


@pytest.mark.parametrize("country", ["AB", "ZX", "JJ"])
def test_an_unassigned_home_country_is_refused(tmp_path, country):
    with pytest.raises(ConfigError, match="MLA_HOME_COUNTRY"):
        Settings.from_env(environ={"MLA_HOME_COUNTRY": country}, instance_path=tmp_path)


@pytest.mark.parametrize(("given", "expected"), [("fr", "FR"), (" DE ", "DE"), ("XA", "XA")])
def test_home_country_is_normalised(tmp_path, given, expected):
    settings = Settings.from_env(environ={"MLA_HOME_COUNTRY": given}, instance_path=tmp_path)
    assert settings.home_country == expected


def test_key_file_defaults_to_instance_and_mla_key_file_is_honoured(tmp_path):
    from mla import create_app
    from mla.core.crypto import EXTENSION_KEY, KeyRing

    default = Settings.from_env(environ={}, instance_path=tmp_path / "instance")
    assert default.key_file == (tmp_path / "instance").resolve() / "keyring.json"

    elsewhere = tmp_path / "secrets" / "comity-keys.json"
    settings = Settings.from_env(
        environ={"MLA_KEY_FILE": str(elsewhere),
                 "MLA_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
                 "MLA_SECRET_KEY": SECRET, "MLA_HOME_COUNTRY": "FR"},
        instance_path=tmp_path / "instance2", testing=True)
    assert settings.key_file == elsewhere
    app = create_app(settings)
    assert elsewhere.is_file()
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600
    assert not (tmp_path / "instance2" / "keyring.json").exists()
    ring = app.extensions[EXTENSION_KEY]
    assert ring == KeyRing.from_json(elsewhere.read_text(encoding="utf-8"))
    # A second start reads the same ring (it is not regenerated).
    again = create_app(settings)
    assert again.extensions[EXTENSION_KEY] == ring
    with app.app_context():
        app.extensions["sqlalchemy"].engines[None].dispose()
    with again.app_context():
        again.extensions["sqlalchemy"].engines[None].dispose()


def test_an_instance_env_file_adds_settings_and_the_environment_wins(tmp_path):
    (tmp_path / "comity.env").write_text(
        "# comment\nMLA_MODE=sandbox\nMLA_HOME_COUNTRY=fr\n", encoding="utf-8")
    settings = Settings.from_env(environ={"MLA_HOME_COUNTRY": "DE"}, instance_path=tmp_path)
    assert settings.mode == "sandbox"
    assert settings.home_country == "DE"


@pytest.fixture
def sqlite_app(tmp_path):
    from mla import create_app
    from mla.extensions import db
    from tests.conftest import make_settings

    database = tmp_path / "tuned.db"
    app = create_app(make_settings(tmp_path, f"sqlite:///{database}"))
    yield app, database
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sqlite_pragmas_are_in_force_on_a_real_connection(sqlite_app):
    from mla.extensions import db

    app, _ = sqlite_app
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_sqlite_write_transactions_begin_immediately_and_reads_do_not(sqlite_app):
    """A write transaction takes the write lock at BEGIN (no lock upgrade deadlock);
    a read-only request's transaction does not block writers."""
    from mla.core.db import reset_read_only, set_read_only
    from mla.extensions import db

    app, database = sqlite_app

    def other_writer_can_start() -> bool:
        other = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            other.close()

    with app.app_context(), db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        assert not other_writer_can_start()
        conn.rollback()
        assert other_writer_can_start()

        token = set_read_only(True)
        try:
            conn.execute(text("SELECT 1"))
            assert other_writer_can_start()
            conn.rollback()
        finally:
            reset_read_only(token)


def test_sqlite_foreign_keys_are_enforced(sqlite_app):
    from sqlalchemy.exc import IntegrityError

    from mla.extensions import db

    app, _ = sqlite_app
    with app.app_context():
        db.create_all()
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO case_measures (case_id, code, details) VALUES (999999, 'x', '')"))


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MLA_")}
    clean.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=clean,
                          capture_output=True, text=True, timeout=300, check=False)  # hang guard


def test_wsgi_exposes_app(tmp_path):
    result = _python(
        "import flask, wsgi; assert isinstance(wsgi.app, flask.Flask); print('ok', wsgi.app.name)",
        {"MLA_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "MLA_SECRET_KEY": SECRET,
         "MLA_KEY_FILE": str(tmp_path / "keys.json"), "MLA_MODE": "sandbox"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok mla"


def test_starting_wsgi_without_a_secret_outside_the_default_fails_with_the_reason(tmp_path):
    result = _python("import wsgi", {"MLA_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
                                     "MLA_KEY_FILE": str(tmp_path / "keys.json")})
    assert result.returncode != 0
    assert "MLA_SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "keys.json").exists()


def test_production_outside_the_default_must_name_its_home_state(tmp_path):
    environ = {"MLA_DATABASE_URL": PG_URL, "MLA_SECRET_KEY": SECRET}
    with pytest.raises(ConfigError, match="MLA_HOME_COUNTRY is not set"):
        Settings.from_env(environ=environ, instance_path=tmp_path)
    assert Settings.from_env(environ=environ | {"MLA_HOME_COUNTRY": "fr"},
                             instance_path=tmp_path).home_country == "FR"
    # The embedded demo and a training sandbox default to the fictional XZ.
    assert Settings.from_env(environ={}, instance_path=tmp_path / "e").home_country == "XZ"
    assert Settings.from_env(environ=environ | {"MLA_MODE": "sandbox"},
                             instance_path=tmp_path).home_country == "XZ"


# --- Where things live outside a checkout; several servers ------------------------------

def test_the_instance_folder_outside_and_inside_a_checkout(tmp_path, monkeypatch):
    from mla import settings as settings_module

    configured = Settings.from_env(environ={"MLA_INSTANCE_PATH": str(tmp_path / "data")})
    assert configured.instance_path == (tmp_path / "data").resolve()
    # In this checkout: its own instance/, whatever the working directory.
    monkeypatch.chdir(tmp_path)
    assert settings_module.default_instance_path({}) == PROJECT_ROOT / "instance"
    # Installed (no pyproject.toml and wsgi.py beside the package): ./instance.
    monkeypatch.setattr(settings_module, "_CHECKOUT", tmp_path / "site-packages")
    assert settings_module.default_instance_path({}) == tmp_path / "instance"


def test_documents_go_to_the_database_unless_told_otherwise(tmp_path):
    assert Settings.from_env(environ={}, instance_path=tmp_path).document_store == "database"
    chosen = Settings.from_env(environ={"MLA_DOCUMENT_STORE": "Filesystem"},
                               instance_path=tmp_path)
    assert chosen.document_store == "filesystem"
    with pytest.raises(ConfigError, match="MLA_DOCUMENT_STORE"):
        Settings.from_env(environ={"MLA_DOCUMENT_STORE": "s3"}, instance_path=tmp_path)


@pytest.mark.parametrize("name", ["MLA_WORKFLOWS_DIR", "MLA_SCENARIOS_DIR"])
def test_data_directories_must_exist(tmp_path, name):
    assert getattr(Settings.from_env(environ={}, instance_path=tmp_path),
                   name[4:].lower()) is None  # None: the copy shipped in the package
    given = Settings.from_env(environ={name: str(tmp_path)}, instance_path=tmp_path)
    assert getattr(given, name[4:].lower()) == tmp_path.resolve()
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(environ={name: str(tmp_path / "missing")}, instance_path=tmp_path)


def test_the_key_ring_from_the_environment(tmp_path):
    """MLA_KEY_RING: every server gets the same ring from its secret store; no file."""
    from mla import create_app
    from mla.core.crypto import EXTENSION_KEY, KeyRing

    ring = KeyRing.generate("production")
    environ = {"MLA_KEY_RING": ring.to_json(), "MLA_SECRET_KEY": SECRET,
               "MLA_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
               "MLA_HOME_COUNTRY": "FR"}
    settings = Settings.from_env(environ=environ, instance_path=tmp_path, testing=True)
    assert ring.to_json() not in repr(settings)
    app = create_app(settings)
    assert app.extensions[EXTENSION_KEY] == ring
    assert not (tmp_path / "keyring.json").exists()
    with app.app_context():
        app.extensions["sqlalchemy"].engines[None].dispose()

    with pytest.raises(ConfigError, match="both set"):
        Settings.from_env(environ={**environ, "MLA_KEY_FILE": str(tmp_path / "k.json")},
                          instance_path=tmp_path)
    broken = Settings.from_env(environ={**environ, "MLA_KEY_RING": '{"keys": {}}'},
                               instance_path=tmp_path, testing=True)
    with pytest.raises(ConfigError, match="MLA_KEY_RING"):
        create_app(broken)
