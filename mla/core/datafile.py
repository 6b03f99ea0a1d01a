"""Reading data files a person edits (workflow definitions, scenario packs): TOML is
loaded one way, and every problem is collected and reported with where it is,
instead of stopping at the first."""

from __future__ import annotations

import tomllib
from typing import Any


class DataFileError(ValueError):
    """The file is not readable TOML (the message is the parser's)."""


def load_toml(raw: bytes | str) -> dict[str, Any]:
    """The file's tables; DataFileError when it is not UTF-8 or not valid TOML."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(str(exc)) from None


class ProblemCollector:
    """Typed reads of a loaded file's values; each wrong value adds a problem naming
    where it is and falls back to a default, so one pass finds every mistake."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def table(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        """``value`` as a table whose keys are all in ``allowed`` (typos are reported)."""
        if not isinstance(value, dict):
            self.problem(where, "expected a table")
            return {}
        for key in sorted(set(value) - allowed):
            self.problem(where, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        return value

    def tables(self, value: Any, where: str) -> list[Any]:
        """An array of tables (``[[...]]``); absent is empty."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(where, "expected a list of tables ([[...]])")
            return []
        return value

    def flag(self, data: dict[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problem(where, f"{key!r} must be true or false")
            return False
        return value

    def integer(self, data: dict[str, Any], key: str, where: str, default: int, *,
                low: int | None = None, high: int | None = None) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, f"{key!r} must be a whole number")
            return default
        if (low is not None and value < low) or (high is not None and value > high):
            self.problem(where, f"{key!r} must be between {low} and {high}"
                         if high is not None else f"{key!r} must be at least {low}")
            return default
        return value
