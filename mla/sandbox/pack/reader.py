"""Reading ``scenario.toml``: every section checked, every problem collected with
where it is, nothing touched in the database (the shared data-file reader,
mla.core.datafile, does the typed reads)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from mla.cases.constants import LIFE_MONTHS, MEASURES
from mla.core.datafile import DataFileError, ProblemCollector, load_toml
from mla.directory.models import AUTHORITY_KINDS, CHANNELS
from mla.sandbox.exercises import CHECKS
from mla.sandbox.pack.location import PACK_FILE
from mla.sandbox.pack.specs import (
    LETTER_LANGUAGES,
    LETTER_TEXTS,
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
from mla.workflow.grounds import GROUNDS_BY_CODE

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
FICTIONAL = tuple(f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
OUTCOMES = ("execute", "refuse", "none")
LEGAL_BASES = ("UNTOC", "UNCAC", "ECE", "ECMA", "EAW", "EIO", "BILATERAL", "RECIPROCITY")
PERSON_ROLES = ("suspect", "witness", "victim", "expert", "other")

_TOP = {"scenario", "home", "states", "authorities", "requests", "exercises"}
_SCENARIO = {"title", "description", "start"}
_HOME = {"name", "catalogue"}
_STATE = {"code", "name", "catalogue", "holiday_calendar", "counterpart"}
_COUNTERPART = {"acknowledge_after_days", "answer_after_days", "supplementary_probability",
                "supplementary_question", "outcome", "refusal_ground", "refusal_reason",
                "language", "letters", "complete", "max_questions"}
_COMPLETE = {"keywords", "checklist"}
_AUTHORITY = {"key", "country", "kind", "name", "email", "phone", "address", "website",
              "languages", "channels"}
_REQUEST = {"key", "direction", "kind", "counterpart", "legal_basis", "title", "summary",
            "counterpart_reference", "domestic_reference", "counterpart_authority",
            "domestic_authority", "urgent", "urgency_reason", "received_day", "measures",
            "offences", "persons", "steps", "counterpart_plan"}
_OFFENCE = {"label", "statute", "max_penalty_months", "iccs", "conduct"}
_PERSON = {"role", "full_name", "date_of_birth", "nationality", "identifiers", "address",
           "in_custody"}
_STEP = {"transition", "day", "time", "fields", "comment"}
_PLAN = {"supplementary", "outcome"}
_EXERCISE = {"code", "title", "instructions", "checks", "model_answer"}
_CHECK = {"check", "label", "params"}


_HEADER = re.compile(r"^\s*\[(\[)?\s*([A-Za-z0-9_.-]+)\s*\]")
_QUOTED = re.compile(r" '[^']*'")


def header_lines(text: str) -> dict[str, int]:
    """Where each table starts, by the names problems use: ``states[2]``,
    ``states[2].counterpart``, ``requests[1]: steps[3]``, ``[scenario]``."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        found = _HEADER.match(line)
        if not found:
            continue
        array, parts = found.group(1) is not None, found.group(2).split(".")
        if len(parts) == 1:
            if array:
                counts[parts[0]] = counts.get(parts[0], 0) + 1
                lines.setdefault(f"{parts[0]}[{counts[parts[0]]}]", number)
            else:
                lines.setdefault(f"[{parts[0]}]", number)
            continue
        parent = f"{parts[0]}[{counts.get(parts[0], 0)}]"
        if array:
            name = f"{parent}.{'.'.join(parts[1:])}"
            counts[name] = counts.get(name, 0) + 1
            lines.setdefault(f"{parent}: {'.'.join(parts[1:])}[{counts[name]}]", number)
        else:
            lines.setdefault(f"{parent}.{'.'.join(parts[1:])}", number)
    return lines


class _Reader(ProblemCollector):
    def __init__(self, root: Path, text: str = "") -> None:
        super().__init__()
        self.root = root
        self.lines = header_lines(text)

    def problem(self, where: str, message: str) -> None:
        """Every problem names the line of scenario.toml its table starts on."""
        line = self.line_of(where)
        super().problem(f"line {line}: {where}" if line and where else where, message)

    def line_of(self, where: str) -> int | None:
        name = _QUOTED.sub("", where)
        while name:
            for candidate in (name, name.replace(": ", ".")):
                if candidate in self.lines:
                    return self.lines[candidate]
            cut = max(name.rfind(": "), name.rfind("."))
            name = name[:cut] if cut > 0 else ""
        return None

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = False,
             default: str = "") -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(where, f"missing {key!r}")
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(where, f"{key!r} must be a non-empty string" if required
                         else f"{key!r} must be a string")
            return default
        return value.strip()

    def names(self, data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(where, f"{key!r} must be a list of strings")
            return ()
        return tuple(v.strip() for v in value)

    def file(self, data: dict[str, Any], key: str, where: str) -> Path | None:
        name = self.text(data, key, where)
        if not name:
            return None
        path = (self.root / name).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            self.problem(where, f"{key!r}: no file {name!r} in the pack's folder")
            return None
        return path


def read_pack(path: Path) -> Pack:
    """Parse and check a pack; raises PackError listing every problem."""
    source = path / PACK_FILE
    try:
        raw = source.read_bytes()
        data = load_toml(raw)
    except (OSError, DataFileError) as exc:
        raise PackError([f"{PACK_FILE}: {exc}"]) from None
    reader = _Reader(path, raw.decode("utf-8"))
    data = reader.table(data, "", _TOP)
    scenario = reader.table(data.get("scenario", {}), "[scenario]", _SCENARIO)
    title = reader.text(scenario, "title", "[scenario]", required=True)
    start = _start(reader, scenario.get("start"))
    home = reader.table(data.get("home", {}), "[home]", _HOME)
    states = _states(reader, data.get("states"))
    codes = {s.code for s in states}
    authorities = _authorities(reader, data.get("authorities"), codes)
    authority_keys = {a.key for a in authorities}
    requests = _requests(reader, data.get("requests"), codes, authority_keys)
    exercises = _exercises(reader, data.get("exercises"), {r.key for r in requests})
    if reader.problems:
        raise PackError(reader.problems)
    return Pack(
        name=path.name, path=path, title=title,
        description=reader.text(scenario, "description", "[scenario]"),
        start=start, home_name=reader.text(home, "name", "[home]") or "Zembla",
        home_catalogue=reader.file(home, "catalogue", "[home]"),
        states=tuple(states), authorities=tuple(authorities), requests=tuple(requests),
        exercises=tuple(exercises),
    )


def _start(reader: _Reader, value: Any) -> datetime:
    fallback = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            reader.problem("[scenario]", "'start' needs a time zone, e.g. 2026-03-02T08:00:00Z")
            return fallback
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(8, 0), tzinfo=UTC)
    reader.problem("[scenario]", "'start' must be a date or a date and time, "
                                 "e.g. 2026-03-02T08:00:00Z")
    return fallback


def _states(reader: _Reader, value: Any) -> list[StateSpec]:
    states: list[StateSpec] = []
    for index, item in enumerate(reader.tables(value, "states"), start=1):
        where = f"states[{index}]"
        item = reader.table(item, where, _STATE)
        code = reader.text(item, "code", where, required=True).upper()
        if code and code not in FICTIONAL:
            reader.problem(where, f"{code!r} is not an ISO user-assigned code (XA-XZ): "
                                  "training states are fictional")
        if any(s.code == code for s in states):
            reader.problem(where, f"state {code} appears twice")
        raw = reader.table(item.get("counterpart", {}), f"{where}.counterpart", _COUNTERPART)
        here = f"{where}.counterpart"
        outcome = reader.text(raw, "outcome", here, default="execute")
        if outcome not in OUTCOMES:
            reader.problem(here, f"'outcome' must be one of {', '.join(OUTCOMES)}")
        ground = reader.text(raw, "refusal_ground", here)
        if outcome == "refuse" and ground not in GROUNDS_BY_CODE:
            reader.problem(here, "a refusing counterpart needs 'refusal_ground', one of "
                                 + ", ".join(GROUNDS_BY_CODE))
        counterpart = CounterpartSpec(
            acknowledge_after_days=reader.integer(raw, "acknowledge_after_days", here, 3,
                                                  low=0, high=365),
            answer_after_days=reader.integer(raw, "answer_after_days", here, 20, low=0,
                                             high=730),
            supplementary_probability=reader.integer(raw, "supplementary_probability", here,
                                                     0, low=0, high=100),
            supplementary_question=reader.text(raw, "supplementary_question", here),
            outcome=outcome, refusal_ground=ground,
            refusal_reason=reader.text(raw, "refusal_reason", here),
            **_script(reader, raw, here),
        )
        states.append(StateSpec(code=code, name=reader.text(item, "name", where, required=True),
                                catalogue=reader.file(item, "catalogue", where),
                                holiday_calendar=reader.text(item, "holiday_calendar", where),
                                counterpart=counterpart))
    return states


def _script(reader: _Reader, raw: dict[str, Any], here: str) -> dict[str, Any]:
    """The counterpart's language, letters and what makes an answer complete."""
    language = reader.text(raw, "language", here, default="en")
    if language not in LETTER_LANGUAGES:
        reader.problem(here, f"'language' must be one of {', '.join(LETTER_LANGUAGES)}")
        language = "en"
    letters: dict[str, dict[str, str]] = {}
    table = reader.table(raw.get("letters", {}), f"{here}.letters", set(LETTER_TEXTS))
    for kind, value in table.items():
        if kind not in LETTER_TEXTS:
            continue
        texts = {"en": value} if isinstance(value, str) else value
        if not isinstance(texts, dict) or not texts or not all(
                isinstance(t, str) and t.strip() for t in texts.values()):
            reader.problem(f"{here}.letters", f"{kind!r} must be a text, or a table of texts "
                                              'by language, e.g. { en = "...", fr = "..." }')
            continue
        bad = sorted(set(texts) - set(LETTER_LANGUAGES))
        if bad:
            reader.problem(f"{here}.letters", f"{kind!r}: unknown languages {', '.join(bad)} "
                                              f"(known: {', '.join(LETTER_LANGUAGES)})")
        letters[kind] = {k: " ".join(t.split()) for k, t in texts.items()}
    complete = reader.table(raw.get("complete", {}), f"{here}.complete", _COMPLETE)
    keywords: list[tuple[str, ...]] = []
    raw_keywords = complete.get("keywords", [])
    if not isinstance(raw_keywords, list):
        raw_keywords = [None]
    for number, entry in enumerate(raw_keywords, start=1):
        group = (entry,) if isinstance(entry, str) else entry
        if not isinstance(group, list | tuple) or not group or not all(
                isinstance(w, str) and w.strip() for w in group):
            reader.problem(f"{here}.complete", f"keywords[{number}] must be a word, or a list "
                                               'of words any of which will do, e.g. '
                                               '["born", "date of birth"]')
            continue
        keywords.append(tuple(w.strip() for w in group))
    checklist = reader.names(complete, "checklist", f"{here}.complete")
    if any(not item for item in checklist):
        reader.problem(f"{here}.complete", "'checklist' items must not be empty")
    return {"language": language, "letters": letters, "keywords": tuple(keywords),
            "checklist": tuple(i for i in checklist if i),
            "max_questions": reader.integer(raw, "max_questions", here, 3, low=1, high=10)}


def _authorities(reader: _Reader, value: Any, codes: set[str]) -> list[AuthoritySpec]:
    found: list[AuthoritySpec] = []
    for index, item in enumerate(reader.tables(value, "authorities"), start=1):
        where = f"authorities[{index}]"
        item = reader.table(item, where, _AUTHORITY)
        key = reader.text(item, "key", where, required=True)
        if key and not KEY_RE.match(key):
            reader.problem(where, "'key' uses lower-case letters, digits, - and _")
        if any(a.key == key for a in found):
            reader.problem(where, f"authority key {key!r} appears twice")
        country = reader.text(item, "country", where, required=True)
        if country != "home" and country.upper() not in codes:
            reader.problem(where, f"country {country!r} is neither 'home' nor a state of the "
                                  "pack")
        kind = reader.text(item, "kind", where, required=True)
        if kind and kind not in AUTHORITY_KINDS:
            reader.problem(where, f"kind must be one of {', '.join(AUTHORITY_KINDS)}")
        channels = reader.names(item, "channels", where)
        bad = [c for c in channels if c not in CHANNELS]
        if bad:
            reader.problem(where, f"unknown channels {', '.join(bad)} "
                                  f"(known: {', '.join(CHANNELS)})")
        found.append(AuthoritySpec(
            key=key, country=country if country == "home" else country.upper(), kind=kind,
            name=reader.text(item, "name", where, required=True),
            email=reader.text(item, "email", where), phone=reader.text(item, "phone", where),
            address=reader.text(item, "address", where),
            website=reader.text(item, "website", where),
            languages=reader.names(item, "languages", where), channels=channels))
    return found


def _requests(reader: _Reader, value: Any, codes: set[str],
              authority_keys: set[str]) -> list[RequestSpec]:
    found: list[RequestSpec] = []
    for index, item in enumerate(reader.tables(value, "requests"), start=1):
        item = reader.table(item, f"requests[{index}]", _REQUEST)
        key = reader.text(item, "key", f"requests[{index}]", required=True)
        where = f"requests[{index}] {key!r}"
        if key and not KEY_RE.match(key):
            reader.problem(where, "'key' uses lower-case letters, digits, - and _")
        if any(r.key == key for r in found):
            reader.problem(where, "this key appears twice")
        direction = reader.text(item, "direction", where, required=True)
        kind = reader.text(item, "kind", where, required=True)
        if direction not in ("incoming", "outgoing"):
            reader.problem(where, "'direction' must be incoming or outgoing")
        if kind not in ("mla", "extradition"):
            reader.problem(where, "'kind' must be mla or extradition")
        counterpart = reader.text(item, "counterpart", where, required=True).upper()
        if counterpart and counterpart not in codes:
            reader.problem(where, f"counterpart {counterpart!r} is not a state of the pack")
        basis = reader.text(item, "legal_basis", where, required=True)
        if basis and basis not in LEGAL_BASES:
            reader.problem(where, f"'legal_basis' must be one of {', '.join(LEGAL_BASES)}")
        for ref in ("counterpart_authority", "domestic_authority"):
            name = reader.text(item, ref, where)
            if name and name not in authority_keys:
                reader.problem(where, f"{ref!r}: no authority with key {name!r}")
        measures = reader.names(item, "measures", where)
        bad = [m for m in measures if m not in MEASURES]
        if bad:
            reader.problem(where, f"unknown measures {', '.join(bad)}")
        # A day after the start (> 0): the request arrives when the clock gets there.
        received_day = reader.integer(item, "received_day", where, 0, low=-3650, high=3650)
        offences = []
        for number, raw in enumerate(reader.tables(item.get("offences"), where), start=1):
            here = f"{where}: offences[{number}]"
            raw = reader.table(raw, here, _OFFENCE)
            penalty = raw.get("max_penalty_months")
            if penalty == "life":
                penalty = LIFE_MONTHS
            elif penalty is not None and (isinstance(penalty, bool)
                                          or not isinstance(penalty, int) or penalty <= 0):
                reader.problem(here, "'max_penalty_months' must be a positive number or 'life'")
                penalty = None
            offences.append({"label": reader.text(raw, "label", here, required=True),
                             "statute": reader.text(raw, "statute", here),
                             "max_penalty_months": penalty,
                             "iccs": list(reader.names(raw, "iccs", here)),
                             "conduct": reader.text(raw, "conduct", here)})
        persons = []
        for number, raw in enumerate(reader.tables(item.get("persons"), where), start=1):
            here = f"{where}: persons[{number}]"
            raw = reader.table(raw, here, _PERSON)
            role = reader.text(raw, "role", here, required=True)
            if role and role not in PERSON_ROLES:
                reader.problem(here, f"'role' must be one of {', '.join(PERSON_ROLES)}")
            person: dict[str, Any] = {
                name: reader.text(raw, name, here, required=name == "full_name")
                for name in ("full_name", "date_of_birth", "nationality", "identifiers",
                             "address")}
            person["role"] = role
            person["is_in_custody"] = bool(raw.get("in_custody", False))
            persons.append(person)
        steps = _steps(reader, item.get("steps"), where, received_day)
        plan = reader.table(item.get("counterpart_plan", {}), f"{where}: counterpart_plan",
                            _PLAN)
        if plan.get("outcome") is not None and plan.get("outcome") not in OUTCOMES:
            reader.problem(where, f"counterpart_plan.outcome must be one of {', '.join(OUTCOMES)}")
        if "supplementary" in plan and not isinstance(plan["supplementary"], bool):
            reader.problem(where, "counterpart_plan.supplementary must be true or false")
        found.append(RequestSpec(
            key=key, direction=direction, kind=kind, counterpart=counterpart, legal_basis=basis,
            title=reader.text(item, "title", where, required=True), received_day=received_day,
            summary=reader.text(item, "summary", where),
            counterpart_reference=reader.text(item, "counterpart_reference", where),
            domestic_reference=reader.text(item, "domestic_reference", where),
            counterpart_authority=reader.text(item, "counterpart_authority", where),
            domestic_authority=reader.text(item, "domestic_authority", where),
            urgent=bool(item.get("urgent", False)),
            urgency_reason=reader.text(item, "urgency_reason", where),
            measures=measures, offences=tuple(offences), persons=tuple(persons),
            steps=steps, counterpart_plan=dict(plan)))
    return found


def _steps(reader: _Reader, value: Any, where: str, received_day: int) -> tuple[StepSpec, ...]:
    steps: list[StepSpec] = []
    previous = received_day
    for number, raw in enumerate(reader.tables(value, f"{where}: steps"), start=1):
        here = f"{where}: steps[{number}]"
        raw = reader.table(raw, here, _STEP)
        day = reader.integer(raw, "day", here, previous, low=-3650,
                             high=max(0, received_day))
        if day < previous:
            reader.problem(here, f"day {day} is before the previous step or the receipt "
                                 f"(day {previous}): steps are in time order")
        previous = max(previous, day)
        at = raw.get("time")
        if at is not None and not isinstance(at, time):
            reader.problem(here, "'time' must be a time of day, e.g. 10:30:00")
            at = None
        fields = raw.get("fields", {})
        if not isinstance(fields, dict):
            reader.problem(here, "'fields' must be a table, e.g. { arrested_on = -3 }")
            fields = {}
        steps.append(StepSpec(transition=reader.text(raw, "transition", here, required=True),
                              day=day, time=at or time(9, 0), fields=dict(fields),
                              comment=reader.text(raw, "comment", here)))
    return tuple(steps)


def _exercises(reader: _Reader, value: Any, request_keys: set[str]) -> list[ExerciseSpec]:
    found: list[ExerciseSpec] = []
    for index, item in enumerate(reader.tables(value, "exercises"), start=1):
        item = reader.table(item, f"exercises[{index}]", _EXERCISE)
        code = reader.text(item, "code", f"exercises[{index}]", required=True)
        where = f"exercises[{index}] {code!r}"
        if code and not KEY_RE.match(code):
            reader.problem(where, "'code' uses lower-case letters, digits, - and _")
        if any(e.code == code for e in found):
            reader.problem(where, "this code appears twice")
        checks: list[CheckSpec] = []
        for number, raw in enumerate(reader.tables(item.get("checks"), where), start=1):
            here = f"{where}: checks[{number}]"
            raw = reader.table(raw, here, _CHECK)
            name = reader.text(raw, "check", here, required=True)
            params = raw.get("params", {})
            if not isinstance(params, dict):
                reader.problem(here, "'params' must be a table")
                params = {}
            check = CHECKS.get(name)
            if name and check is None:
                reader.problem(here, f"unknown check {name!r} (known: {', '.join(sorted(CHECKS))})")
            elif check is not None:
                for message in check.problems(params, request_keys):
                    reader.problem(here, message)
            checks.append(CheckSpec(check=name, label=reader.text(raw, "label", here) or name,
                                    params=dict(params)))
        if not checks:
            reader.problem(where, "an exercise needs at least one check")
        found.append(ExerciseSpec(code=code, title=reader.text(item, "title", where,
                                                                required=True),
                                  instructions=reader.text(item, "instructions", where),
                                  checks=tuple(checks),
                                  model_answer=reader.text(item, "model_answer", where)))
    return found
