"""Guards and effects, registered by name; workflow files refer to these names only.

Nothing in a workflow file is evaluated. A guard returns None when it holds, or a
sentence saying why the step is not possible yet. An effect does its work inside
the transition's transaction (flush, never commit). Domains register their own
hooks in the modules listed in HOOK_MODULES.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Modules whose import registers guards and effects.
HOOK_MODULES = (
    "mla.workflow.builtin_hooks",
    "mla.dualcrim.hooks",
    "mla.deadlines.hooks",
)


@dataclass
class TransitionContext:
    case: Any                      # mla.cases.models.Case
    actor: Any                     # mla.auth.models.User, or a string for the system
    transition: Any                # the engine's Transition definition
    values: dict[str, Any] = field(default_factory=dict)  # the fields the step asked for
    comment: str = ""
    event: Any = None              # the CaseEvent written for this step (set before effects)


GuardFn = Callable[[TransitionContext], "str | None"]
EffectFn = Callable[[TransitionContext, "str | None"], None]

_guards: dict[str, GuardFn] = {}
_effects: dict[str, EffectFn] = {}


def guard(name: str) -> Callable[[GuardFn], GuardFn]:
    def register(fn: GuardFn) -> GuardFn:
        if name in _guards and _guards[name] is not fn:
            raise ValueError(f"guard {name!r} registered twice")
        _guards[name] = fn
        return fn

    return register


def effect(name: str) -> Callable[[EffectFn], EffectFn]:
    def register(fn: EffectFn) -> EffectFn:
        if name in _effects and _effects[name] is not fn:
            raise ValueError(f"effect {name!r} registered twice")
        _effects[name] = fn
        return fn

    return register


def load_hooks() -> None:
    for module in HOOK_MODULES:
        importlib.import_module(module)


def guards() -> dict[str, GuardFn]:
    load_hooks()
    return dict(_guards)


def effects() -> dict[str, EffectFn]:
    load_hooks()
    return dict(_effects)


def split_ref(ref: str) -> tuple[str, str | None]:
    """'start_deadline:ece_art16_4' -> ('start_deadline', 'ece_art16_4')."""
    name, sep, arg = ref.partition(":")
    return name.strip(), (arg.strip() if sep else None)
