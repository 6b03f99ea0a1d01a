"""Each rule's due dates, worked out by hand from the article.

Counting: the day of the event is not counted (CETS 76 art. 3); a period ends at
23:59:59 of its last day in the rule's state. Home is XZ (fictional: UTC,
weekends only); FR is a counterpart with public holidays and summer time.
"""

from __future__ import annotations

from datetime import date

import pytest

from mla.core.errors import ServiceError
from mla.deadlines.hooks import RULE_CODES, UnknownRuleCode, known_rule_codes
from mla.deadlines.rules import RuleError, load_rules, parse_rules
from mla.deadlines.services import start_deadline
from mla.treaties.services import set_ratification
from tests.deadlines.conftest import utc


@pytest.fixture
def case(make_case):
    def factory(**overrides):
        values = {"kind": "extradition", "legal_basis": "ECE", "counterpart_country": "FR",
                  "measures": []}
        values.update(overrides)
        return make_case(**values)
    return factory


def start(case, code, at, **values):
    # Clocks that run from receipt (rule start_field "received_on") start on `at`'s day.
    values.setdefault("received_on", at.date())
    return start_deadline(case, code, actor="test", values=values, at=at)


def test_every_code_the_workflows_use_is_defined_with_a_citation(app_ctx):
    rules = load_rules()
    assert set(RULE_CODES) <= set(rules)
    assert known_rule_codes() == frozenset(rules)
    for rule in rules.values():
        assert rule.citation.strip() and rule.title.strip()


def test_rules_file_errors_name_the_rule():
    with pytest.raises(RuleError, match="rule x: unit"):
        parse_rules('[rule.x]\ntitle="t"\ncitation="c"\ndays=3\nunit="weeks"\n')
    with pytest.raises(RuleError, match="rule y: unknown field"):
        parse_rules('[rule.y]\ntitle="t"\ncitation="c"\ndays=3\nmonths=2\n')
    with pytest.raises(RuleError, match="soft_days"):
        parse_rules('[rule.z]\ntitle="t"\ncitation="c"\ndays=3\nsoft_days=5\n')


def test_unknown_rule_code_is_a_clear_error(case):
    with pytest.raises(UnknownRuleCode, match="nonexistent_rule"):
        start(case(), "nonexistent_rule", utc(2026, 3, 1, 9))


def test_ece_16_4_eighteen_then_forty_days_from_arrest(case, db):
    c = case()
    d = start(c, "ece_provisional_arrest", utc(2026, 3, 2, 9), arrested_on=date(2026, 3, 1))
    assert d.soft_due_at == utc(2026, 3, 19, 23, 59, 59)   # 1 March + 18
    assert d.due_at == utc(2026, 4, 10, 23, 59, 59)        # 1 March + 40
    assert d.is_custody
    assert c.next_due_at == d.due_at


def test_custody_limit_on_a_sunday_is_not_carried_to_monday(case):
    d = start(case(), "ece_provisional_arrest", utc(2026, 3, 3, 9), arrested_on=date(2026, 3, 3))
    assert d.due_at.date() == date(2026, 4, 12)  # a Sunday: the person is released by then
    assert d.due_at.weekday() == 6


def test_ece_18_4_takeover_15_then_30_days(case):
    d = start(case(), "ece_surrender_takeover", utc(2026, 6, 1, 9), surrender_on="2026-06-01")
    assert d.soft_due_at == utc(2026, 6, 16, 23, 59, 59)
    assert d.due_at == utc(2026, 7, 1, 23, 59, 59)


def test_ap3_art6_ten_days_from_provisional_arrest(case):
    # Only between parties to the Protocol (tests/treaties/ covers the other case).
    for state in ("XZ", "FR"):
        set_ratification("test", state, "ECE_AP3")
    d = start(case(), "ece_ap3_consent_notice", utc(2026, 3, 2), arrested_on=date(2026, 3, 1))
    assert d.due_at == utc(2026, 3, 11, 23, 59, 59)


def test_eaw_17_sixty_days_then_ten_after_consent(case):
    c = case(legal_basis="EAW")
    d = start(c, "eaw_decision", utc(2026, 1, 10, 8), arrested_on=date(2026, 1, 10))
    assert d.due_at == utc(2026, 3, 11, 23, 59, 59)        # 10 Jan + 60
    again = start(c, "eaw_decision", utc(2026, 1, 20, 8), consented_on=date(2026, 1, 20))
    assert again.id == d.id                                # the same clock, recomputed
    assert again.due_at == utc(2026, 1, 30, 23, 59, 59)    # 20 Jan + 10
    assert c.next_due_at == again.due_at


def test_eaw_23_surrender_ten_days_after_final_decision(case):
    d = start(case(legal_basis="EAW"), "eaw_surrender", utc(2026, 5, 5, 9),
              decided_on=date(2026, 5, 5))
    assert d.due_at == utc(2026, 5, 15, 23, 59, 59)


def test_eio_16_one_week_and_12_thirty_and_ninety_days(case):
    c = case(kind="mla", legal_basis="EIO")
    assert start(c, "eio_acknowledge", utc(2026, 2, 2, 10)).due_at == utc(2026, 2, 9, 23, 59, 59)
    assert start(c, "eio_recognition", utc(2026, 2, 2, 10)).due_at == utc(2026, 3, 4, 23, 59, 59)
    execution = start(c, "eio_execution", utc(2026, 3, 4, 10), recognised_on=date(2026, 3, 4))
    assert execution.due_at == utc(2026, 6, 2, 23, 59, 59)  # 4 March + 90


def test_untoc_18_24_requester_date_ends_in_the_requesters_zone(case):
    d = start(case(kind="mla", legal_basis="UNTOC"), "requester_deadline", utc(2026, 7, 1),
              due_on=date(2026, 7, 14))
    assert d.due_at == utc(2026, 7, 14, 21, 59, 59)  # midnight in Paris (CEST, UTC+2)
    assert d.zone_name == "Europe/Paris"


def test_requester_deadline_needs_a_date(case):
    with pytest.raises(ServiceError) as excinfo:
        start(case(kind="mla", legal_basis="UNTOC"), "requester_deadline", utc(2026, 7, 1))
    assert excinfo.value.details == {"field": "due_on"}


def test_sla_acknowledge_five_business_days_skips_the_weekend(case):
    d = start(case(kind="mla", legal_basis="UNTOC"), "sla_acknowledge", utc(2026, 3, 5, 9))
    assert d.due_at == utc(2026, 3, 12, 23, 59, 59)  # Thu 5 -> Fri, Mon, Tue, Wed, Thu 12


def test_sla_decision_twenty_business_days(case):
    d = start(case(kind="mla", legal_basis="UNTOC"), "sla_decision", utc(2026, 3, 2, 9))
    assert d.due_at == utc(2026, 3, 30, 23, 59, 59)


def test_followup_counts_the_counterparts_business_days_and_holidays(case):
    # FR: 14 July (Fête nationale) is a Tuesday in 2026 and does not count.
    d = start(case(direction="outgoing", kind="mla", legal_basis="UNTOC"), "outgoing_followup",
              utc(2026, 7, 6, 8))
    assert d.due_at == utc(2026, 7, 28, 21, 59, 59)
    # A fictional counterpart has no holidays: one day earlier, and on UTC.
    e = start(case(direction="outgoing", kind="mla", legal_basis="UNTOC",
                   counterpart_country="XA"), "outgoing_followup", utc(2026, 7, 6, 8))
    assert e.due_at == utc(2026, 7, 27, 23, 59, 59)


def test_bilateral_sixty_days(case):
    d = start(case(legal_basis="BILATERAL"), "bilateral_provisional_arrest", utc(2026, 3, 2),
              arrested_on=date(2026, 3, 1))
    assert d.due_at == utc(2026, 4, 30, 23, 59, 59)


def test_formal_request_due_is_the_foreign_limit_in_winter_time(case):
    d = start(case(direction="outgoing"), "formal_request_due", utc(2026, 10, 1),
              due_on=date(2026, 11, 2))
    assert d.due_at == utc(2026, 11, 2, 22, 59, 59)  # Paris, CET (UTC+1)
    assert d.is_custody


def test_supplementary_info_default_twenty_counterpart_business_days(case):
    c = case(kind="mla", legal_basis="UNTOC")
    d = start(c, "supplementary_info_due", utc(2026, 7, 6, 8))
    assert d.due_at == utc(2026, 8, 4, 21, 59, 59)   # 14 July skipped
    given = start(c, "supplementary_info_due", utc(2026, 7, 6, 8), due_on="2026-09-01")
    assert given.due_at == utc(2026, 9, 1, 21, 59, 59)


def test_daylight_saving_change_inside_the_period(case):
    # Started on 20 March in Paris (CET); Paris moves to CEST on 29 March; Easter Monday
    # (6 April) is a French holiday. 15 business days: 23-27, 30-3, 7-10, 13 April.
    d = start(case(direction="outgoing", kind="mla", legal_basis="UNTOC"), "outgoing_followup",
              utc(2026, 3, 20, 9))
    assert d.start_on == date(2026, 3, 20)
    assert d.due_at == utc(2026, 4, 13, 21, 59, 59)  # 23:59:59 CEST, not 22:59:59 UTC


def test_start_day_is_the_local_day_of_the_rules_state(case):
    # 23:30 UTC on 20 March is already Saturday 21 March in Paris.
    d = start(case(direction="outgoing", kind="mla", legal_basis="UNTOC"), "outgoing_followup",
              utc(2026, 3, 20, 23, 30))
    assert d.start_on == date(2026, 3, 21)
