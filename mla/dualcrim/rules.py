"""Load and validate the dual-criminality rules shipped in ``mla/data/dualcrim``."""

from __future__ import annotations

import csv
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mla.core.i18n import data_text, list_category_key
from mla.reference.models import iccs_lineage

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "dualcrim"
RULES_FILE = DATA_DIR / "rules.toml"

BASES = ("UNTOC", "UNCAC", "ECE", "ECMA", "EAW", "EIO", "BILATERAL", "RECIPROCITY")
KINDS = ("mla", "extradition")
MLA_POLICIES = ("coercive_only", "always", "never")
EXEMPTION_CONDITIONS = ("list_category", "non_coercive", "home_policy", "no_reservation")
THRESHOLD_TESTS = ("both_max", "sentence", "sentence_else_requesting_max", "requested_max")


class RulesError(ValueError):
    """The rules file is wrong; the message says where."""


@dataclass(frozen=True)
class ListCategory:
    number: int
    short_name: str
    name: str
    iccs: tuple[str, ...]

    # The category in the page's language (mla.core.i18n; the official wording of
    # EAW art. 2(2) in each language); ``short_name`` and ``name`` are the file's.
    @property
    def short_name_text(self) -> str:
        if self.short_name == self.name:
            return self.name_text
        return data_text(list_category_key(self.number, "short_name"), self.short_name)

    @property
    def name_text(self) -> str:
        return data_text(list_category_key(self.number), self.name)

    def covers(self, code: str) -> bool:
        """A conduct code falls in the category when a mapped code is it or an ancestor."""
        return any(mapped in iccs_lineage(code) for mapped in self.iccs)


@dataclass(frozen=True)
class Exemption:
    bases: frozenset[str]
    kinds: frozenset[str]
    when: str
    rule: str
    min_requesting_months: int = 0

    def applies_to(self, basis: str, kind: str) -> bool:
        return basis in self.bases and kind in self.kinds


@dataclass(frozen=True)
class Threshold:
    bases: frozenset[str]
    kinds: frozenset[str]
    test: str
    rule: str
    min_months: int | None  # None: the home authority's extradition minimum
    min_sentence_months: int = 0
    # A scope condition of the instrument (EAW art. 2(1)): checked before any
    # exemption, since a list offence (art. 2(2)) only dispenses with verifying
    # dual criminality, not with the scope.
    is_scope: bool = False

    def applies_to(self, basis: str, kind: str) -> bool:
        return basis in self.bases and kind in self.kinds


@dataclass(frozen=True)
class Rules:
    exemptions: tuple[Exemption, ...]
    thresholds: tuple[Threshold, ...]
    list_categories: tuple[ListCategory, ...]
    list_citation: str
    dc_rules: dict[str, str]
    default_mla_policy: str
    default_extradition_minimum: int

    def categories_for(self, codes: list[str] | tuple[str, ...]) -> list[ListCategory]:
        return [cat for cat in self.list_categories if any(cat.covers(c) for c in codes)]

    def category(self, value: str | int) -> ListCategory | None:
        """A category by number or by (short) name, case-insensitive."""
        text = str(value).strip().casefold()
        for cat in self.list_categories:
            if text in {str(cat.number), cat.short_name.casefold(), cat.name.casefold()}:
                return cat
        return None


def _names(raw: object, allowed: tuple[str, ...], where: str) -> frozenset[str]:
    if not isinstance(raw, list) or not raw:
        raise RulesError(f"{where}: expected a non-empty list")
    unknown = [value for value in raw if value not in allowed]
    if unknown:
        raise RulesError(f"{where}: unknown {unknown}")
    return frozenset(raw)


def _load_categories(path: Path) -> tuple[ListCategory, ...]:
    categories = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            codes = tuple(c.strip() for c in row["iccs_codes"].split(";") if c.strip())
            if not codes:
                raise RulesError(f"{path.name}: category {row['category_no']} has no ICCS code")
            categories.append(ListCategory(int(row["category_no"]), row["short_name"].strip(),
                                           row["category"].strip(), codes))
    if [c.number for c in categories] != list(range(1, 33)):
        raise RulesError(f"{path.name}: expected the 32 list categories, numbered 1 to 32")
    return tuple(categories)


def parse_rules(data: dict[str, Any], data_dir: Path = DATA_DIR) -> Rules:
    defaults = data.get("policy_defaults") or {}
    assert isinstance(defaults, dict)
    policy = defaults.get("mla_policy", "coercive_only")
    if policy not in MLA_POLICIES:
        raise RulesError(f"policy_defaults.mla_policy: {policy!r} is not one of {MLA_POLICIES}")
    minimum = defaults.get("extradition_minimum_months", 12)
    if not isinstance(minimum, int) or minimum < 1:
        raise RulesError("policy_defaults.extradition_minimum_months: a positive integer")
    exemptions: list[Exemption] = []
    for index, raw in enumerate(data.get("exemption") or [], start=1):
        where = f"exemption {index}"
        if raw.get("when") not in EXEMPTION_CONDITIONS:
            raise RulesError(f"{where}: unknown condition {raw.get('when')!r}")
        if not raw.get("rule"):
            raise RulesError(f"{where}: every rule needs its citation")
        exemptions.append(Exemption(
            _names(raw.get("bases"), BASES, f"{where}.bases"),
            _names(raw.get("kinds"), KINDS, f"{where}.kinds"),
            raw["when"], raw["rule"], int(raw.get("min_requesting_months", 0))))
    thresholds: list[Threshold] = []
    for index, raw in enumerate(data.get("threshold") or [], start=1):
        where = f"threshold {index}"
        if raw.get("test") not in THRESHOLD_TESTS:
            raise RulesError(f"{where}: unknown test {raw.get('test')!r}")
        if not raw.get("rule"):
            raise RulesError(f"{where}: every rule needs its citation")
        months = raw.get("min_months")
        if months != "policy" and (not isinstance(months, int) or months < 1):
            raise RulesError(f"{where}.min_months: a positive integer or \"policy\"")
        thresholds.append(Threshold(
            _names(raw.get("bases"), BASES, f"{where}.bases"),
            _names(raw.get("kinds"), KINDS, f"{where}.kinds"),
            raw["test"], raw["rule"], None if months == "policy" else months,
            int(raw.get("min_sentence_months", 0)), bool(raw.get("scope", False))))
    dc_rules = dict(data.get("dual_criminality_rule") or {})
    missing = [basis for basis in BASES if basis not in dc_rules]
    if missing:
        raise RulesError(f"dual_criminality_rule: no citation for {missing}")
    lists = data.get("list_categories") or {}
    assert isinstance(lists, dict)
    return Rules(
        exemptions=tuple(exemptions), thresholds=tuple(thresholds),
        list_categories=_load_categories(data_dir / lists.get("file", "list-categories.csv")),
        list_citation=lists.get("citation", ""), dc_rules=dc_rules,
        default_mla_policy=policy, default_extradition_minimum=minimum,
    )


@functools.cache
def load_rules(path: Path = RULES_FILE) -> Rules:
    with path.open("rb") as handle:
        return parse_rules(tomllib.load(handle), path.parent)
