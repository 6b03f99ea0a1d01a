"""Clocks start on the day the law says, in the authority's own time.

Receipt dates are calendar dates in the home state's zone, entered by the caseworker
(default: today there), never the UTC date of an instant; a step's dates of events
are refused in the future. Home here is XZ with its deadlines' zone set to
Pacific/Auckland (UTC+13 in March), so 2 March 12:00 UTC is already 3 March at home.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from mla.core import clock
from mla.deadlines.services import set_time_zone
from tests.workflow.test_workflow_clocks import the_clock

URL = "/api/v1/cases/{}/transitions"
NOON_UTC_2_MARCH = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)   # 3 March, 01:00 in Auckland


@pytest.fixture
def at_auckland(db, users, monkeypatch) -> Callable[[datetime], None]:
    set_time_zone(users["admin"], "XZ", "Pacific/Auckland")
    db.session.commit()

    def freeze(at: datetime) -> None:
        monkeypatch.setattr(clock, "real_now", lambda: at)

    freeze(NOON_UTC_2_MARCH)
    return freeze


def test_eio_art_12_3_request_received_today_counts_from_today_at_home(
        db, ready_case, at_auckland):
    """No received date given: received today in the home zone (3 March), not on the
    UTC date of the registration instant (2 March, as before)."""
    case = ready_case("incoming_mla", legal_basis="EIO", counterpart_country="FR")
    recognition = the_clock(db, case, "eio_recognition")
    assert recognition.start_on == date(2026, 3, 3)
    assert the_clock(db, case, "eio_acknowledge").start_on == date(2026, 3, 3)
    assert case.received_at.date() == date(2026, 3, 3)


def test_a_receipt_date_entered_by_the_caseworker_starts_the_clock(
        db, ready_case, users, at_auckland):
    """The formal request arrived on 27 February and is recorded on 3 March: the
    admissibility service level counts 20 business days from 27 February."""
    case = ready_case("incoming_extradition", legal_basis="ECE")
    from mla.workflow.services import apply_transition

    apply_transition(users["caseworker"], case, "formal_request_received",
                     expected_version=case.version, values={"received_on": "2026-02-27"})
    db.session.commit()
    sla = the_clock(db, case, "sla_decision")
    assert sla.start_on == date(2026, 2, 27)
    assert sla.due_at.astimezone(UTC).date() == date(2026, 3, 27)   # 23:59:59 NZDT


def test_a_receipt_date_left_out_is_today_in_the_home_zone(
        client, api_token, db, ready_case, users, at_auckland):
    case = ready_case("incoming_extradition", legal_basis="ECE")
    response = client.post(URL.format(case.reference), headers=api_token(users["caseworker"]),
                           json={"name": "formal_request_received", "version": case.version})
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert the_clock(db, case, "sla_decision").start_on == date(2026, 3, 3)


@pytest.mark.parametrize(("name", "values"), [
    ("formal_request_received", {"received_on": "2026-03-04"}),
    ("record_arrest", {"arrested_on": "2026-03-04"}),
])
def test_a_receipt_or_arrest_date_in_the_future_is_422(client, api_token, ready_case, users,
                                                       at_auckland, name, values):
    """Tomorrow at home (4 March) is refused; today at home (3 March) is accepted even
    though it is still 2 March in UTC."""
    case = ready_case("incoming_extradition", legal_basis="ECE")
    headers = api_token(users["caseworker"])
    response = client.post(URL.format(case.reference), headers=headers,
                           json={"name": name, "version": case.version, "values": values})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["field"] == next(iter(values))
    today = {key: "2026-03-03" for key in values}
    response = client.post(URL.format(case.reference), headers=headers,
                           json={"name": name, "version": case.version, "values": today})
    assert response.status_code == 200, response.get_json()


def test_an_agreed_date_may_lie_ahead(db, ready_case, users, at_auckland):
    """EAW art. 23(3): a new surrender date is agreed for the future; it is not an event."""
    from mla.workflow.services import apply_transition

    case = ready_case("incoming_eaw", "surrender_pending", counterpart_country="FR")
    apply_transition(users["caseworker"], case, "agree_new_surrender_date",
                     expected_version=case.version,
                     values={"new_surrender_on": "2026-03-20", "cause": "beyond_control",
                             "reasons": "Strike at the airport."})
    assert case.state == "surrender_pending"


def test_workflow_fields_say_which_dates_may_lie_ahead():
    """Every date field of every shipped workflow is either the day something happened
    (refused in the future) or says `future = true` (a date agreed or due)."""
    from mla.workflow.registry import WORKFLOW_NAMES, current

    ahead = {(name, t.name, f.name) for name in WORKFLOW_NAMES
             for t in current(name).transitions for f in t.fields
             if f.type == "date" and f.future}
    assert {f for _w, _t, f in ahead} <= {"due_on", "surrender_on", "new_surrender_on", "until"}
    assert ("incoming_eaw", "agree_new_surrender_date", "new_surrender_on") in ahead
