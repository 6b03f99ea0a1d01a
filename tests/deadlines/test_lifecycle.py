"""Pause, resume, extend, stop: the due date moves exactly as the rule says."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from mla.cases.models import CaseEvent
from mla.core.errors import ServiceError
from mla.deadlines.services import (
    extend_deadline,
    pause_clocks,
    resume_clocks,
    start_deadline,
    stop_deadline,
    view_of,
)
from mla.notifications.models import Letter
from tests.deadlines.conftest import utc


@pytest.fixture
def mla_case(make_case):
    return make_case(kind="mla", legal_basis="UNTOC", counterpart_country="FR", measures=[])


def test_pause_and_resume_add_the_business_days_spent_paused(make_case, set_now, db):
    case = make_case(kind="extradition", legal_basis="ECE", counterpart_country="FR",
                     measures=[])
    sla = start_deadline(case, "sla_decision", actor="t", at=utc(2026, 3, 2, 9))
    custody = start_deadline(case, "ece_provisional_arrest", actor="t", at=utc(2026, 3, 2, 9),
                             values={"arrested_on": date(2026, 3, 1)})
    assert sla.due_at == utc(2026, 3, 30, 23, 59, 59)
    set_now(utc(2026, 3, 4, 12))
    paused = pause_clocks(case, actor="t", reason="awaiting supplementary information")
    assert paused == [sla]                      # custody clocks never pause
    assert sla.status == "paused" and custody.status == "running"
    assert case.next_due_at == custody.due_at   # only running clocks count
    assert view_of(sla).status == "paused"
    set_now(utc(2026, 3, 11, 12))
    resume_clocks(case, actor="t")
    # paused Wed 4 -> Wed 11: Thu, Fri, Mon, Tue, Wed = 5 business days
    assert sla.paused_days == 5
    assert sla.due_at == utc(2026, 4, 6, 23, 59, 59)
    assert sla.status == "running"
    assert case.next_due_at == min(sla.due_at, custody.due_at)
    kinds = [e.data.get("action") for e in db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "deadline"))]
    assert kinds.count("paused") == 1 and kinds.count("resumed") == 1


def test_eaw_extension_adds_thirty_days_once_with_a_notice_letter(make_case, set_now, db):
    case = make_case(kind="extradition", legal_basis="EAW", counterpart_country="FR",
                     measures=[])
    d = start_deadline(case, "eaw_decision", actor="t", at=utc(2026, 1, 10, 8),
                       values={"arrested_on": date(2026, 1, 10)})
    set_now(utc(2026, 3, 1, 10))
    with pytest.raises(ServiceError, match="reason"):
        extend_deadline("t", d, reason="  ")
    with pytest.raises(ServiceError):
        extend_deadline("t", d, reason="x", days=31)
    extend_deadline("t", d, reason="Awaiting the assurance on detention conditions")
    assert d.due_at == utc(2026, 4, 10, 23, 59, 59)      # 11 March + 30
    assert view_of(d).status == "extended"
    letter = db.session.scalars(select(Letter).where(Letter.case_id == case.id)).one()
    assert letter.template_code == "eaw_extension_notice"
    assert "Article 17(4)" in letter.body and "detention conditions" in letter.body
    assert letter.status == "draft"                       # waits for approval by default
    assert "Framework Decision" in letter.body
    assert d.extension_notice
    with pytest.raises(ServiceError, match="as often as"):
        extend_deadline("t", d, reason="again")


def test_custody_limit_of_ece_cannot_be_extended(make_case):
    case = make_case(kind="extradition", legal_basis="ECE", measures=[])
    d = start_deadline(case, "ece_provisional_arrest", actor="t", at=utc(2026, 3, 2),
                       values={"arrested_on": date(2026, 3, 1)})
    with pytest.raises(ServiceError, match="does not allow"):
        extend_deadline("t", d, reason="please")


def test_stop_marks_met_and_clears_next_due(mla_case, set_now):
    d = start_deadline(mla_case, "sla_acknowledge", actor="t", at=utc(2026, 3, 5, 9),
                       values={"received_on": date(2026, 3, 5)})
    set_now(utc(2026, 3, 6, 9))
    assert stop_deadline(mla_case, "sla_acknowledge", actor="t") is d
    assert d.status == "met" and view_of(d).status == "met"
    assert mla_case.next_due_at is None
    assert stop_deadline(mla_case, "sla_acknowledge", actor="t") is None  # nothing open


def test_met_late_shows_missed(mla_case, set_now):
    d = start_deadline(mla_case, "sla_acknowledge", actor="t", at=utc(2026, 3, 5, 9),
                       values={"received_on": date(2026, 3, 5)})
    set_now(utc(2026, 3, 20, 9))
    assert view_of(d).status == "missed"
    stop_deadline(mla_case, "sla_acknowledge", actor="t")
    assert view_of(d).status == "missed"


def test_days_left_counts_business_days_for_business_rules(mla_case, set_now):
    d = start_deadline(mla_case, "sla_decision", actor="t", at=utc(2026, 3, 2, 9))
    set_now(utc(2026, 3, 27, 9))            # Friday; due Monday 30
    v = view_of(d)
    assert (v.days_left, v.unit) == (1, "business")


def test_acknowledgement_clocks_run_from_receipt_not_registration(make_case, set_now, db):
    """A request received on Monday 2 March and registered ten days later: the 5-business-day
    service level ran out on Monday 9 March; the EIO's week (art. 16(1)) on 9 March too."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from mla.deadlines.models import Deadline

    set_now(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    case = make_case(legal_basis="EIO", received_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    clocks = {d.rule_code: d for d in db.session.scalars(
        select(Deadline).where(Deadline.case_id == case.id))}
    assert set(clocks) == {"sla_acknowledge", "eio_acknowledge", "eio_recognition"}
    for deadline in clocks.values():
        assert deadline.start_on == date(2026, 3, 2)
    del clocks["eio_recognition"]  # its 30 days: tests/workflow/test_workflow_clocks.py
    for deadline in clocks.values():
        local_due = deadline.due_at.astimezone(ZoneInfo(deadline.zone_name)).date()
        assert local_due == date(2026, 3, 9)
        assert case.next_due_at is not None and case.next_due_at < datetime(2026, 3, 12, tzinfo=UTC)
