from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def request_context(app_ctx) -> Iterator[None]:
    """Services word their refusals through flask_babel, which reads the request's locale."""
    with app_ctx.test_request_context():
        yield


@pytest.fixture(params=["database", "filesystem"])
def store(request: pytest.FixtureRequest, app_ctx, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs the test once per document store (MLA_DOCUMENT_STORE)."""
    settings = app_ctx.extensions["mla.settings"]
    monkeypatch.setitem(app_ctx.extensions, "mla.settings",
                        dataclasses.replace(settings, document_store=request.param))
    return request.param
