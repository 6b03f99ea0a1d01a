"""The pseudo-locale: the catalogue of a fresh extraction, every string as ⟦its English⟧,
in place of whatever language a request would get."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import flask_babel
import pytest

from tests.i18n.catalogues import extract_fresh, pseudo_translations


@pytest.fixture(scope="session")
def pseudo_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return pseudo_translations(extract_fresh(tmp_path_factory.mktemp("i18n") / "fresh.pot"))


@pytest.fixture
def pseudo_locale(monkeypatch: pytest.MonkeyPatch, pseudo_catalogue: Any) -> Iterator[Any]:
    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: pseudo_catalogue)
    yield pseudo_catalogue
