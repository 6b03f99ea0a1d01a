"""The shipped rules file is complete and cited; broken rules are refused with a reason."""

from __future__ import annotations

import tomllib

import pytest

from mla.dualcrim.rules import BASES, RULES_FILE, RulesError, load_rules, parse_rules


def test_shipped_rules_load_with_32_categories_and_citations():
    rules = load_rules()
    assert len(rules.list_categories) == 32
    assert set(rules.dc_rules) >= set(BASES)
    assert all(e.rule for e in rules.exemptions) and all(t.rule for t in rules.thresholds)
    assert (rules.default_mla_policy, rules.default_extradition_minimum) == ("coercive_only", 12)
    assert rules.category(8).short_name == "fraud"
    assert [c.number for c in rules.categories_for(["070112"])] == [8, 20]


@pytest.mark.parametrize(("section", "index", "change", "message"), [
    ("exemption", 0, {"rule": ""}, "citation"),
    ("exemption", 0, {"when": "sometimes"}, "unknown condition"),
    ("exemption", 0, {"bases": ["NATO"]}, "unknown"),
    ("threshold", 0, {"test": "vibes"}, "unknown test"),
    ("threshold", 0, {"min_months": -1}, "min_months"),
])
def test_broken_rules_are_refused(section, index, change, message):
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    data[section][index].update(change)
    with pytest.raises(RulesError, match=message):
        parse_rules(data)
