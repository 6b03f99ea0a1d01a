"""The sandbox crawl runs on a sandbox-mode app (tests/sandbox/conftest.py's fixtures)."""

from tests.sandbox.conftest import app, database_url, loaded, trainer  # noqa: F401
