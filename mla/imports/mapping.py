"""The mapping of a legacy register onto Comity's fields (docs/import.md).

A TOML file names, for each Comity field, the register's column that holds it, and
translates the register's own words (its status words above all) into Comity's
values. Read once, checked whole: every problem is listed, none is guessed at.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

from flask_babel import gettext as _

# Comity's fields a column may feed; the registration form's fields, one offence and
# one person per `list_separator`-separated item.
FIELDS = (
    "direction", "kind", "legal_basis", "counterpart_country", "counterpart_reference",
    "title", "summary", "received_on", "registered_on", "closed_on", "domestic_reference",
    "urgent", "urgency_reason",
    "measures", "offence", "offence_statute", "offence_max_penalty", "offence_iccs",
    "person_name", "person_role", "person_date_of_birth", "person_nationality",
    "person_identifiers", "assignee", "state",
)
REQUIRED = ("direction", "kind", "legal_basis", "counterpart_country", "title", "state")
# Fields whose words a [values.FIELD] table may translate.
TRANSLATED = ("direction", "kind", "legal_basis", "counterpart_country", "person_role",
              "urgent")
# Fields whose value may be quoted back in an error: codes and words of the register,
# never a name, a date of birth or free text.
QUOTABLE = frozenset({"direction", "kind", "legal_basis", "counterpart_country", "state",
                      "person_role", "urgent", "measures", "offence_iccs",
                      "offence_max_penalty", "assignee"})


class MappingError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]                     # Comity field -> register column
    values: dict[str, dict[str, str]]           # field -> {register word: Comity value}
    # register status word -> state, the same name in every workflow or by workflow name
    states: dict[str, str | dict[str, str]]
    defaults: dict[str, str] = field(default_factory=dict)
    date_format: str = ""                       # strptime format; ISO when empty
    delimiter: str = ""                         # CSV; sniffed when empty
    encoding: str = "utf-8-sig"
    list_separator: str = "|"
    sheet: str = ""                             # xlsx; the first sheet when empty

    def column_of(self, name: str) -> str:
        """The register's column a Comity field (or a dotted error field) comes from."""
        return self.columns.get(name, name)

    def state_for(self, word: str, workflow_name: str) -> str | None:
        target = self.states.get(word.strip()) or self.states.get(word.strip().casefold())
        if isinstance(target, dict):
            return target.get(workflow_name)
        return target


def parse_mapping(text: str) -> Mapping:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError([_("The mapping is not valid TOML: %(problem)s",
                              problem=str(exc))]) from None
    problems: list[str] = []
    source = _table(raw, "source", problems)
    columns = {str(k): str(v) for k, v in _table(raw, "columns", problems).items()}
    defaults = {str(k): str(v) for k, v in _table(raw, "defaults", problems).items()}
    for name in sorted(set(columns) | set(defaults)):
        if name not in FIELDS:
            problems.append(_("Unknown Comity field %(field)r (known: %(known)s).",
                              field=name, known=", ".join(FIELDS)))
    for name in REQUIRED:
        if name not in columns and name not in defaults:
            problems.append(_("The mapping gives no column (nor default) for %(field)s.",
                              field=name))
    values: dict[str, dict[str, str]] = {}
    for name, table in _table(raw, "values", problems).items():
        if name not in TRANSLATED or not isinstance(table, dict):
            problems.append(_("[values.%(field)s]: only %(known)s have word tables.",
                              field=name, known=", ".join(TRANSLATED)))
            continue
        values[name] = {str(k).strip().casefold(): str(v) for k, v in table.items()}
    states: dict[str, str | dict[str, str]] = {}
    for word, target in _table(raw, "states", problems).items():
        if isinstance(target, dict):
            states[str(word).strip().casefold()] = {str(k): str(v) for k, v in target.items()}
        else:
            states[str(word).strip().casefold()] = str(target)
    if not states:
        problems.append(_("The mapping has no [states] table: each status word of the "
                          "register needs a workflow state."))
    if problems:
        raise MappingError(problems)
    return Mapping(
        columns=columns, values=values, states=states, defaults=defaults,
        date_format=str(source.get("date_format", "")),
        delimiter=str(source.get("delimiter", "")),
        encoding=str(source.get("encoding", "utf-8-sig")),
        list_separator=str(source.get("list_separator", "|")) or "|",
        sheet=str(source.get("sheet", "")))


def _table(raw: dict, name: str, problems: list[str]) -> dict:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        problems.append(_("[%(table)s] must be a table.", table=name))
        return {}
    return table
