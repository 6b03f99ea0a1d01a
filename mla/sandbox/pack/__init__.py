"""Scenario packs: ``scenarios/<pack>/scenario.toml`` plus offence catalogue CSVs.

Reading a pack checks everything it can without touching the database and
lists every problem with where it is (``requests[2] 'x': steps[1]: ...``), so a
trainer editing a copy sees all mistakes at once. The format is documented in
docs/sandbox.md; ``scenarios/first-week`` is the worked example.

Split by what each part does: ``specs`` (the values a pack holds, ``PackError``),
``location`` (where packs are), ``reader`` (checking ``scenario.toml``).
"""

from __future__ import annotations

from mla.sandbox.pack.location import (
    PACK_FILE,
    SCENARIO_DIR,
    available_packs,
    pack_title,
    resolve_pack,
    scenario_dir,
)
from mla.sandbox.pack.reader import read_pack
from mla.sandbox.pack.specs import (
    AuthoritySpec,
    CheckSpec,
    CounterpartSpec,
    ExerciseSpec,
    Pack,
    PackError,
    RequestSpec,
    StateSpec,
    StepSpec,
)

__all__ = [
    "PACK_FILE", "SCENARIO_DIR", "AuthoritySpec", "CheckSpec", "CounterpartSpec",
    "ExerciseSpec", "Pack", "PackError", "RequestSpec", "StateSpec", "StepSpec",
    "available_packs", "pack_title", "read_pack", "resolve_pack", "scenario_dir",
]
