from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def request_context(app_ctx) -> Iterator[None]:
    """Services word their refusals through flask_babel, which reads the request's locale."""
    with app_ctx.test_request_context():
        yield
