"""Deadline rules as data: mla/data/deadlines/rules.toml, validated on load."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from mla.core.i18n import citation_words, data_text, deadline_key
from mla.notifications.letters import known_letter_templates
from mla.treaties.models import PARTY_INSTRUMENTS

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "deadlines" / "rules.toml"

UNITS = ("calendar", "business")
SIDES = ("home", "counterpart")
DUE_FROM = ("period", "due_on")
# Is the day of the event counted: "not_counted" (dies a quo non computatur, as the
# rule's source says), or "state": as the law of the state whose clock it is says
# (per-state setting, CountingSetting; default in [counting_defaults]).
EVENT_DAY = ("not_counted", "state")
# A period ending on a weekend or public holiday: "stays" (custody limits always),
# "next_working_day", or "state" (per-state setting; default in [counting_defaults]).
NON_WORKING_END = ("stays", "next_working_day", "state")
# How a rule's clock may be extended (see the rules file's header):
#   none         the text gives no extension
#   fixed        by at most `extension_days`, `max_extensions` times (EAW 17(4), EIO 12(5))
#   agreed_date  only to a new date agreed with the other side (EIO 12(6); UNTOC 18(24))
EXTENSION_KINDS = ("none", "fixed", "agreed_date")
# Where a period may come from instead of `days` (see the rules file's header).
TREATY_PERIODS = ("provisional_arrest_days", "supplementary_info_days")
NATIONAL_PERIODS = ("provisional_arrest_days",)


class UnknownRuleCode(ValueError):
    """A workflow named a deadline rule that the rules file does not define."""


class RuleError(ValueError):
    """The rules file is wrong; the message names the rule and the field."""


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    citation: str
    summary: str = ""
    unit: str = "calendar"
    days: int = 0
    soft_days: int | None = None
    start_field: str | None = None
    consent_field: str | None = None
    consent_days: int | None = None
    new_date_field: str | None = None
    overrun_duty: str = ""
    # Counting convention, with its source (see the rules file's header).
    event_day: str = "not_counted"
    non_working_end: str = "stays"
    counting_source: str = ""
    due_from: str = "period"
    zone: str = "home"
    calendar: str = "home"
    extension: str = "none"
    # Scope: the clock starts only when both states are parties to this instrument
    # (an mla.treaties PARTY_INSTRUMENTS code, e.g. ECE_AP3), and only when the
    # request already had the clock `requires_rule` (e.g. the simplified procedure).
    between_parties: str | None = None
    requires_rule: str | None = None
    # Periods from the request's bilateral treaty, or the home state's law.
    treaty_days: str | None = None
    national_days: str | None = None
    extension_days: int = 0
    max_extensions: int = 0
    extension_letter: str | None = None
    pausable: bool = False
    is_custody: bool = False
    remind_days: tuple[int, ...] = (3, 1)
    escalate: bool = True
    counterpart_letter: str | None = None
    letter_days_before: int = 0
    repeat: bool = False
    send_without_approval: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    # The file gives the citation in words (``{ words = "..." }``: "Domestic law ..."),
    # not as a legal reference: a letter names it on a line of its own, never after a
    # preposition ("En application de Le droit interne"). Set from the file's form only.
    citation_is_words: bool = False

    # What people read, in the page's language (mla.core.i18n; the fields above keep
    # the file's English; a legal citation keeps its official form in every language).
    @property
    def title_text(self) -> str:
        return data_text(deadline_key(self.code, "title"), self.title)

    @property
    def citation_text(self) -> str:
        """The citation as it is, or translated where the file gives it in words."""
        return data_text(deadline_key(self.code, "citation"), self.citation)

    @property
    def summary_text(self) -> str:
        return data_text(deadline_key(self.code, "summary"), self.summary)

    @property
    def overrun_duty_text(self) -> str:
        return data_text(deadline_key(self.code, "overrun_duty"), self.overrun_duty)

    @property
    def counting_source_text(self) -> str:
        return data_text(deadline_key(self.code, "counting_source"), self.counting_source)

    @property
    def is_business(self) -> bool:
        return self.unit == "business"

    @property
    def can_extend(self) -> bool:
        return self.extension != "none"

    @property
    def extends_to_agreed_date(self) -> bool:
        return self.extension == "agreed_date"


_FIELDS = {f for f in Rule.__dataclass_fields__
           if f not in {"code", "extra", "citation_is_words"}}


def _check(code: str, raw: dict[str, Any]) -> Rule:
    unknown = set(raw) - _FIELDS
    if unknown:
        raise RuleError(f"rule {code}: unknown field(s) {', '.join(sorted(unknown))}")
    values = dict(raw)
    try:  # a legal citation, or a source in words (mla.core.i18n.citation_words)
        values["citation"] = citation_words(raw.get("citation", ""))
        values["citation_is_words"] = isinstance(raw.get("citation"), dict)
    except ValueError as exc:
        raise RuleError(f"rule {code}: {exc}") from None
    for required in ("title", "citation"):
        if not str(values.get(required, "")).strip():
            raise RuleError(f"rule {code}: {required} is required")
    if "remind_days" in values:
        values["remind_days"] = tuple(int(d) for d in values["remind_days"])
    rule = Rule(code=code, **values)
    if rule.unit not in UNITS:
        raise RuleError(f"rule {code}: unit must be one of {UNITS}")
    if rule.zone not in SIDES or rule.calendar not in SIDES:
        raise RuleError(f"rule {code}: zone and calendar must be one of {SIDES}")
    if rule.due_from not in DUE_FROM:
        raise RuleError(f"rule {code}: due_from must be one of {DUE_FROM}")
    if rule.days < 0 or (rule.due_from == "period" and rule.days == 0):
        raise RuleError(f"rule {code}: days must be positive")
    if rule.soft_days is not None and not 0 < rule.soft_days < rule.days:
        raise RuleError(f"rule {code}: soft_days must fall inside the period")
    if rule.extension not in EXTENSION_KINDS:
        raise RuleError(f"rule {code}: extension must be one of {EXTENSION_KINDS}")
    if (rule.extension == "fixed") != (rule.extension_days > 0 and rule.max_extensions > 0):
        raise RuleError(f"rule {code}: extension = \"fixed\" needs extension_days and "
                        "max_extensions (and they need it)")
    if rule.extension == "none" and rule.extension_letter:
        raise RuleError(f"rule {code}: an extension_letter needs an extension")
    if (rule.consent_field is None) != (rule.consent_days is None):
        raise RuleError(f"rule {code}: consent_field and consent_days go together")
    if rule.consent_days is not None and rule.consent_days == rule.days:
        # A running clock is known to run from consent by its period.
        raise RuleError(f"rule {code}: consent_days must differ from days")
    if rule.new_date_field is not None and rule.due_from != "period":
        raise RuleError(f"rule {code}: new_date_field restarts a period (due_from = period)")
    if rule.event_day not in EVENT_DAY:
        raise RuleError(f"rule {code}: event_day must be one of {EVENT_DAY}")
    if rule.non_working_end not in NON_WORKING_END:
        raise RuleError(f"rule {code}: non_working_end must be one of {NON_WORKING_END}")
    if rule.is_custody and rule.non_working_end != "stays":
        raise RuleError(f"rule {code}: a custody limit never moves to the next working day "
                        "(non_working_end = \"stays\")")
    if rule.between_parties is not None and rule.between_parties not in PARTY_INSTRUMENTS:
        raise RuleError(f"rule {code}: between_parties must be one of "
                        f"{', '.join(PARTY_INSTRUMENTS)}")
    if rule.treaty_days is not None and rule.treaty_days not in TREATY_PERIODS:
        raise RuleError(f"rule {code}: treaty_days must be one of {TREATY_PERIODS}")
    if rule.national_days is not None and rule.national_days not in NATIONAL_PERIODS:
        raise RuleError(f"rule {code}: national_days must be one of {NATIONAL_PERIODS}")
    if any(d <= 0 for d in rule.remind_days):
        raise RuleError(f"rule {code}: remind_days must be positive")
    if rule.is_custody and rule.pausable:
        raise RuleError(f"rule {code}: a custody limit cannot be pausable (it runs while "
                        "information is awaited)")
    if rule.repeat and not rule.counterpart_letter:
        raise RuleError(f"rule {code}: a repeating rule needs a counterpart_letter")
    if rule.letter_days_before < 0:
        raise RuleError(f"rule {code}: letter_days_before cannot be negative")
    if not rule.counting_source.strip():
        raise RuleError(f"rule {code}: counting_source must say where the counting "
                        "convention comes from")
    return rule


def parse_rules(text: str) -> dict[str, Rule]:
    data = tomllib.loads(text)
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, dict) or not raw_rules:
        raise RuleError("the rules file defines no [rule.<code>] tables")
    return {code: _check(code, raw) for code, raw in raw_rules.items()}


@dataclass(frozen=True)
class CountingDefaults:
    """What a state's law is taken to say until an admin records it (per-state setting)."""

    counts_event_day: bool = False
    moves_to_working_day: bool = True


@cache
def counting_defaults() -> CountingDefaults:
    raw = tomllib.loads(RULES_FILE.read_text(encoding="utf-8")).get("counting_defaults", {})
    unknown = set(raw) - {"counts_event_day", "moves_to_working_day", "source"}
    if unknown:
        raise RuleError(f"counting_defaults: unknown field(s) {', '.join(sorted(unknown))}")
    return CountingDefaults(bool(raw.get("counts_event_day", False)),
                            bool(raw.get("moves_to_working_day", True)))


@cache
def load_rules() -> dict[str, Rule]:
    rules = parse_rules(RULES_FILE.read_text(encoding="utf-8"))
    templates = known_letter_templates()
    for rule in rules.values():
        if rule.requires_rule is not None and rule.requires_rule not in rules:
            raise RuleError(f"rule {rule.code}: requires_rule names no rule")
        for code in (rule.counterpart_letter, rule.extension_letter):
            if code and code not in templates:
                raise RuleError(f"rule {rule.code}: no letter template {code!r}")
    return rules


def get_rule(code: str) -> Rule:
    rules = load_rules()
    if code not in rules:
        raise UnknownRuleCode(f"unknown deadline rule code {code!r}")
    return rules[code]
