"""Real-browser fixtures: the test app served on a local port, driven by Debian's Chromium.

Usage in a test under tests/browser/::

    def test_something(live_server, page, create_user, browser_login):
        user = create_user("caseworker")
        browser_login(page, user)
        page.goto(f"{live_server}/requests/")

- ``live_server``: base URL (``http://127.0.0.1:<port>``) of the session's app, served by
  werkzeug in a thread; it depends on ``app_ctx``, so tables are emptied after each test
  exactly as for the other tests. SQLite only: on MLA_TEST_DB=postgres it skips.
- ``browser`` (one per session/xdist worker) and ``page`` (a fresh context per test).
  A failing test leaves ``test-artifacts/<test name>.png``.
- ``browser_login(page, user, password=PASSWORD)``: signs in through the real form.
- ``screenshot(page, name)``: saves ``test-artifacts/<name>.png`` and returns the path.

While a browser test runs, the test's own thread opens *deferred* SQLite transactions
(never BEGIN IMMEDIATE), so reading in the test cannot hold the write lock the server
needs. To see what the browser changed, end the test's snapshot first:
``db.session.rollback()`` (or ``commit()``) before querying.

Everything here is marked ``browser``. Without Chromium or the ``playwright`` package the
tests skip, unless MLA_REQUIRE_BROWSER=1 (as .ci/run sets), when they fail.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, selected_backend, skip_or_fail

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = os.environ.get("MLA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# How long Playwright waits for an element or a navigation before it fails: a guard
# against a page that never comes, generous enough for a fully loaded machine.
DEFAULT_TIMEOUT_MS = 60_000
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item, not only this directory's: filter by path.
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]):
    report = yield
    setattr(item, f"_mla_report_{report.when}", report)
    return report


def _browser_unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("the Python package 'playwright' is not installed "
                "(pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


def _require_sqlite() -> None:
    if selected_backend() != "sqlite":
        pytest.skip("browser tests run on SQLite only; the PostgreSQL run covers the "
                    "same code through the test client")


def _buffered(app: Any) -> Any:
    """Close every response (and the file behind a static one) before sending it.

    Werkzeug's development server drains the socket before it closes the response
    iterable; when the browser has already dropped the connection (it navigated on),
    that read raises and the iterable is never closed: a ResourceWarning for the open
    file, an error under filterwarnings=error. Production servers are not involved.
    """

    def wsgi(environ: Any, start_response: Any) -> Any:
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return wsgi


class _ServerThread(threading.Thread):
    def __init__(self, app: Any) -> None:
        super().__init__(name="live-server", daemon=True)
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
        self.port = self.server.server_port

    def run(self) -> None:
        self.server.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.join(timeout=5)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served on a free local port while the block runs; yields its base URL."""
    thread = _ServerThread(app)
    thread.start()
    try:
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.stop()


@contextmanager
def reading_deferred() -> Iterator[None]:
    """The test's thread opens deferred SQLite transactions while the block runs (see the
    module doc): its reads never hold the write lock the server needs."""
    from mla.core.db import reset_read_only, set_read_only

    token = set_read_only(True)
    try:
        yield
    finally:
        reset_read_only(token)


@pytest.fixture(scope="session")
def _live_server_url(app: Any) -> Iterator[str]:
    _require_sqlite()
    with serving(app) as url:
        yield url


@pytest.fixture
def live_server(_live_server_url: str, app_ctx: Any) -> Iterator[str]:
    """Base URL of the running app; the test runs inside ``app_ctx``.

    Both are plain arguments (not request.getfixturevalue): the server is a session
    fixture, so it starts before a test's own fixtures and the leftover check in
    tests/conftest.py does not take its socket for one the test left behind."""
    with reading_deferred():
        yield _live_server_url


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Any]:
    reason = _browser_unavailable()
    if reason:
        skip_or_fail(reason, "MLA_REQUIRE_BROWSER")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)  # expect()'s own default is 5 s
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright: Any) -> Iterator[Any]:
    from playwright.sync_api import Error

    try:
        instance = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                               args=CHROMIUM_ARGS)
    except Error as exc:
        skip_or_fail(f"Chromium at {CHROMIUM} does not start: {exc.message.splitlines()[0]}",
                     "MLA_REQUIRE_BROWSER")
    yield instance
    instance.close()


def _artifact_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150]


def save_screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{_artifact_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def page(browser: Any, live_server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context and page; relative URLs resolve against ``live_server``."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    stale = ARTIFACTS / f"{_artifact_name(f'FAILED-{request.node.nodeid}')}.png"
    stale.unlink(missing_ok=True)  # a screenshot from an earlier failed run would mislead
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = getattr(request.node, "_mla_report_call", None)
        if report is not None and report.failed:
            try:
                path = save_screenshot(tab, f"FAILED-{request.node.nodeid}")
                print(f"\nscreenshot of the failure: {path}")
            except Exception as exc:  # a failed screenshot must not hide the failure
                print(f"\nno screenshot of the failure: {exc}")
        context.close()


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    return save_screenshot


@pytest.fixture
def browser_login(live_server: str) -> Callable[..., Any]:
    """Sign ``user`` in through the sign-in page; returns the page on the home page."""

    def login(page: Any, user: Any, password: str = PASSWORD) -> Any:
        page.goto(f"{live_server}/login")
        page.locator("#username").fill(user.username)
        page.locator("#password").fill(password)
        with page.expect_navigation() as navigation:
            page.locator("main form button[type=submit]").click()
        response = navigation.value
        if response is None or response.status >= 400 or \
                page.locator("form[action$='/logout']").count() != 1:
            status = response.status if response is not None else "no response"
            body = page.locator("body").inner_text()[:500]
            pytest.fail(f"signing in as {user.username!r} did not reach a signed-in page: "
                        f"{page.url} answered {status}:\n{body}", pytrace=False)
        return page

    return login


def nav_link(page: Any, name: str) -> Any:
    """A link of the top menu. The menu keeps to one line by moving the entries that would
    wrap under "More" (which ones depends on the language, the roles and the width), so
    "More" is opened first when the link is there."""
    bar = page.locator(".app-nav")
    if not bar.get_by_role("link", name=name, exact=True).first.is_visible():
        bar.get_by_role("button", name="More").click()
    return bar.get_by_role("link", name=name, exact=True).locator("visible=true").first
