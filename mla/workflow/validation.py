"""Whole-definition checks: the graph, the hook names, the roles.

``validate`` returns readable sentences, one per problem, each naming the state,
transition or hook concerned. The CLI (`workflows check`) and the app start-up
both refuse definitions that have any.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mla.core.access import ROLES
from mla.workflow.definitions import Workflow, parse_definition
from mla.workflow.hooks import argument_of

CLOCK_EFFECTS = ("pause_clocks", "resume_clocks")
# Run by the engine after the step's own effects whenever a step enters a terminal state.
CLOSING_EFFECT = "stop_all_clocks"


def validate(workflow: Workflow, *, guard_names: Iterable[str],
             effect_names: Iterable[str], expected_name: str | None = None) -> list[str]:
    guards, effects = set(guard_names), set(effect_names)
    problems: list[str] = []
    add = problems.append
    states = workflow.states
    if expected_name and workflow.name and workflow.name != expected_name:
        add(f"name {workflow.name!r} does not match the file name {expected_name!r}")
    if workflow.initial and workflow.initial not in states:
        add(f"initial state {workflow.initial!r} is not declared")
    if workflow.initial in states and states[workflow.initial].terminal:
        add(f"initial state {workflow.initial!r} is terminal")
    for name, unknown in workflow.unknown_roles.items():
        add(f"transition {name!r}: unknown role(s) {', '.join(unknown)} "
            f"(roles: {', '.join(ROLES)}, or a group from [role_groups])")
    for ref in workflow.start_effects:
        problem = (f"unknown effect {ref.ref!r}" if ref.name not in effects
                   else argument_of(ref.name).problem(ref.name, ref.arg))
        if problem is None and ref.when_field:
            problem = f"effect {ref.ref!r} cannot wait for a field at registration"
        if problem:
            add(f"on_start: {problem}")
    for t in workflow.transitions:
        where = f"transition {t.name!r}"
        for source in t.sources:
            if source not in states:
                add(f"{where}: leaves unknown state {source!r}")
            elif states[source].terminal:
                add(f"{where}: leaves terminal state {source!r} (terminal states have no "
                    "way out)")
        if t.target and t.target not in states:
            add(f"{where}: goes to unknown state {t.target!r}")
        for guard in t.guards:
            if guard not in guards:
                add(f"{where}: unknown guard {guard!r}")
        for ref in t.effects:
            if ref.name not in effects:
                add(f"{where}: unknown effect {ref.ref!r}")
            else:
                problem = argument_of(ref.name).problem(ref.name, ref.arg)
                if problem:
                    add(f"{where}: effect {ref.ref!r}: {problem}")
            if ref.when_field and t.field(ref.when_field) is None:
                add(f"{where}: effect {ref.ref!r} waits for field {ref.when_field!r}, "
                    "which the step does not ask for")
    if any(s.pauses_clocks for s in states.values()):
        for name in CLOCK_EFFECTS:
            if name not in effects:
                add(f"states pause clocks but no effect {name!r} is registered")
    if any(s.terminal for s in states.values()) and CLOSING_EFFECT not in effects:
        add(f"terminal states stop clocks but no effect {CLOSING_EFFECT!r} is registered")
    problems.extend(_graph_problems(workflow))
    return problems


def _graph_problems(workflow: Workflow) -> list[str]:
    states = workflow.states
    if workflow.initial not in states:
        return []
    edges: dict[str, set[str]] = {name: set() for name in states}
    for t in workflow.transitions:
        for source in t.sources:
            if source in edges and t.target in states:
                edges[source].add(t.target)
    problems: list[str] = []
    reachable = _closure({workflow.initial}, edges)
    for name in states:
        if name not in reachable:
            problems.append(f"state {name!r} is unreachable from {workflow.initial!r}")
    terminals = {name for name, s in states.items() if s.terminal}
    if not terminals:
        problems.append("no terminal state: a request could never be closed")
    reverse: dict[str, set[str]] = {name: set() for name in states}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    can_finish = _closure(terminals, reverse)
    for name, state in states.items():
        if state.terminal:
            continue
        if not (edges[name] - {name}):
            problems.append(f"state {name!r} is a dead end: not terminal, and no transition "
                            "leaves it")
        elif terminals and name not in can_finish and name in reachable:
            problems.append(f"state {name!r} can never reach a terminal state")
    return problems


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    stack = list(start)
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def check_file(path: Path, *, guard_names: Iterable[str],
               effect_names: Iterable[str]) -> tuple[Workflow | None, list[str]]:
    """Read and validate one file: (workflow, every problem found)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [f"cannot read: {exc.strerror}"]
    workflow, problems = parse_definition(raw, source=path.name)
    if workflow is None:
        return None, problems
    problems = problems + validate(workflow, guard_names=guard_names, effect_names=effect_names,
                                   expected_name=path.stem)
    return workflow, problems
