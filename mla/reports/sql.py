"""SQL pieces the report queries share that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement[float]):
    """``later - earlier`` in days, fractional, from two timestamp expressions."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (f"(julianday({compiler.process(later, **kw)}) - "
            f"julianday({compiler.process(earlier, **kw)}))")


@compiles(days_between, "postgresql")
def _days_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    # date_part gives double precision; EXTRACT gives numeric since PostgreSQL 14, whose
    # arithmetic and sums (a million of them per time-in-state figure) cost several times
    # more and whose aggregate states overflow work_mem sooner. SQLite's julianday
    # difference is a double too.
    return (f"(date_part('epoch', {compiler.process(later, **kw)} - "
            f"{compiler.process(earlier, **kw)}) / 86400.0)")
