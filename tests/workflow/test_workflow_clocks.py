"""The shipped workflows start, pause and stop the clocks the articles set, with dates.

Home is XZ (fictional: UTC, no public holidays), so a period ends at 23:59:59 UTC
of its last day; the day of the event is not counted (CETS 76 art. 3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from mla.core import clock
from mla.core.errors import ServiceError
from mla.deadlines.models import Deadline
from mla.deadlines.reminders import scan_deadlines
from mla.deadlines.rules import RuleError, load_rules, parse_rules
from mla.notifications.models import Letter, OutboxMessage
from mla.workflow.services import apply_transition
from tests.workflow.conftest import force_state


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def set_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[datetime], None]]:
    def freeze(at: datetime) -> None:
        monkeypatch.setattr(clock, "real_now", lambda: at)

    yield freeze


@pytest.fixture
def step(db, users) -> Callable[..., Any]:
    """Take a step as a caseworker (or `who`) and commit, like one request."""

    def take(case: Any, name: str, who: str = "caseworker", comment: str = "",
             **values: Any) -> Any:
        apply_transition(users[who], case, name, expected_version=case.version,
                         values=values, comment=comment)
        db.session.commit()
        return case

    return take


def clocks(db, case: Any, code: str | None = None) -> list[Deadline]:
    stmt = select(Deadline).where(Deadline.case_id == case.id).order_by(Deadline.id)
    if code:
        stmt = stmt.where(Deadline.rule_code == code)
    return list(db.session.scalars(stmt))


def the_clock(db, case: Any, code: str) -> Deadline:
    [deadline] = clocks(db, case, code)
    return deadline


def open_clocks(db, case: Any) -> list[Deadline]:
    return [d for d in clocks(db, case) if d.status in ("running", "paused")]


def end_of(day: date) -> datetime:
    return utc(day.year, day.month, day.day, 23, 59, 59)


# --- closing a request stops its clocks ------------------------------------------

def test_closing_a_request_stops_its_clocks_and_sends_no_reminder_afterwards(
        db, ready_case, step, set_now):
    """A withdrawn request (UNTOC art. 18(24): nothing is owed any more) has no running
    clock: the acknowledgement service level stops, and the scheduler's later ticks
    write no reminder, letter or escalation for it."""
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("incoming_mla")
    sla = the_clock(db, case, "sla_acknowledge")
    assert sla.status == "running" and sla.next_reminder_at is not None
    step(case, "withdraw", comment="Withdrawn by the requesting state")
    db.session.refresh(sla)
    assert (sla.status, sla.next_reminder_at) == ("stopped", None)
    assert open_clocks(db, case) == [] and case.next_due_at is None
    set_now(utc(2026, 4, 30, 9))     # long after the due day and the missed escalation
    assert scan_deadlines() == 0
    keys = db.session.scalars(select(OutboxMessage.key)).all()
    assert not [k for k in keys if k.startswith(f"dl:{sla.id}:")]


def test_a_clock_the_closing_step_met_stays_met(db, ready_case, step, set_now):
    """The engine stops what is left after the step's own effects: a refusal meets the
    admissibility service level (stop_deadline), and stops the rest."""
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("incoming_mla", legal_basis="EIO", counterpart_country="FR")
    step(case, "acknowledge")
    force_state(db, case, "refusal_proposed")
    step(case, "approve_refusal", who="supervisor")
    status = {d.rule_code: d.status for d in clocks(db, case)}
    assert status["sla_decision"] == "met" and status["eio_recognition"] == "met"
    assert open_clocks(db, case) == []


def test_withdrawn_extradition_after_scheduled_surrender_has_no_custody_clock(
        db, ready_case, step, authorities, set_now):
    """ECE art. 18(4): the take-over clock ends with the request."""
    custody_rule = "ece_surrender_takeover"
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("incoming_extradition", legal_basis="ECE", counterpart_country="FR")
    step(case, "record_arrest", arrested_on="2026-03-01")
    step(case, "formal_request_received")
    step(case, "refer_to_court", executing_authority_id=authorities["court"].id)
    set_now(utc(2026, 3, 21, 9))
    step(case, "court_allows", decided_on="2026-03-20")
    step(case, "grant")
    step(case, "schedule_surrender", surrender_on="2026-03-25", place="Airport")
    assert the_clock(db, case, custody_rule).status == "running"
    step(case, "withdraw", comment="Request withdrawn")
    assert [d for d in open_clocks(db, case) if d.is_custody] == []
    assert the_clock(db, case, custody_rule).status == "stopped"
    assert case.next_due_at is None


# --- EAW: tests/workflow/test_eaw.py ------------------------------------------------

def test_ece_court_decision_and_grant_start_no_eaw_surrender_clock(
        db, ready_case, step, authorities, set_now):
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("incoming_extradition", legal_basis="ECE")
    step(case, "formal_request_received")
    step(case, "refer_to_court", executing_authority_id=authorities["court"].id)
    set_now(utc(2026, 4, 11, 9))
    step(case, "court_allows", decided_on="2026-04-10")
    step(case, "grant")
    assert clocks(db, case, "eaw_surrender") == []


# --- EIO ---------------------------------------------------------------------------

def test_eio_art12_3_recognition_due_thirty_days_after_receipt(db, ready_case, step,
                                                               set_now):
    """Received 2 March, registered 12 March: recognition due 1 April, and acknowledging
    does not start it again."""
    set_now(utc(2026, 3, 12, 10))
    case = ready_case("incoming_mla", legal_basis="EIO", counterpart_country="FR",
                      received_at=utc(2026, 3, 2, 9))
    recognition = the_clock(db, case, "eio_recognition")
    assert recognition.start_on == date(2026, 3, 2)
    assert recognition.due_at == end_of(date(2026, 4, 1))
    step(case, "acknowledge")
    assert the_clock(db, case, "eio_recognition").due_at == end_of(date(2026, 4, 1))
    from mla.cases.models import CaseEvent

    started = [e for e in db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "deadline"))
        if e.data.get("rule") == "eio_recognition"]
    assert [e.data["action"] for e in started] == ["started"]


def test_non_eio_request_has_no_recognition_clock(db, ready_case, step, set_now):
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("incoming_mla")
    step(case, "acknowledge")
    assert clocks(db, case, "eio_recognition") == []


# --- provisional arrest under domestic law -----------------------------------------

@pytest.mark.parametrize("basis", ["UNTOC", "UNCAC", "RECIPROCITY"])
def test_provisional_arrest_under_domestic_law_starts_a_custody_clock(
        db, ready_case, step, set_now, basis):
    """UNTOC art. 16 and UNCAC art. 44 set no period: domestic law does (60 days by
    default); the formal request received meets it."""
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("incoming_extradition", legal_basis=basis)
    step(case, "record_arrest", arrested_on="2026-03-01")
    custody = the_clock(db, case, "provisional_arrest_domestic")
    assert custody.is_custody and custody.status == "running"
    assert custody.due_at == end_of(date(2026, 4, 30))           # 1 March + 60
    assert clocks(db, case, "bilateral_provisional_arrest") == []
    step(case, "formal_request_received")
    assert the_clock(db, case, "provisional_arrest_domestic").status == "met"


def test_release_under_domestic_law_ends_the_custody_clock(db, ready_case, step, set_now):
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("incoming_extradition", legal_basis="UNTOC")
    step(case, "record_arrest", arrested_on="2026-03-01")
    step(case, "release", comment="Court order")
    assert the_clock(db, case, "provisional_arrest_domestic").status == "met"
    assert case.next_due_at is None


def test_bilateral_provisional_arrest_keeps_the_treaty_rule(db, ready_case, step, set_now):
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("incoming_extradition", legal_basis="BILATERAL")
    step(case, "record_arrest", arrested_on="2026-03-01")
    assert the_clock(db, case, "bilateral_provisional_arrest").status == "running"
    assert clocks(db, case, "provisional_arrest_domestic") == []


# --- pauses: ours, never a custody limit -------------------------------------------

def test_custody_rules_are_never_pausable():
    """A custody limit (ECE art. 16(4), EAW arts. 17 and 23) runs whatever we wait for."""
    rules = load_rules()
    custody = [r for r in rules.values() if r.is_custody]
    assert custody and not [r.code for r in custody if r.pausable]
    with pytest.raises(RuleError, match="custody limit cannot be pausable"):
        parse_rules('[rule.x]\ntitle="t"\ncitation="c"\ndays=3\nis_custody=true\n'
                    'pausable=true\n')


def test_eaw_art15_2_awaiting_information_pauses_our_clock_never_a_custody_clock(
        db, ready_case, step, set_now):
    """EAW: the person is held (art. 17 clock) while we ask for supplementary
    information (art. 15(2)); our service level pauses, the custody clock runs on."""
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("incoming_eaw", counterpart_country="FR")
    step(case, "record_arrest", arrested_on="2026-03-01")
    step(case, "start_review")
    sla = the_clock(db, case, "sla_decision")
    assert sla.due_at == end_of(date(2026, 3, 30))               # 20 business days
    set_now(utc(2026, 3, 4, 12))
    step(case, "request_information", questions="Which court issued the warrant?")
    db.session.refresh(sla)
    custody = the_clock(db, case, "eaw_decision")
    assert sla.status == "paused"
    assert custody.status == "running" and custody.due_at == end_of(date(2026, 4, 30))
    set_now(utc(2026, 3, 11, 12))                                # Wed 4 -> Wed 11
    step(case, "information_received")
    db.session.refresh(sla)
    assert sla.status == "running" and sla.paused_days == 5
    assert sla.due_at == end_of(date(2026, 4, 6))
    assert the_clock(db, case, "eaw_decision").due_at == end_of(date(2026, 4, 30))


def test_no_status_inquiry_while_the_counterpart_waits_for_our_information(
        db, ready_case, step, set_now):
    """Outgoing extradition: the requested state asked us for supplementary information
    (ECE art. 13); status inquiries (UNTOC art. 18(24) practice) pause until we answer."""
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("outgoing_extradition", "ready_to_transmit")
    step(case, "transmit", channel="central_authority")
    followup = the_clock(db, case, "outgoing_followup")
    assert followup.status == "running"
    set_now(utc(2026, 3, 4, 9))
    step(case, "information_requested", questions="Translation of the warrant")
    db.session.refresh(followup)
    assert followup.status == "paused" and followup.next_reminder_at is None
    set_now(utc(2026, 5, 4, 9))                      # weeks past its 15 business days
    scan_deadlines()
    inquiries = db.session.scalars(select(Letter).where(
        Letter.case_id == case.id, Letter.template_code == "status_inquiry")).all()
    assert inquiries == []
    step(case, "answer_information", who="caseworker")
    db.session.refresh(followup)
    assert followup.status == "running" and followup.due_at > utc(2026, 5, 4, 9)


# --- the arrest notice -------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "fr"])
def test_arrest_notice_cites_ece_art16_4_only_under_the_ece(db, ready_case, language):
    from mla.notifications.letters import _context, render_letter

    bodies = {}
    for basis in ("ECE", "BILATERAL"):
        case = ready_case("incoming_extradition", legal_basis=basis)
        _subject, bodies[basis] = render_letter(
            "arrest_notice", language,
            **_context(case, None, {"arrested_on": "2026-03-02"}, language))
    ece, bilateral = bodies["ECE"], bodies["BILATERAL"]
    days = {"en": "days", "fr": "jours"}[language]
    assert "16(4)" in ece and f"18 {days}" in ece and f"40 {days}" in ece
    assert "16(4)" not in bilateral and f"18 {days}" not in bilateral
    assert f"40 {days}" not in bilateral
    neutral = {"en": "the treaty or law applicable", "fr": "le traité ou la loi applicable"}
    assert neutral[language] in bilateral and neutral[language] not in ece
    assert "2026-03-02" in bilateral


# --- outgoing extradition: the foreign custody limit -------------------------------

def test_person_held_abroad_needs_the_foreign_custody_limit(db, ready_case, step, users,
                                                            set_now):
    """ECE art. 16(4) abroad: when the person is arrested the limit must be recorded, or
    no clock counts down to it."""
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("outgoing_extradition", "notice_requested")
    with pytest.raises(ServiceError) as blocked:
        apply_transition(users["caseworker"], case, "person_located",
                         expected_version=case.version, values={"arrested_on": "2026-03-01"})
    reasons = blocked.value.details["blocked_by"]
    assert any("foreign custody limit" in r for r in reasons)
    db.session.rollback()
    step(case, "person_located", arrested_on="2026-03-01", due_on="2026-04-10")
    limit = the_clock(db, case, "formal_request_due")
    assert limit.is_custody and limit.status == "running"


def test_person_located_but_not_held_needs_no_custody_limit(db, ready_case, step, set_now):
    set_now(utc(2026, 3, 2, 9))
    case = ready_case("outgoing_extradition", "notice_requested")
    step(case, "person_located")
    assert case.state == "formal_request_due"
    assert clocks(db, case, "formal_request_due") == []
