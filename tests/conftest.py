"""Fixtures: one app per worker and database, each test starting from empty tables.

The database comes from MLA_TEST_DB: `sqlite` (default, a file in a temp dir) or
`postgres` (a database per xdist worker on the local server; the URL's base is
MLA_TEST_POSTGRES_URL). PostgreSQL and browser tests skip with a reason when the
server or Chromium is missing, unless MLA_REQUIRE_POSTGRES / MLA_REQUIRE_BROWSER
is set (as .ci/run does), when they fail instead.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import event, text

from mla import create_app
from mla.settings import Settings

REFERENCE_TABLES = {"countries", "instruments", "iccs_codes"}
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"
PASSWORD = "correct horse battery staple"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def selected_backend() -> str:
    return os.environ.get("MLA_TEST_DB", "sqlite").strip().lower() or "sqlite"


def postgres_base_url() -> str:
    return os.environ.get("MLA_TEST_POSTGRES_URL", DEFAULT_PG_URL).rstrip("/")


def postgres_available() -> str | None:
    """None when the server answers, else the reason it does not."""
    import psycopg

    url = postgres_base_url().replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    try:
        with psycopg.connect(url, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {postgres_base_url()}: {exc}".strip()


def skip_or_fail(reason: str, required_flag: str) -> None:
    if _flag(required_flag):
        pytest.fail(f"{reason} ({required_flag} is set, so this is required)", pytrace=False)
    pytest.skip(reason)


def _postgres_database(worker: str) -> str:
    import psycopg

    name = f"comity_test_{worker}".replace("-", "_")
    admin = postgres_base_url().replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_base_url()}/{name}"


@pytest.fixture(scope="session")
def worker_id_safe(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def fast_passwords() -> Iterator[None]:
    """argon2id with minimal cost: same algorithm and code path, milliseconds per hash."""
    from mla.auth import passwords

    original, original_dummy = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1,
                                       type=Type.ID)
    passwords._DUMMY_HASH = passwords._hasher.hash("dummy")
    yield
    passwords._hasher, passwords._DUMMY_HASH = original, original_dummy


def make_settings(tmp: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    environ = {"MLA_HOME_COUNTRY": "XZ", "MLA_SECRET_KEY": "t" * 48}
    if database_url:
        environ["MLA_DATABASE_URL"] = database_url
    values: dict[str, Any] = {"testing": True, "key_file": tmp / "keyring.json",
                              "cookie_secure": False}
    values.update(overrides)
    return Settings.from_env(environ=environ, instance_path=tmp, **values)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id_safe: str) -> str:
    if selected_backend() == "postgres":
        reason = postgres_available()
        if reason:
            skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
        return _postgres_database(worker_id_safe)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, database_url: str, fast_passwords: None):
    from mla.core.transaction import unit_of_work
    from mla.extensions import db
    from mla.reference.services import load_reference_data

    instance = tmp_path_factory.mktemp("instance")
    app = create_app(make_settings(instance, database_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        with unit_of_work():
            load_reference_data()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_tables(app) -> None:
    from mla.extensions import db

    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
        conn.execute(text("DELETE FROM countries WHERE is_fictional = :yes AND code <> 'XZ'"),
                     {"yes": True})


@pytest.fixture
def app_ctx(app) -> Iterator[Any]:
    """An app context for the test; tables are emptied afterwards."""
    from mla.extensions import db
    from mla.reference.services import ensure_fictional_country

    with app.app_context():
        ensure_fictional_country("XZ", "Zembla")
        ensure_fictional_country("XA", "Arcadia")
        ensure_fictional_country("XB", "Borduria")
        db.session.commit()
        try:
            yield app
        finally:
            db.session.rollback()
            db.session.remove()
            _empty_tables(app)


@pytest.fixture
def db(app_ctx):
    from mla.extensions import db as _db

    return _db


@pytest.fixture
def client(app_ctx):
    return app_ctx.test_client()


@pytest.fixture
def runner(app_ctx):
    return app_ctx.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def create_user(db) -> Callable[..., Any]:
    from mla.auth.services import create_user as _create

    def factory(role: str = "caseworker", username: str | None = None,
                password: str = PASSWORD, **kwargs: Any):
        user = _create("test", username=username or f"{role}{next(_counter)}",
                       password=password, role=role, **kwargs)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login_as(client, db) -> Callable[..., Any]:
    """Sign the test client in as a user, through the real sign-in form."""

    def do_login(user, password: str = PASSWORD):
        with client.session_transaction() as cookie_session:
            cookie_session.clear()  # start signed out
        page = client.get("/login")
        token = _csrf_from(page.get_data(as_text=True))
        response = client.post("/login", data={"username": user.username, "password": password,
                                               "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do_login


def _csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    if match is None:
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def csrf_token(client) -> Callable[[str], str]:
    def fetch(path: str) -> str:
        return _csrf_from(client.get(path).get_data(as_text=True))

    return fetch


@pytest.fixture
def make_case(db, create_user) -> Callable[..., Any]:
    from mla.cases.services import CaseInput, OffenceInput, PersonInput, register_case

    def factory(actor=None, **overrides: Any):
        actor = actor or create_user("caseworker")
        values: dict[str, Any] = {
            "direction": "incoming", "kind": "mla", "counterpart_country": "XA",
            "legal_basis": "UNTOC", "title": "Bank records, fraud ring",
            "offences": [OffenceInput(label="Fraud", statute="PC 210", max_penalty_months=60,
                                      iccs=["0701"], conduct="False invoices")],
            "measures": ["bank_records"],
            "persons": [PersonInput(role="suspect", full_name="Jean Fictif")],
        }
        values.update(overrides)
        case = register_case(actor, CaseInput(**values))
        db.session.commit()
        return case

    return factory


@pytest.fixture
def api_token(db) -> Callable[[Any], dict[str, str]]:
    from mla.auth.services import create_api_token

    def headers_for(user) -> dict[str, str]:
        _, secret = create_api_token("test", user, label="test")
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return headers_for


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(db) -> Callable[[], Any]:
    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(conn, cursor, statement, *args: Any) -> None:
            text_ = statement.lstrip().upper()
            if text_.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                return
            # The session's last-seen touch happens at most once a minute: on a slow run
            # it would make a page's count differ by one depending on the clock.
            if text_.startswith(("UPDATE USER_SESSIONS SET LAST_SEEN_AT",
                                 "UPDATE API_TOKENS SET LAST_USED_AT")):
                return
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting
