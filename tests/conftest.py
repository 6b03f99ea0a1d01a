"""Fixtures: one app per worker and database, each test starting from empty tables.

The database comes from MLA_TEST_DB: `sqlite` (default, a file in a temp dir) or
`postgres` (a database per xdist worker on the local server; the URL's base is
MLA_TEST_POSTGRES_URL). PostgreSQL databases are named after the run
(`comity_<purpose>_<run id>_<worker>`), so two runs on one server never share or drop
each other's databases; each is dropped when its session ends. PostgreSQL and browser
tests skip with a reason when the server or Chromium is missing, unless
MLA_REQUIRE_POSTGRES / MLA_REQUIRE_BROWSER is set (as .ci/run does), when they fail
instead.

Every test is checked for leftovers: a child process of the pytest process, or a
listening socket it opened, still there after the test's fixtures are torn down fails
the test that left it (and the process is killed, so the next tests are not affected).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest
from argon2 import PasswordHasher, Type
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import event, text

from mla import create_app
from mla.settings import Settings

REFERENCE_TABLES = {"countries", "instruments", "iccs_codes"}
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"
PASSWORD = "correct horse battery staple"
RUN_ID_VARIABLE = "MLA_TEST_RUN_ID"
# Databases of runs that were killed before their session ended: dropped by a later run
# once they are this old and nobody is connected to them.
STALE_AFTER_SECONDS = 6 * 3600
_RUN_DATABASE = re.compile(r"^comity_[a-z]+_(?P<started>[0-9a-f]{8})[0-9a-f]{6}_")


# Property tests never fail on time: no per-example deadline, and no "too slow" health
# check (data generation on a loaded machine is slow, not wrong).
hypothesis_settings.register_profile("comity", deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("comity")


def pytest_configure(config: pytest.Config) -> None:
    """The controller names the run; xdist workers inherit the name through the
    environment, so the databases of one run share it and no other run uses it."""
    if not hasattr(config, "workerinput"):
        os.environ[RUN_ID_VARIABLE] = f"{int(time.time()):08x}{secrets.token_hex(3)}"


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


def _admin_url() -> str:
    return postgres_base_url().replace("postgresql+psycopg://", "postgresql://") + "/postgres"


def run_database_name(purpose: str, worker: str) -> str:
    """`comity_<purpose>_<run id>_<worker>`: unique to this run (see pytest_configure)."""
    run = os.environ.get(RUN_ID_VARIABLE) or f"{int(time.time()):08x}{secrets.token_hex(3)}"
    os.environ.setdefault(RUN_ID_VARIABLE, run)
    return f"comity_{purpose}_{run}_{worker}".replace("-", "_").lower()


_created_databases = itertools.count(1)


def create_run_database(purpose: str, worker: str) -> str:
    """A new, empty PostgreSQL database for this run; returns its SQLAlchemy URL.

    Each call gets its own name (`run_database_name` and a number counted in this
    process): a session fixture imported into a second conftest is a second fixture, set
    up beside the first in the same worker, and must not ask for the first one's name."""
    import psycopg

    name = f"{run_database_name(purpose, worker)}_{next(_created_databases)}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        _drop_stale_databases(conn)
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_base_url()}/{name}"


def drop_run_database(url: str) -> None:
    """Drop a database made by create_run_database. FORCE is safe: only this run knows
    the name, and a connection still open here must not keep the database alive."""
    import psycopg

    name = url.rsplit("/", 1)[-1]
    assert _RUN_DATABASE.match(name), f"not a database of a test run: {name}"
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _drop_stale_databases(conn: Any) -> None:
    import psycopg

    rows = conn.execute(
        "SELECT datname FROM pg_database d WHERE datname LIKE 'comity\\_%' AND NOT EXISTS "
        "(SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)").fetchall()
    for (name,) in rows:
        match = _RUN_DATABASE.match(name)
        if match is None or time.time() - int(match["started"], 16) < STALE_AFTER_SECONDS:
            continue
        with contextlib.suppress(psycopg.Error):  # no FORCE: if anyone connected, leave it
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


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
    # Sign-in rate limits off: the suite signs in far more often than people do
    # (tests/security/test_sign_in_limits.py turns them on in an app of its own).
    # Two-step sign-in not required either: login_as signs in with a password, and a
    # TOTP code may not be used twice in its 30 seconds (tests/auth/test_two_factor.py
    # turns on the production default, admins and supervisors, for its own tests).
    # Report figures computed on every read (0): tests change the history between two
    # reads; tests/reports/test_ready.py turns keeping them on.
    values: dict[str, Any] = {"testing": True, "key_file": tmp / "keyring.json",
                              "cookie_secure": False, "sign_in_limits": False,
                              "require_2fa_roles": frozenset(), "report_figures_max_age": 0}
    values.update(overrides)
    return Settings.from_env(environ=environ, instance_path=tmp, **values)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id_safe: str
                 ) -> Iterator[str]:
    if selected_backend() == "postgres":
        reason = postgres_available()
        if reason:
            skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
        url = create_run_database("test", worker_id_safe)
        yield url
        drop_run_database(url)
        return
    yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


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
    """DELETE, children first, then restart the id sequences (what TRUNCATE ... RESTART
    IDENTITY did). On PostgreSQL a TRUNCATE of every table cost 0.7 s per test even on an
    idle machine (each table gets new files, synced at commit) and waits for an
    exclusive lock on all of them; deleting the few rows a test wrote takes milliseconds."""
    from mla.extensions import db

    tables = _emptied_tables(app)
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        conn.execute(text("DELETE FROM countries WHERE is_fictional = :yes AND code <> 'XZ'"),
                     {"yes": True})
        if conn.dialect.name == "postgresql":
            restart = _sequence_restart(conn, tuple(t.name for t in tables))
            if restart is not None:
                conn.execute(restart)


def _emptied_tables(app) -> list[Any]:
    """The app's tables, children first, as they were when its first test started: a model
    module imported later (or edited in the checkout during a run) adds a table the
    database never had, and one failed DELETE would leave every later test its rows."""
    from mla.extensions import db

    if "tests.emptied_tables" not in app.extensions:
        app.extensions["tests.emptied_tables"] = [
            t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    return app.extensions["tests.emptied_tables"]


_restart_statements: dict[tuple[str, ...], Any] = {}


def _sequence_restart(conn: Any, tables: tuple[str, ...]) -> Any:
    """One `SELECT setval(...)` for the sequences owned by the emptied tables' columns."""
    if tables not in _restart_statements:
        sequences = conn.execute(text(
            "SELECT s.oid::regclass::text FROM pg_class s "
            "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "WHERE s.relkind = 'S' AND t.relname = ANY(:tables)"),
            {"tables": list(tables)}).scalars().all()
        calls = ", ".join(f"setval('{name}', 1, false)" for name in sorted(sequences))
        _restart_statements[tables] = text(f"SELECT {calls}") if calls else None
    return _restart_statements[tables]


def _children() -> dict[int, psutil.Process]:
    found = {}
    for child in psutil.Process().children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE:  # exited, only not yet reaped
                found[child.pid] = child
        except psutil.NoSuchProcess:
            pass
    return found


def _listening() -> set[tuple[str, int]]:
    return {(c.laddr.ip, c.laddr.port) for c in psutil.Process().net_connections("inet")
            if c.status == psutil.CONN_LISTEN}


def _describe(process: psutil.Process) -> str:
    try:
        return f"pid {process.pid}: {' '.join(process.cmdline())[:200]}"
    except psutil.Error:
        return f"pid {process.pid}"


class Leftovers:
    """What a test leaves behind: child processes of this (pytest) process still running,
    and listening sockets it opened, that were not there when the snapshot was taken."""

    def __init__(self) -> None:
        self.children, self.sockets = set(_children()), _listening()

    def check(self) -> list[str]:
        """Kills the leftover processes (a stray scheduler must not work on the next
        test's data) and says what was left."""
        leaked = [p for pid, p in _children().items() if pid not in self.children]
        ports = sorted(_listening() - self.sockets)
        problems = [f"child process still running ({_describe(p)})" for p in leaked]
        problems += [f"socket still listening on {ip}:{port}" for ip, port in ports]
        for process in leaked:
            with contextlib.suppress(psutil.Error):
                process.kill()
                process.wait(30)
        return problems


@pytest.fixture(autouse=True)
def _nothing_left_behind() -> Iterator[None]:
    """Fails the test that leaves a child process running or a socket listening.

    Autouse and function-scoped: the snapshot is taken after the session's and module's
    fixtures started (their servers and browsers are already there) and checked after
    the test's own fixtures were torn down."""
    snapshot = Leftovers()
    yield
    problems = snapshot.check()
    if problems:
        pytest.fail("the test left behind: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def app_ctx(app) -> Iterator[Any]:
    """An app context for the test; tables are emptied afterwards."""
    from mla.extensions import db
    from mla.reference.services import ensure_fictional_country

    with app.app_context():
        _emptied_tables(app)
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


@pytest.fixture(scope="session")
def _migrations_postgres_url(worker_id_safe: str) -> Iterator[str]:
    """`empty_app`'s database (tests/test_migrations.py), one per worker and session, defined
    here once: a session fixture imported into several modules would be made once per
    module, under the same name. DROP/CREATE DATABASE force a checkpoint,
    which takes many seconds on a busy server, so tests reset its schema instead."""
    reason = postgres_available()
    if reason:
        skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
    url = create_run_database("migrations", worker_id_safe)
    yield url
    drop_run_database(url)
