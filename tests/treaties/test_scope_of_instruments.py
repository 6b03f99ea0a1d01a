"""Scope of instruments is data: ratifications, reservations, bilateral treaties.

Each test is named after its article. Each has the case the text allows and the
case the old rules got wrong (a clock for every ECE request whatever the parties;
one 60-day default for every bilateral treaty), which now fails.
Home is XZ (fictional, UTC), counterparts FR and XA.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from mla.audit.models import AuditEntry
from mla.cases.models import CaseEvent
from mla.cases.services import OffenceInput
from mla.deadlines.models import Deadline
from mla.deadlines.services import start_deadline
from mla.dualcrim.catalogue import import_catalogue_text
from mla.dualcrim.services import case_check_request, run_check
from mla.treaties.services import (
    TreatyInput,
    national_settings,
    save_treaty,
    set_national_settings,
    set_ratification,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def extradition(make_case):
    def factory(**overrides):
        values = {"kind": "extradition", "legal_basis": "ECE", "counterpart_country": "FR",
                  "measures": []}
        values.update(overrides)
        return make_case(**values)
    return factory


def parties(instrument: str, *states: str) -> None:
    for state in states:
        set_ratification("test", state, instrument, source="test")


def test_ece_ap3_art_6_clock_runs_only_between_parties_to_the_protocol(extradition, db):
    parties("ECE_AP3", "XZ")                       # FR has not ratified it here
    case = extradition()
    skipped = start_deadline(case, "ece_ap3_consent_notice", actor="t", at=utc(2026, 3, 2),
                             values={"arrested_on": date(2026, 3, 1)})
    assert skipped is None                         # the old rules started it for any ECE case
    note = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "deadline")).one()
    assert note.data["action"] == "not_applicable" and "not parties" in note.comment
    parties("ECE_AP3", "FR")
    running = start_deadline(case, "ece_ap3_consent_notice", actor="t", at=utc(2026, 3, 2),
                             values={"arrested_on": date(2026, 3, 1)})
    assert running is not None and running.due_at == utc(2026, 3, 11, 23, 59, 59)


def test_ece_ap3_art_7_decision_within_20_days_of_consent(extradition):
    parties("ECE_AP3", "XZ", "FR")
    d = start_deadline(extradition(), "ece_ap3_decision", actor="t", at=utc(2026, 3, 5),
                       values={"consented_on": date(2026, 3, 4)})
    assert d is not None and d.due_at == utc(2026, 3, 24, 23, 59, 59)   # 4 March + 20


def test_ece_ap3_art_9_surrender_only_in_the_simplified_procedure(extradition):
    parties("ECE_AP3", "XZ", "FR")
    ordinary = extradition()
    assert start_deadline(ordinary, "ece_ap3_surrender", actor="t",
                          at=utc(2026, 4, 1, 9)) is None          # no consent: ECE art. 18
    simplified = extradition()
    start_deadline(simplified, "ece_ap3_decision", actor="t", at=utc(2026, 3, 5),
                   values={"consented_on": date(2026, 3, 4)})
    d = start_deadline(simplified, "ece_ap3_surrender", actor="t", at=utc(2026, 3, 20, 9))
    assert d is not None and d.due_at == utc(2026, 3, 30, 23, 59, 59)   # notified 20 March
    assert not d.is_custody                         # "preferably": a target, not a release date


def test_bilateral_treaty_provisional_arrest_period_comes_from_the_treaty(extradition, db):
    treaty = save_treaty("test", TreatyInput(
        name="Treaty XZ-FR", party_a="XZ", party_b="FR", provisional_arrest_days=45,
        dc_threshold_months=12, supplementary_info_days=30))
    case = extradition(legal_basis="BILATERAL")
    without = start_deadline(case, "bilateral_provisional_arrest", actor="t",
                             at=utc(2026, 3, 2), values={"arrested_on": date(2026, 3, 1)})
    assert without.due_at == utc(2026, 4, 30, 23, 59, 59)           # no treaty: 60 days
    other = extradition(legal_basis="BILATERAL")
    other.treaty_id = treaty.id
    d = start_deadline(other, "bilateral_provisional_arrest", actor="t", at=utc(2026, 3, 2),
                       values={"arrested_on": date(2026, 3, 1)})
    assert d.due_at == utc(2026, 4, 15, 23, 59, 59)                 # 1 March + 45, not 60
    event = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == other.id, CaseEvent.kind == "deadline")).one()
    assert event.data["period_from"] == "treaty" and event.data["period_days"] == 45


def test_ece_art_13_time_limit_for_supplementary_information(extradition, db):
    treaty = save_treaty("test", TreatyInput(
        name="Treaty XZ-FR", party_a="XZ", party_b="FR", supplementary_info_days=30))
    case = extradition(legal_basis="BILATERAL")
    fixed = start_deadline(case, "supplementary_info_due", actor="t", at=utc(2026, 3, 2, 9),
                           values={"due_on": date(2026, 3, 20)})
    assert fixed.due_at.date() == date(2026, 3, 20)                 # the limit the step fixed
    fixed.status = "met"
    case.treaty_id = treaty.id
    by_treaty = start_deadline(case, "supplementary_info_due", actor="t",
                               at=utc(2026, 3, 2, 9))
    assert not by_treaty.is_business
    assert by_treaty.due_at.date() == date(2026, 4, 1)              # 2 March + 30 calendar


def test_untoc_art_16_9_custody_period_under_domestic_law_is_a_national_setting(
        extradition, db):
    assert national_settings("XZ").provisional_arrest_days == 60   # documented default
    set_national_settings("test", "XZ", provisional_arrest_days=30)
    d = start_deadline(extradition(legal_basis="UNTOC"), "provisional_arrest_domestic",
                       actor="t", at=utc(2026, 3, 2), values={"arrested_on": date(2026, 3, 1)})
    assert d.due_at == utc(2026, 3, 31, 23, 59, 59)                 # 30 days, not 60
    assert db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action == "treaties.national_settings")).one()


def test_deadline_rows_are_not_started_twice_for_out_of_scope_rules(extradition, db):
    case = extradition()
    start_deadline(case, "ece_ap3_decision", actor="t", at=utc(2026, 3, 5),
                   values={"consented_on": date(2026, 3, 4)})
    assert db.session.scalars(select(Deadline).where(Deadline.case_id == case.id)).all() == []


def test_bilateral_treaty_threshold_for_extraditable_offences_comes_from_the_treaty(
        extradition, db):
    # Our law punishes the conduct by at most 18 months: enough for the home minimum
    # (12 months), not for a treaty that requires 24.
    import_catalogue_text("test", "XZ", "code,title,statute,max_penalty_months,iccs\n"
                                        "ZPC-300,Theft,PC s.300,18,0502\n")
    case = extradition(legal_basis="BILATERAL", offences=[OffenceInput(
        label="Theft", max_penalty_months=60, iccs=["0502"], conduct="Stole")])
    assert run_check(case_check_request(case, case.offences[0])).verdict == "satisfied"
    treaty = save_treaty("test", TreatyInput(name="Treaty XZ-FR", party_a="XZ",
                                             party_b="FR", dc_threshold_months=24))
    case.treaty_id = treaty.id
    req = case_check_request(case, case.offences[0])
    assert req.treaty_threshold_months == 24
    assert run_check(req).verdict == "not_satisfied"      # one default for all, before
