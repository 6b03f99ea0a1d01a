"""Workflow definitions: plain data read from TOML, never evaluated.

``parse_definition`` turns a file's text into a ``Workflow`` and a list of the
problems it found while reading (wrong types, unknown keys, missing labels).
Checks that need the whole graph or the hook registry live in ``validation``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from mla.core.access import ROLES
from mla.core.datafile import DataFileError, ProblemCollector, load_toml

FIELD_TYPES = ("text", "textarea", "date", "select", "authority", "refusal_ground", "treaty")
# Types whose values are codes, dates or ids, kept readable in a step's timeline entry
# (reports group refusals by ground in SQL); any other value is free text and is sealed
# (CaseEvent.sealed_values).
STRUCTURED_FIELD_TYPES = frozenset({"date", "select", "authority", "refusal_ground", "treaty"})
# Names the step form uses itself; a field may not take them.
RESERVED_FIELD_NAMES = frozenset({"comment", "version", "name", "csrf_token", "submit"})
# A step may be taken by a scheduled job when its roles include this.
SYSTEM_ROLE = "system"
LEGAL_BASES = ("UNTOC", "UNCAC", "ECE", "ECMA", "EAW", "EIO", "BILATERAL", "RECIPROCITY")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")

_TOP_KEYS = {"name", "title", "description", "initial", "role_groups", "states", "transitions",
             "on_start"}
_STATE_KEYS = {"name", "label", "description", "terminal", "pauses_clocks", "approval"}
_TRANSITION_KEYS = {"name", "label", "description", "from", "to", "stays", "roles", "guards",
                    "effects", "fields", "comment_required", "internal"}
_FIELD_KEYS = {"name", "type", "label", "required", "choices", "help", "future", "default"}
# Defaults a field may declare: "today" (in the home state's zone), for receipt dates.
FIELD_DEFAULTS = ("today",)
_EFFECT_KEYS = {"effect", "legal_basis", "when_field"}


def content_version(raw: bytes) -> str:
    """A definition's version: the hash of its exact bytes."""
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class State:
    name: str
    label: str
    description: str = ""
    terminal: bool = False
    pauses_clocks: bool = False
    approval: bool = False


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    # A date field is the day something happened (an arrest, a receipt), so never after
    # today, unless it is a date agreed or due (``future = true``).
    future: bool = False
    default: str = ""


@dataclass(frozen=True)
class EffectRef:
    """'name' or 'name:arg', optionally only for some legal bases or when a field is given."""

    name: str
    arg: str | None = None
    legal_basis: tuple[str, ...] = ()
    when_field: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.arg}" if self.arg is not None else self.name

    def applies(self, legal_basis: str, values: dict[str, Any]) -> bool:
        if self.legal_basis and legal_basis not in self.legal_basis:
            return False
        return not (self.when_field and values.get(self.when_field) in (None, ""))


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    effects: tuple[EffectRef, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    comment_required: bool = False
    internal: bool = False
    description: str = ""
    # A step that records a fact (an arrest, a consent) and leaves the request where it
    # is, from whichever of its sources it was taken (``stays = true``, no ``to``).
    stays: bool = False

    def target_for(self, source: str) -> str:
        """The state the step leads to when taken from ``source``."""
        return source if self.stays else self.target

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Workflow:
    name: str
    version: str
    title: str
    initial: str
    states: dict[str, State]
    transitions: tuple[Transition, ...]
    source: str = ""
    description: str = ""
    # Roles each transition declared before group expansion, for messages.
    unknown_roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Effects run when a request is registered (e.g. start the acknowledgement clock).
    start_effects: tuple[EffectRef, ...] = ()

    def state(self, name: str) -> State | None:
        return self.states.get(name)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def label_of(self, state: str) -> str:
        found = self.states.get(state)
        return found.label if found else state.replace("_", " ").capitalize()

    @property
    def approval_states(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states.values() if s.approval)


class DefinitionError(Exception):
    """A definition cannot be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


class _Reader(ProblemCollector):
    """Collects problems instead of stopping at the first one."""

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(where, f"missing {key!r}")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(where, f"{key!r} must be a non-empty string")
            return ""
        return value.strip()

    def names(self, value: Any, where: str, key: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(where, f"{key!r} must be a list of names")
            return ()
        return tuple(v.strip() for v in value)


def parse_definition(raw: bytes, source: str = "<workflow>") -> tuple[Workflow | None, list[str]]:
    """Read a definition; returns (workflow or None, problems found while reading)."""
    reader = _Reader()
    try:
        text = raw.decode("utf-8")
        data = load_toml(text)
    except (UnicodeDecodeError, DataFileError) as exc:
        return None, [f"not valid TOML: {exc}"]
    data = reader.table(data, "", _TOP_KEYS)
    name = reader.text(data, "name", "")
    if name and not NAME_RE.match(name):
        reader.problem("", f"workflow name {name!r} must be lower_snake_case")
    title = reader.text(data, "title", "", required=False) or name
    initial = data.get("initial")
    if not isinstance(initial, str) or not initial.strip():
        reader.problem("", "missing initial state ('initial')")
        initial = ""
    groups = _role_groups(reader, data.get("role_groups", {}))
    states = _states(reader, data.get("states"))
    unknown_roles: dict[str, tuple[str, ...]] = {}
    transitions = _transitions(reader, data.get("transitions"), groups, unknown_roles)
    workflow = Workflow(
        name=name, version=content_version(raw), title=title, initial=initial.strip(),
        states=states, transitions=tuple(transitions), source=text,
        description=reader.text(data, "description", "", required=False),
        unknown_roles=unknown_roles,
        start_effects=_effects(reader, data.get("on_start", []), "on_start"),
    )
    return workflow, reader.problems


def _role_groups(reader: _Reader, value: Any) -> dict[str, frozenset[str]]:
    if not isinstance(value, dict):
        reader.problem("role_groups", "expected a table of group = [roles]")
        return {}
    groups: dict[str, frozenset[str]] = {}
    for group, members in value.items():
        where = f"role_groups.{group}"
        if group in ROLES or group == SYSTEM_ROLE:
            reader.problem(where, "a group cannot take the name of a role")
        roles = reader.names(members, where, "members")
        unknown = sorted(set(roles) - {*ROLES, SYSTEM_ROLE})
        if unknown:
            reader.problem(where, f"unknown role(s) {', '.join(unknown)} "
                                  f"(roles: {', '.join(ROLES)})")
        groups[group] = frozenset(roles)
    return groups


def _states(reader: _Reader, value: Any) -> dict[str, State]:
    if not isinstance(value, list) or not value:
        reader.problem("", "no states: declare them as [[states]] tables")
        return {}
    states: dict[str, State] = {}
    for index, item in enumerate(value, start=1):
        named = item.get("name") if isinstance(item, dict) else None
        where = f"state {named!r}" if isinstance(named, str) else f"state #{index}"
        item = reader.table(item, where, _STATE_KEYS)
        name = reader.text(item, "name", where)
        if not name:
            continue
        where = f"state {name!r}"
        if not NAME_RE.match(name):
            reader.problem(where, "state names must be lower_snake_case")
        if name in states:
            reader.problem(where, "duplicate state name")
            continue
        states[name] = State(
            name=name, label=reader.text(item, "label", where),
            description=reader.text(item, "description", where, required=False),
            terminal=reader.flag(item, "terminal", where),
            pauses_clocks=reader.flag(item, "pauses_clocks", where),
            approval=reader.flag(item, "approval", where),
        )
    return states


def _transitions(reader: _Reader, value: Any, groups: dict[str, frozenset[str]],
                 unknown_roles: dict[str, tuple[str, ...]]) -> list[Transition]:
    if not isinstance(value, list) or not value:
        reader.problem("", "no transitions: declare them as [[transitions]] tables")
        return []
    result: list[Transition] = []
    seen: set[str] = set()
    for index, item in enumerate(value, start=1):
        named = item.get("name") if isinstance(item, dict) else None
        where = f"transition {named!r}" if isinstance(named, str) else f"transition #{index}"
        item = reader.table(item, where, _TRANSITION_KEYS)
        name = reader.text(item, "name", where)
        if not name:
            continue
        where = f"transition {name!r}"
        if not NAME_RE.match(name):
            reader.problem(where, "transition names must be lower_snake_case")
        if name in seen:
            reader.problem(where, "duplicate transition name")
            continue
        seen.add(name)
        declared = reader.names(item.get("roles"), where, "roles")
        if not declared:
            reader.problem(where, "no roles: say who may take this step")
        roles: set[str] = set()
        unknown: list[str] = []
        for role in declared:
            if role in groups:
                roles |= groups[role]
            elif role in ROLES or role == SYSTEM_ROLE:
                roles.add(role)
            else:
                unknown.append(role)
        if unknown:
            unknown_roles[name] = tuple(unknown)
        sources = reader.names(item.get("from"), where, "from")
        if not sources:
            reader.problem(where, "missing 'from' (the state or states it leaves)")
        fields = _fields(reader, item.get("fields", []), where)
        stays = reader.flag(item, "stays", where)
        if stays and "to" in item:
            reader.problem(where, "a step that stays in its state ('stays') takes no 'to'")
        target = "" if stays else reader.text(item, "to", where)
        result.append(Transition(
            name=name, label=reader.text(item, "label", where), sources=sources,
            target=target, roles=frozenset(roles), stays=stays,
            guards=reader.names(item.get("guards"), where, "guards"),
            effects=_effects(reader, item.get("effects", []), where),
            fields=fields,
            comment_required=reader.flag(item, "comment_required", where),
            internal=reader.flag(item, "internal", where),
            description=reader.text(item, "description", where, required=False),
        ))
    return result


def _effects(reader: _Reader, value: Any, where: str) -> tuple[EffectRef, ...]:
    if not isinstance(value, list):
        reader.problem(where, "'effects' must be a list")
        return ()
    refs: list[EffectRef] = []
    bases: tuple[str, ...]
    when: str | None
    for item in value:
        if isinstance(item, str):
            ref, bases, when = item, (), None
        elif isinstance(item, dict):
            item = reader.table(item, f"{where} effect", _EFFECT_KEYS)
            ref = reader.text(item, "effect", f"{where} effect")
            bases = reader.names(item.get("legal_basis"), f"{where} effect", "legal_basis")
            when = item.get("when_field")
            if when is not None and not isinstance(when, str):
                reader.problem(where, "'when_field' must be a field name")
                when = None
        else:
            reader.problem(where, f"effect {item!r} must be a string or a table")
            continue
        for basis in bases:
            if basis not in LEGAL_BASES:
                reader.problem(where, f"effect {ref!r}: unknown legal basis {basis!r} "
                                      f"(known: {', '.join(LEGAL_BASES)})")
        name, sep, arg = ref.partition(":")
        refs.append(EffectRef(name=name.strip(), arg=arg.strip() if sep else None,
                              legal_basis=tuple(bases), when_field=when))
    return tuple(refs)


def _fields(reader: _Reader, value: Any, where: str) -> tuple[FieldSpec, ...]:
    if not isinstance(value, list):
        reader.problem(where, "'fields' must be a list of [[transitions.fields]] tables")
        return ()
    specs: list[FieldSpec] = []
    for index, item in enumerate(value, start=1):
        item = reader.table(item, f"{where} field #{index}", _FIELD_KEYS)
        name = reader.text(item, "name", f"{where} field #{index}")
        if not name:
            continue
        here = f"{where} field {name!r}"
        if not NAME_RE.match(name):
            reader.problem(here, "field names must be lower_snake_case")
        if name in RESERVED_FIELD_NAMES:
            reader.problem(here, f"{name!r} is reserved by the step form")
        if any(s.name == name for s in specs):
            reader.problem(here, "duplicate field name")
            continue
        kind = reader.text(item, "type", here)
        if kind and kind not in FIELD_TYPES:
            reader.problem(here, f"unknown field type {kind!r} (types: {', '.join(FIELD_TYPES)})")
        choices = _choices(reader, item.get("choices"), here)
        if kind == "select" and not choices:
            reader.problem(here, "a select field needs 'choices'")
        required = item.get("required", False)
        if not isinstance(required, bool):
            reader.problem(here, "'required' must be true or false")
            required = False
        future = reader.flag(item, "future", here)
        default = reader.text(item, "default", here, required=False)
        if (future or default) and kind != "date":
            reader.problem(here, "'future' and 'default' are for date fields")
        if default and default not in FIELD_DEFAULTS:
            reader.problem(here, f"unknown default {default!r} (defaults: "
                                 f"{', '.join(FIELD_DEFAULTS)})")
        if future and default:
            reader.problem(here, "a date that may lie ahead has no default of today")
        specs.append(FieldSpec(name=name, type=kind, label=reader.text(item, "label", here),
                               required=required, choices=choices,
                               help=reader.text(item, "help", here, required=False),
                               future=future, default=default))
    return tuple(specs)


def _choices(reader: _Reader, value: Any, where: str) -> tuple[tuple[str, str], ...]:
    """A list of [value, label] pairs, or a table value = label."""
    if value is None:
        return ()
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return tuple((str(k), v) for k, v in value.items())
    reader.problem(where, "'choices' must be a table of value = \"label\"")
    return ()
