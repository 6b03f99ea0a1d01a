"""How report figures kept ready are written down: JSON (never pickle), with tags for
what JSON lacks.

The report dataclasses are known by name from a fixed list, so a stored payload can
only ever build those; a payload is sealed at rest by its column
(``ReportFigures.payload``), not here.
"""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mla.reports.queries import (
    CounterpartHistory,
    CounterpartRow,
    DeadlineRow,
    Outcomes,
    ReviewColumn,
    Spread,
    TimeReport,
    Workload,
)

_TYPES: dict[str, type] = {cls.__name__: cls for cls in (
    Workload, TimeReport, Spread, CounterpartRow, Outcomes, DeadlineRow, ReviewColumn,
    CounterpartHistory)}


def encode(value: Any) -> Any:
    """A report value as plain JSON; tagged objects ``{"$": tag, "v": ...}`` carry the
    dataclasses (by name, from a fixed list), tuples, dates, instants, decimals and
    mappings (whose keys may be tuples)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return {"$": "decimal", "v": str(value)}
    if isinstance(value, datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$": "map", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    name = type(value).__name__
    if is_dataclass(value) and _TYPES.get(name) is type(value):
        return {"$": name, "v": {f.name: encode(getattr(value, f.name)) for f in fields(value)}}
    raise TypeError(f"report figures cannot store a {name}")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag, inner = value["$"], value["v"]
    if tag == "decimal":
        return Decimal(inner)
    if tag == "datetime":
        return datetime.fromisoformat(inner)
    if tag == "date":
        return date.fromisoformat(inner)
    if tag == "tuple":
        return tuple(decode(v) for v in inner)
    if tag == "map":
        return {_hashable(decode(k)): decode(v) for k, v in inner}
    cls = _TYPES.get(tag)
    if cls is None:
        raise ValueError(f"unknown tag in stored report figures: {tag!r}")
    return cls(**{name: decode(v) for name, v in inner.items()})


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def dumps(value: Any) -> str:
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> Any:
    return decode(json.loads(text))
