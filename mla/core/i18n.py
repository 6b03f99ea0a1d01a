"""Words that live in data files, translated through the same catalogues as the code.

Workflow files, deadline rules, refusal grounds, dual-criminality data, instruments,
the ICCS and scenario packs keep stable keys and English words; the catalogue
(mla/translations/<lang>/LC_MESSAGES/messages.po) holds the other languages. Each
reader-facing field is one catalogue entry whose message context (``msgctxt``) is
its stable key, e.g. ``workflow:incoming_mla:state:received`` or
``deadline:eaw_decision:title``, and whose ``msgid`` is the English text.

- Extraction: the ``extract_*`` functions are Babel extractors named in babel.cfg
  (``make messages``).
- Display: ``data_text(key, english)`` looks the words up in the page's language.
  A key the catalogue does not have, or English that changed since the catalogue
  was made (an admin edited a workflow file), shows the English as the file says it.

Legal citations (``citation`` fields) are never extracted: they keep their official
form ("UNTOC art. 18(21)(a)") in every language. A citation that is words, not a legal
reference ("Internal service level of the central authority"), is written
``citation = { words = "..." }`` in the data file: the loaders read it as the string
(``citation_words``), the extractor takes it with the key ``...:citation`` of its rule,
ground or instrument, and the pages look it up with ``data_text`` like any data word
(a legal citation, never extracted, shows as it is under the same lookup).
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterator
from typing import IO, Any

from flask_babel import pgettext

# One extracted message as Babel wants it: line, keyword, (context, msgid), comments.
Extracted = tuple[int, str, tuple[str, str], list[str]]

KEEP_CITATIONS = ("Keep legal citations (\"art. 18(25)\", \"Directive 2014/41/EU\", "
                  "\"CETS 24\") exactly as they are.")
# A value that is a citation and nothing else ("ECE art. 2(1)"): never translated.
_CITATION_ONLY = re.compile(r"^[A-Z][A-Za-z0-9 .,()/-]*\barts?\. [0-9A-Za-z(), .-]+$")


def citation_words(value: Any) -> str:
    """A data file's citation as the loaders keep it: a legal reference is a string, a
    source in words ``{ words = "..." }`` (see the module doc). ValueError otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"words"} and isinstance(value["words"], str):
        return value["words"]
    raise ValueError(f'a citation is a string or {{ words = "..." }}, not {value!r}')


def data_text(key: str, english: str) -> str:
    """``english`` (a data file's words) in the page's language, looked up by ``key``."""
    words = english.strip() if english else ""
    if not words:
        return english
    found = str(pgettext(key, words))
    return english if found == words else found


# --- keys: the extractors and the pages build them the same way ---------------------

def workflow_key(workflow: str, *parts: str) -> str:
    """``workflow:<name>:title``, ``workflow:<name>:state:<state>``,
    ``workflow:<name>:step:<step>``, ``...:step:<step>:field:<field>``,
    ``...:field:<field>:help``, ``...:field:<field>:choice:<value>``, and
    ``:description`` after a state or step."""
    return ":".join(("workflow", workflow, *parts))


def deadline_key(code: str, field: str) -> str:
    return f"deadline:{code}:{field}"


def ground_key(code: str) -> str:
    return f"ground:{code}"


def ground_citation_key(code: str, legal_basis: str | None = None) -> str:
    """``ground:<code>:citation``, or ``...:citation:<basis>`` for the citation a ground
    has under one legal basis (its ``citations``)."""
    return f"ground:{code}:citation" + (f":{legal_basis}" if legal_basis else "")


def not_a_ground_key(citation: str) -> str:
    return f"not_a_ground:{citation}"


def instrument_key(code: str, field: str = "title") -> str:
    """``instrument:<code>:title``, ``instrument:<code>:citation``."""
    return f"instrument:{code}:{field}"


def iccs_key(code: str) -> str:
    return f"iccs:{code}"


def list_category_key(number: int | str, field: str = "category") -> str:
    """The 32 offences of EAW art. 2(2) / EIO Annex D: ``dualcrim:list:<no>:category``
    and ``...:short_name``."""
    return f"dualcrim:list:{number}:{field}"


def dualcrim_rule_key(basis: str) -> str:
    return f"dualcrim:rule:{basis}"


def scenario_key(pack: str, *parts: str) -> str:
    """``scenario:<pack>:title``, ``scenario:<pack>:description``."""
    return ":".join(("scenario", pack, *parts))


def exercise_key(code: str, *parts: str) -> str:
    """A training exercise (codes are unique in a sandbox, which loads one pack):
    ``exercise:<code>:title``, ``:instructions``, ``:check:<n>`` (n counts from 1)."""
    return ":".join(("exercise", code, *parts))


# --- extractors ----------------------------------------------------------------------

class _Located:
    """Line numbers for extracted words: where the text first appears after a line."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line_of(self, english: str, after: int = 0) -> int:
        needle = english[:40]
        for number in range(after, len(self.lines)):
            if needle in self.lines[number]:
                return number + 1
        return after + 1 if after else 1


def _read(fileobj: IO[bytes]) -> tuple[str, _Located]:
    text = fileobj.read().decode("utf-8")
    return text, _Located(text)


def _message(where: _Located, key: str, english: Any, *comments: str) -> Extracted | None:
    if not isinstance(english, str) or not english.strip():
        return None
    english = english.strip()  # as the loaders read it, and as data_text looks it up
    return (where.line_of(english), "pgettext", (key, english),
            [*comments, KEEP_CITATIONS])


def _citation_words(where: _Located, key: str, citation: Any) -> Extracted | None:
    """A citation marked as words (``{ words = "..." }``); a legal citation: None."""
    if not isinstance(citation, dict):
        return None
    return _message(where, key, citation.get("words"),
                    "Where a rule comes from, in words (not a legal citation): translate "
                    "it, keeping any article it names exactly as it is.")


def _emit(items: list[Extracted | None]) -> Iterator[Extracted]:
    yield from (item for item in items if item is not None)


def extract_workflows(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                      options: dict[str, Any]) -> Iterator[Extracted]:
    """mla/workflows/*.toml: the title, each state's label and description, each step's
    label and description, each step field's label, help and choices."""
    text, where = _read(fileobj)
    data = tomllib.loads(text)
    name = str(data.get("name", ""))
    found: list[Extracted | None] = [
        _message(where, workflow_key(name, "title"), data.get("title"),
                 "The name of a procedure (workflow)."),
        _message(where, workflow_key(name, "description"), data.get("description")),
    ]
    for state in data.get("states", []):
        key = workflow_key(name, "state", str(state.get("name")))
        found.append(_message(where, key, state.get("label"),
                              "A state a request is in (shown as a badge and in lists)."))
        found.append(_message(where, f"{key}:description", state.get("description")))
    for step in data.get("transitions", []):
        key = workflow_key(name, "step", str(step.get("name")))
        found.append(_message(where, key, step.get("label"),
                              "A step a person takes on a request (a button)."))
        found.append(_message(where, f"{key}:description", step.get("description")))
        for spec in step.get("fields", []):
            field_key = f"{key}:field:{spec.get('name')}"
            found.append(_message(where, field_key, spec.get("label"), "A form field's label."))
            found.append(_message(where, f"{field_key}:help", spec.get("help")))
            choices = spec.get("choices") or {}
            if isinstance(choices, dict):
                for value, label in choices.items():
                    found.append(_message(where, f"{field_key}:choice:{value}", label,
                                          "One option of a list."))
    yield from _emit(found)


def extract_deadlines(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                      options: dict[str, Any]) -> Iterator[Extracted]:
    """mla/data/deadlines/rules.toml: each rule's title, summary, overrun duty and
    counting source, and its citation where it is words (a legal one stays as it is)."""
    text, where = _read(fileobj)
    for code, rule in tomllib.loads(text).get("rule", {}).items():
        yield from _emit([
            _message(where, deadline_key(code, "title"), rule.get("title"),
                     "The name of a deadline (time limit) rule."),
            _citation_words(where, deadline_key(code, "citation"), rule.get("citation")),
            _message(where, deadline_key(code, "summary"), rule.get("summary")),
            _message(where, deadline_key(code, "overrun_duty"), rule.get("overrun_duty"),
                     "What the caseworker must do when the time limit cannot be met."),
            _message(where, deadline_key(code, "counting_source"),
                     rule.get("counting_source"), "How the period is counted, and why."),
        ])


def extract_grounds(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                    options: dict[str, Any]) -> Iterator[Extracted]:
    """mla/data/grounds.toml: each ground for refusal as its article words it, and what
    is never a ground. Use the wording of the article in the official language version
    of the convention."""
    text, where = _read(fileobj)
    data = tomllib.loads(text)
    official = "A ground for refusal: use the wording of the official language version " \
               "of the article cited ({citation})."
    for ground in data.get("ground", []):
        code = str(ground.get("code"))
        citation = ground.get("citation", "")
        cited = citation.get("words", "") if isinstance(citation, dict) else citation
        yield from _emit([
            _message(where, ground_key(code), ground.get("label"),
                     official.format(citation=cited)),
            _citation_words(where, ground_citation_key(code), citation),
            *(_citation_words(where, ground_citation_key(code, basis), value)
              for basis, value in (ground.get("citations") or {}).items()),
        ])
    for note in data.get("not_a_ground", []):
        citation = str(note.get("citation"))
        yield from _emit([_message(where, not_a_ground_key(citation), note.get("text"),
                                   f"What is never a ground for refusal ({citation}).")])


def extract_dualcrim(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                     options: dict[str, Any]) -> Iterator[Extracted]:
    """mla/data/dualcrim/rules.toml (the rule of each legal basis where it is words, not
    a citation) and list-categories.csv (the 32 offences of EAW art. 2(2))."""
    text, where = _read(fileobj)
    name = getattr(fileobj, "name", "")
    if str(name).endswith(".csv"):
        official = ("One of the offences listed in EAW Framework Decision art. 2(2) "
                    "(EIO Directive Annex D): use the official language version's words.")
        for row in csv.DictReader(io.StringIO(text)):
            number = row.get("category_no", "")
            items = [_message(where, list_category_key(number), row.get("category"), official)]
            if row.get("short_name") and row.get("short_name") != row.get("category"):
                items.append(_message(where, list_category_key(number, "short_name"),
                                      row.get("short_name"), "A short form of: "
                                      + str(row.get("category")), official))
            yield from _emit(items)
        return
    rules = tomllib.loads(text).get("dual_criminality_rule", {})
    for basis, words in rules.items():
        if isinstance(words, str) and not _CITATION_ONLY.match(words):
            yield from _emit([_message(where, dualcrim_rule_key(basis), words,
                                       "Where the dual-criminality rule comes from.")])


def extract_instruments(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                        options: dict[str, Any]) -> Iterator[Extracted]:
    """mla/data/instruments.toml: each instrument's title, and its citation where it is
    words (a legal one stays as it is)."""
    text, where = _read(fileobj)
    for item in tomllib.loads(text).get("instrument", []):
        code = str(item.get("code"))
        yield from _emit([_message(where, instrument_key(code), item.get("title"),
                                   "The title of a convention or legal basis: use its "
                                   "official title in this language where it has one."),
                          _citation_words(where, instrument_key(code, "citation"),
                                          item.get("citation"))])


def extract_iccs(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                 options: dict[str, Any]) -> Iterator[Extracted]:
    """mla/data/iccs.csv: the International Classification of Crime for Statistical
    Purposes (UNODC, 2015), whose official language versions give each title."""
    text, where = _read(fileobj)
    for row in csv.DictReader(io.StringIO(text)):
        yield from _emit([_message(
            where, iccs_key(row.get("code", "")), row.get("title"),
            f"ICCS {row.get('code')}: use the title of the official ICCS version in "
            "this language.")])


def extract_scenario(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                     options: dict[str, Any]) -> Iterator[Extracted]:
    """mla/scenarios/<pack>/scenario.toml: the pack's title and description, each
    exercise's title, instructions and model answer and its checks' labels. The cases a pack loads
    (titles, summaries, names, the counterpart's messages) are case data and stay as
    written, like anything a person types."""
    text, where = _read(fileobj)
    name = str(getattr(fileobj, "name", ""))
    pack = name.replace("\\", "/").rstrip("/").split("/")[-2] if "/" in name else "pack"
    data = tomllib.loads(text)
    head = data.get("scenario", {})
    found: list[Extracted | None] = [
        _message(where, scenario_key(pack, "title"), head.get("title"),
                 "A training scenario's title."),
        _message(where, scenario_key(pack, "description"), head.get("description")),
    ]
    for exercise in data.get("exercises", []):
        code = str(exercise.get("code"))
        found.append(_message(where, exercise_key(code, "title"),
                              exercise.get("title"), "A training exercise's title."))
        found.append(_message(where, exercise_key(code, "instructions"),
                              exercise.get("instructions")))
        found.append(_message(where, exercise_key(code, "model_answer"),
                              exercise.get("model_answer"),
                              "The model answer the trainer reads in the debrief."))
        for number, check in enumerate(exercise.get("checks", []), start=1):
            found.append(_message(where, exercise_key(code, "check", str(number)),
                                  check.get("label"), "What a trainee has to have done."))
    yield from _emit(found)
