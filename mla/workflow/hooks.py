"""Guards and effects, registered by name; workflow files refer to these names only.

Nothing in a workflow file is evaluated. A guard returns None when it holds, or a
sentence saying why the step is not possible yet. An effect does its work inside
the transition's transaction (flush, never commit).

The domain that owns a guard or effect registers it, in its own ``hooks`` module
(imported by the domain's ``plugin.py``), and an effect declares there what it
accepts after the colon (``Argument``); ``workflows check`` reads that schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from typing import Any

from mla.auth.actors import Actor
from mla.cases.models import Case, CaseEvent
from mla.workflow.definitions import Transition


@dataclass(frozen=True)
class Argument:
    """What an effect accepts after the colon in ``name:arg``.

    ``required``: the argument must be given; ``forbidden``: it must not be;
    ``choices``: a callable listing the accepted values (called when a definition
    is checked, so it may read data files); ``None`` accepts any text.
    """

    required: bool = False
    forbidden: bool = False
    choices: Callable[[], Iterable[str]] | None = None

    def problem(self, name: str, arg: str | None) -> str | None:
        if self.forbidden and arg is not None:
            return "takes no argument"
        if self.required and not arg:
            return f"needs an argument ({name}:...)"
        if self.choices is not None and arg is not None:
            allowed = frozenset(self.choices())
            if arg not in allowed:
                return f"unknown argument {arg!r} (known: {', '.join(sorted(allowed))})"
        return None


ANY_ARGUMENT = Argument()
NO_ARGUMENT = Argument(forbidden=True)


@dataclass
class TransitionContext:
    case: Case
    actor: Actor
    transition: Transition | None  # None for the registration effects (on_start)
    values: dict[str, Any] = field(default_factory=dict)  # the fields the step asked for
    comment: str = ""
    event: CaseEvent | None = None  # the step's timeline entry (set before effects)
    # What a guard read, kept for the step's effects: one read per step, not one per
    # hook (keys are the reading domain's, e.g. "exchange.requests").
    memo: dict[str, Any] = field(default_factory=dict)


GuardFn = Callable[[TransitionContext], "str | None"]
EffectFn = Callable[[TransitionContext, "str | None"], None]
ScopeFn = Callable[[TransitionContext], AbstractContextManager[Any]]

_guards: dict[str, GuardFn] = {}
_effects: dict[str, EffectFn] = {}
_arguments: dict[str, Argument] = {}
_scopes: list[ScopeFn] = []


def guard(name: str) -> Callable[[GuardFn], GuardFn]:
    def register(fn: GuardFn) -> GuardFn:
        if name in _guards and _guards[name] is not fn:
            raise ValueError(f"guard {name!r} registered twice")
        _guards[name] = fn
        return fn

    return register


def effect(name: str, argument: Argument = ANY_ARGUMENT) -> Callable[[EffectFn], EffectFn]:
    def register(fn: EffectFn) -> EffectFn:
        if name in _effects and _effects[name] is not fn:
            raise ValueError(f"effect {name!r} registered twice")
        _effects[name] = fn
        _arguments[name] = argument
        return fn

    return register


def around_effects(fn: ScopeFn) -> ScopeFn:
    """Register a context manager entered around a step's (or a registration's) effects,
    for work a domain does once per step rather than once per effect (deadlines: the
    request's next due date, from the clocks as the last effect left them)."""
    if fn not in _scopes:
        _scopes.append(fn)
    return fn


def effects_scope(ctx: TransitionContext) -> ExitStack:
    """Every registered ``around_effects`` scope, entered; use in a ``with``."""
    stack = ExitStack()
    with stack:
        for scope in _scopes:
            stack.enter_context(scope(ctx))
        return stack.pop_all()


def guards() -> dict[str, GuardFn]:
    return dict(_guards)


def effects() -> dict[str, EffectFn]:
    return dict(_effects)


def argument_of(name: str) -> Argument:
    """The argument schema an effect was registered with."""
    return _arguments.get(name, ANY_ARGUMENT)
