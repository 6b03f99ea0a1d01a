"""Reading data files a person edits (workflows, scenario packs): every problem is
collected and reported with where it is, instead of stopping at the first."""

from __future__ import annotations

from typing import Any


class ProblemCollector:
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
