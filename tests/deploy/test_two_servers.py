"""Several application servers on one PostgreSQL database.

Two gunicorn instances, each with its own (empty) instance folder and nothing on a
shared disk, get the same secret key and key ring (MLA_KEY_RING) and one database.
A document uploaded through one is downloaded through the other, byte for byte.
The database is this run's own (a unique name), dropped at the end; the servers are
stopped whatever happens.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench._server import Server, app_environment
from tests.conftest import (
    PASSWORD,
    create_run_database,
    drop_run_database,
    postgres_available,
    selected_backend,
    skip_or_fail,
)
from tests.test_migrations import _logging_preserved

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CASE = {"direction": "incoming", "kind": "mla", "counterpart_country": "FR",
        "legal_basis": "UNTOC", "title": "Bank records, shared between servers"}


@pytest.fixture(scope="module")
def database(worker_id_safe: str) -> Iterator[str]:
    """A database of this run and worker alone (its name says so), dropped afterwards."""
    if selected_backend() != "postgres":
        pytest.skip("needs MLA_TEST_DB=postgres")
    reason = postgres_available()
    if reason:
        skip_or_fail(reason, "MLA_REQUIRE_POSTGRES")
    url = create_run_database("deploy", worker_id_safe)
    try:
        yield url
    finally:
        drop_run_database(url)


def _environment(database_url: str, instance: Path, ring_json: str, secret: str) -> dict:
    return app_environment(
        MLA_DATABASE_URL=database_url, MLA_SECRET_KEY=secret, MLA_KEY_RING=ring_json,
        MLA_HOME_COUNTRY="BE", MLA_COOKIE_SECURE="0", MLA_INSTANCE_PATH=str(instance))


def _prepare(env: dict, instance: Path) -> str:
    """What an operator runs once per database (the real commands, in this process to
    save the start-up time): migrate, load the reference data, create a user; its token."""
    from mla import create_app
    from mla.extensions import db
    from mla.settings import Settings

    app = create_app(Settings.from_env(environ=env, instance_path=instance, testing=True))
    runner = app.test_cli_runner()
    with _logging_preserved():
        for args, stdin in ((["db", "upgrade"], None), (["reference", "load"], None),
                            (["users", "create", "alice", "--role", "caseworker"],
                             PASSWORD + "\n")):
            result = runner.invoke(args=args, input=stdin)
            assert result.exit_code == 0, f"flask {' '.join(args)}:\n{result.output}"
    result = runner.invoke(args=["users", "token", "alice"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return result.output.strip().splitlines()[-1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    """Cookies shared across both servers, as behind one proxy; redirects not followed."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, url: str, data: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        assert url.startswith("http://127.0.0.1:")  # the servers' addresses only
        request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def _csrf(html: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1).decode()


def _multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        .encode() for name, value in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
             f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n').encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_document_uploaded_through_one_server_downloads_through_the_other(
        database, tmp_path, fast_passwords):
    from mla.core.crypto import KeyRing

    ring_json, secret = KeyRing.generate("production").to_json(), secrets.token_urlsafe(48)
    homes = [tmp_path / "server-a", tmp_path / "server-b"]
    envs = []
    for home in homes:
        home.mkdir()
        envs.append(_environment(database, home / "instance", ring_json, secret))
    token = _prepare(envs[0], tmp_path / "setup")

    servers: list[Server] = []
    try:
        servers = [Server(env, home) for env, home in zip(envs, homes, strict=True)]
        a, b = (server.wait_until_listening() for server in servers)
        assert a != b
        browser = Browser()

        status, body = browser.request(f"{a}/api/v1/cases", json.dumps(CASE).encode(), {
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        assert status == 201, body[:2000]
        reference = json.loads(body)["reference"]

        status, page = browser.request(f"{a}/login")
        assert status == 200
        status, _ = browser.request(f"{a}/login", urllib.parse.urlencode({
            "csrf_token": _csrf(page), "username": "alice", "password": PASSWORD}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302

        content = b"%PDF-1.7\n" + secrets.token_bytes(256 * 1024)
        status, page = browser.request(f"{a}/requests/{reference}")
        assert status == 200
        upload, kind = _multipart({"csrf_token": _csrf(page), "visibility": "internal"},
                                  "evidence.pdf", content)
        status, body = browser.request(f"{a}/requests/{reference}/documents", upload,
                                       {"Content-Type": kind})
        assert status == 302, body[:2000]

        # Server B: the session signed in on A, the document A stored.
        status, page = browser.request(f"{b}/requests/{reference}")
        assert status == 200
        ids = re.findall(rb'href="/documents/(\d+)"', page)
        assert len(set(ids)) == 1, page[:3000]
        status, downloaded = browser.request(f"{b}/documents/{ids[0].decode()}")
        assert status == 200
        assert downloaded == content
        for home in homes:  # nothing kept on either server's disk
            assert not (home / "instance" / "documents").exists()
    finally:
        for server in servers:
            server.stop()
    for server in servers:
        assert server.process.returncode is not None


def test_one_scheduler_per_database(database, database_url, app):
    """The dispatcher's advisory lock is scoped to its database: a second scheduler on
    the same database waits, one on another database (another instance) does not."""
    from sqlalchemy import create_engine

    from mla.extensions import db
    from mla.scheduler.lock import DispatcherLock

    engine = create_engine(database)
    here, again = DispatcherLock(engine, Path()), DispatcherLock(engine, Path())
    with app.app_context():
        elsewhere = DispatcherLock(db.engine, Path())
        try:
            assert here.try_acquire() is True
            assert again.try_acquire() is False
            assert elsewhere.try_acquire() is True
        finally:
            for lock in (here, again, elsewhere):
                lock.release()
    engine.dispose()
