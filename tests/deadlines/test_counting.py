"""How periods are counted, next to each rule with its source; where the texts leave it
to national law, a per-state setting with a documented default.

Home is XZ (fictional: UTC, no public holidays, so only weekends are non-working days).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mla.core import clock
from mla.deadlines.rules import (
    NON_WORKING_END,
    RuleError,
    counting_defaults,
    load_rules,
    parse_rules,
)
from mla.deadlines.services import set_counting, start_deadline


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "real_now", lambda: datetime(2026, 3, 2, 9, tzinfo=UTC))


def test_every_rule_says_how_it_is_counted_and_why():
    for code, rule in load_rules().items():
        assert rule.counting_source.strip(), code
        assert rule.non_working_end in NON_WORKING_END
        if rule.is_custody:
            assert rule.non_working_end == "stays", code


def test_a_custody_limit_can_never_move_to_a_working_day():
    with pytest.raises(RuleError, match="custody limit never moves"):
        parse_rules('[rule.x]\ntitle="t"\ncitation="c"\ndays=3\nis_custody=true\n'
                    'non_working_end="state"\ncounting_source="s"\n')
    with pytest.raises(RuleError, match="counting_source"):
        parse_rules('[rule.x]\ntitle="t"\ncitation="c"\ndays=3\n')


def test_documented_defaults():
    defaults = counting_defaults()
    assert (defaults.counts_event_day, defaults.moves_to_working_day) == (False, True)


def test_eio_art_12_3_period_ending_on_a_sunday_moves_to_monday_by_default(
        db, make_case, create_user, frozen):
    """Received Thursday 5 March: 30 days end on Saturday 4 April; Reg. 1182/71 art.
    3(4), the default for XZ, carries it to Monday 6 April. Before: Saturday."""
    case = make_case(actor=create_user("caseworker"), legal_basis="EIO",
                     counterpart_country="FR", counterpart_authority_id=None)
    clock_ = start_deadline(case, "eio_recognition", actor="system",
                            values={"received_on": date(2026, 3, 5)})
    assert clock_.due_at == end_of(date(2026, 4, 6))


def test_eio_art_12_3_a_state_whose_law_does_not_move_it(db, make_case, create_user, frozen):
    admin = create_user("admin")
    set_counting(admin, "XZ", counts_event_day=None, moves_to_working_day=False)
    case = make_case(actor=create_user("caseworker"), legal_basis="EIO",
                     counterpart_country="FR", counterpart_authority_id=None)
    clock_ = start_deadline(case, "eio_recognition", actor="system",
                            values={"received_on": date(2026, 3, 5)})
    assert clock_.due_at == end_of(date(2026, 4, 4))


def test_eaw_art_17_3_custody_limit_never_moves_but_counts_the_arrest_day_where_the_state_does(
        db, make_case, create_user, frozen):
    """Arrest Sunday 1 March: 60 days end Thursday 30 April whatever the setting on
    non-working days; a state counting the day of arrest ends it on 29 April."""
    caseworker = create_user("caseworker")
    case = make_case(actor=caseworker, kind="extradition", legal_basis="EAW",
                     counterpart_country="FR", counterpart_authority_id=None, measures=[])
    clock_ = start_deadline(case, "eaw_decision", actor="system",
                            values={"arrested_on": date(2026, 3, 1)})
    assert clock_.due_at == end_of(date(2026, 4, 30)) and not clock_.moves_to_working_day
    set_counting(create_user("admin"), "XZ", counts_event_day=True, moves_to_working_day=True)
    later = make_case(actor=caseworker, kind="extradition", legal_basis="EAW",
                      counterpart_country="FR", counterpart_authority_id=None, measures=[])
    clock_ = start_deadline(later, "eaw_decision", actor="system",
                            values={"arrested_on": date(2026, 3, 1)})
    assert clock_.due_at == end_of(date(2026, 4, 29)) and not clock_.moves_to_working_day


def test_the_setting_is_audited_and_kept_on_the_admin_page(db, create_user, login_as, client):
    admin = create_user("admin")
    login_as(admin)
    page = client.get("/deadlines/time-zones").get_data(as_text=True)
    assert "How periods are counted" in page
    import re
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/deadlines/counting", data={
        "csrf_token": token, "country_code": "XZ", "counts_event_day": "yes",
        "moves_to_working_day": ""})
    assert response.status_code == 302
    from sqlalchemy import select

    from mla.audit.models import AuditEntry
    from mla.deadlines.models import CountingSetting

    setting = db.session.get(CountingSetting, "XZ")
    assert (setting.counts_event_day, setting.moves_to_working_day) == (True, None)
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "deadlines.counting_set")) is not None
