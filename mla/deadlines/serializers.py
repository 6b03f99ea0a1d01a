"""Plain-data views of a request's clocks, shared by the API and the portal."""

from __future__ import annotations

from typing import Any

from mla.cases.models import Case
from mla.deadlines.services import deadlines_of


def case_deadlines(case: Case) -> list[dict[str, Any]]:
    """Running and past deadlines of a request (open first, custody first)."""
    return [view.as_dict() for view in deadlines_of(case)]
