"""Incoming European arrest warrants: a judicial surrender procedure, article by article.

Council Framework Decision 2002/584/JHA. Home is XZ (fictional: UTC, no public
holidays), so a period ends at 23:59:59 UTC of its last day; the day of the event
is not counted. Each test has the case that passes and the one the old
behaviour (EAW run through the extradition workflow) would have let through.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from mla.cases.models import CaseEvent
from mla.core import clock
from mla.core.errors import ServiceError
from mla.notifications.models import Letter, OutboxMessage
from mla.workflow.registry import current, workflow_name_for
from mla.workflow.services import apply_transition, available_transitions
from tests.workflow.test_workflow_clocks import clocks, end_of, the_clock, utc

BEFORE_DECISION = ("received", "under_review", "awaiting_information", "before_court")


@pytest.fixture
def set_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    def freeze(at: datetime) -> None:
        monkeypatch.setattr(clock, "real_now", lambda: at)

    return freeze


@pytest.fixture
def step(db, users) -> Callable[..., Any]:
    """Take a step as a caseworker and commit, like one request."""

    def take(case: Any, name: str, comment: str = "", **values: Any) -> Any:
        apply_transition(users["caseworker"], case, name, expected_version=case.version,
                         values=values, comment=comment)
        db.session.commit()
        return case

    return take


@pytest.fixture
def warrant(db, ready_case, users, set_now):
    """A warrant from France registered on 2 March 2026 (in ``state``: arrested 1 March)."""
    def make(state: str | None = None):
        set_now(utc(2026, 3, 2, 9))
        return ready_case("incoming_eaw", state, counterpart_country="FR")
    return make


# --- a judicial procedure with its own grounds ----------------------------------------

def test_eaw_requests_start_under_their_own_workflow_with_no_executive_decision(
        db, make_case, users):
    """Framework Decision 2002/584/JHA: no executive phase; ECE requests keep theirs."""
    eaw = make_case(actor=users["caseworker"], direction="incoming", kind="extradition",
                    legal_basis="EAW", counterpart_country="FR")
    ece = make_case(actor=users["caseworker"], direction="incoming", kind="extradition",
                    legal_basis="ECE", counterpart_country="FR")
    assert eaw.workflow_name == "incoming_eaw"
    assert ece.workflow_name == "incoming_extradition"
    assert "executive_decision" not in current("incoming_eaw").states
    assert "executive_decision" in current("incoming_extradition").states
    assert workflow_name_for("outgoing", "extradition", "EAW") == "outgoing_extradition"


def test_eaw_arts_3_4_4a_are_the_only_grounds_for_non_execution():
    """The court refuses on arts. 3, 4 or 4a; the ECE's grounds (political offence,
    nationality, ...) are not offered."""
    workflow = current("incoming_eaw")
    refusals = [t for t in workflow.transitions if t.target == "closed_refused"]
    assert [t.name for t in refusals] == ["court_refuses"]
    choices = dict(refusals[0].field("ground").choices)
    assert set(choices) == {
        "art3_1_amnesty", "art3_2_ne_bis_in_idem", "art3_3_age", "art4_1_dual_criminality",
        "art4_2_prosecuted_here", "art4_3_not_prosecuted", "art4_4_statute_barred",
        "art4_5_third_state", "art4_6_sentence_here", "art4_7_territoriality",
        "art4a_in_absentia"}
    assert all("(art. 3(" in label or "(art. 4(" in label or "(art. 4a)" in label
               for label in choices.values())
    assert not any("ECE" in label for label in choices.values())
    # No supervisor's executive refusal: nobody "proposes" a refusal under the EAW.
    assert not any(s.approval for s in workflow.states.values())


def test_eaw_art_4_refusal_on_an_ece_ground_is_refused(db, warrant, step, users, authorities):
    case = warrant("before_court")
    with pytest.raises(ServiceError) as refused:
        step(case, "court_refuses", ground="political_offence", reasons="Political.")
    assert refused.value.details == {"field": "ground"}
    step(case, "court_refuses", ground="art4_6_sentence_here",
         reasons="National of the executing State; sentence to be executed here.")
    assert case.state == "closed_refused"


def test_eaw_art_5_guarantees_are_asked_when_surrender_is_ordered():
    spec = current("incoming_eaw").transition("court_orders_surrender").field("guarantees")
    assert spec is not None and "art. 5" in spec.label


# --- art. 13 and 17(2): consent whenever given; 10 days from it --------------------------

@pytest.mark.parametrize("state", BEFORE_DECISION)
def test_eaw_art_13_consent_is_recorded_whenever_it_is_given(db, warrant, step, state):
    """The old workflow accepted consent only in one state ("arrested")."""
    case = warrant(state)
    step(case, "record_consent", consented_on="2026-03-02")
    assert case.state == state                      # the procedure goes on where it was
    assert the_clock(db, case, "eaw_decision").due_at == end_of(date(2026, 3, 12))


def test_eaw_art_13_consent_cannot_be_recorded_after_the_decision(db, warrant, step):
    case = warrant("surrender_pending")
    with pytest.raises(ServiceError) as refused:
        step(case, "record_consent", consented_on="2026-03-02")
    assert refused.value.code == "not_available"


def test_eaw_art_17_2_consent_clock_runs_from_consent(db, warrant, step, set_now):
    """Arrest 1 March: 60 days (art. 17(3)) = 30 April; consent 5 March: 10 days
    (art. 17(2)) = 15 March, not 10 days from the arrest nor from today."""
    case = warrant()
    step(case, "record_arrest", arrested_on="2026-03-01")
    decision = the_clock(db, case, "eaw_decision")
    assert decision.due_at == end_of(date(2026, 4, 30))
    set_now(utc(2026, 3, 9, 15))
    step(case, "record_consent", consented_on="2026-03-05")
    db.session.refresh(decision)
    assert decision.status == "running" and decision.start_on == date(2026, 3, 5)
    assert decision.due_at == end_of(date(2026, 3, 15))
    assert case.next_due_at == decision.due_at


def test_eaw_art_17_2_a_later_arrest_does_not_bring_back_the_60_days(db, warrant, step,
                                                                     set_now):
    """Consent recorded first (the person appeared without being held), arrest later:
    the decision stays due 10 days after the consent. The old clock went back to 60
    days from the arrest."""
    case = warrant()
    step(case, "record_consent", consented_on="2026-03-02")
    set_now(utc(2026, 3, 4, 9))
    step(case, "record_arrest", arrested_on="2026-03-03")
    assert the_clock(db, case, "eaw_decision").due_at == end_of(date(2026, 3, 12))


# --- art. 17(3): arrest after registration, while under review -----------------------------

@pytest.mark.parametrize("state", BEFORE_DECISION)
def test_eaw_art_17_3_arrest_is_recorded_after_registration_and_under_review(
        db, warrant, step, state):
    """A person is often arrested on an SIS alert after the warrant arrived; the old
    workflow accepted an arrest only before the formal request was recorded."""
    case = warrant(state)
    [existing] = clocks(db, case, "eaw_decision")           # the factory's arrest, 1 March
    step(case, "record_arrest", arrested_on="2026-03-02")
    assert case.state == state
    db.session.refresh(existing)
    assert existing.status == "running" and existing.start_on == date(2026, 3, 2)
    assert existing.due_at == end_of(date(2026, 5, 1))        # 60 days after 2 March
    assert all(p.is_in_custody for p in case.persons if p.role == "suspect")


def test_eaw_art_17_3_review_then_arrest_starts_the_60_days(db, warrant, step):
    case = warrant()
    step(case, "start_review")
    assert clocks(db, case, "eaw_decision") == []
    step(case, "record_arrest", arrested_on="2026-03-02")
    assert case.state == "under_review"
    assert the_clock(db, case, "eaw_decision").due_at == end_of(date(2026, 5, 1))


# --- art. 17(4) and 17(7): +30 days once; Eurojust when the limits cannot be met ----------

def test_eaw_art_17_4_extension_adds_30_days_once_and_tells_the_issuing_authority(
        db, warrant, step, users):
    case = warrant("before_court")
    step(case, "extend_decision_time", reasons="Expert report on detention conditions.")
    decision = the_clock(db, case, "eaw_decision")
    assert decision.extensions == 1
    assert decision.due_at == end_of(date(2026, 5, 30))       # 60 + 30 days after 1 March
    letter = db.session.scalar(select(Letter).where(Letter.case_id == case.id,
                                                    Letter.template_code == "eaw_extension_notice"))
    assert letter is not None and "Expert report" in letter.body
    options = {o.name: o for o in available_transitions(users["caseworker"], case)}
    assert not options["extend_decision_time"].allowed
    with pytest.raises(ServiceError) as refused:
        step(case, "extend_decision_time", reasons="Again.")
    assert refused.value.code == "blocked"


def test_eaw_art_17_4_no_extension_without_a_running_decision_clock(db, warrant, step):
    case = warrant()
    with pytest.raises(ServiceError) as refused:
        step(case, "extend_decision_time", reasons="Busy court.")
    assert refused.value.code == "blocked"


@pytest.mark.parametrize("name", ["extend_decision_time", "record_time_limits_missed"])
def test_eaw_art_17_7_the_step_reminds_to_inform_eurojust_with_the_reasons(
        db, warrant, step, users, name):
    case = warrant("before_court")
    step(case, name, reasons="The court's hearing list is full.")
    reminder = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                         CaseEvent.kind == "duty_reminder"))
    assert reminder is not None
    assert "Eurojust" in reminder.data["label"] and "17(7)" in reminder.data["label"]
    assert reminder.comment == "The court's hearing list is full."
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                                          OutboxMessage.channel == "in_app"))
    assert any("Eurojust" in m.body and "hearing list" in m.body for m in sent)


# --- art. 23: surrender within 10 days of the decision, or of each new date agreed --------

def _ordered(step, case, authorities, set_now, decided_on: str = "2026-04-10"):
    set_now(utc(2026, 4, 14, 9))
    step(case, "refer_to_court", executing_authority_id=authorities["court"].id)
    step(case, "court_orders_surrender", decided_on=decided_on)
    return case


def test_eaw_art_23_2_surrender_due_ten_days_after_the_final_judicial_decision(
        db, warrant, step, authorities, set_now):
    """No executive decision starts it: the court's decision is final."""
    case = warrant("under_review")
    _ordered(step, case, authorities, set_now)
    surrender = the_clock(db, case, "eaw_surrender")
    assert surrender.status == "running" and surrender.is_custody
    assert surrender.due_at == end_of(date(2026, 4, 20))
    assert the_clock(db, case, "eaw_decision").status == "met"
    step(case, "arrange_surrender", surrender_on="2026-04-18", place="Airport")
    assert the_clock(db, case, "eaw_surrender").due_at == end_of(date(2026, 4, 20))


def test_eaw_art_23_3_new_date_agreed_restarts_ten_days_as_often_as_needed(
        db, warrant, step, authorities, set_now):
    """CJEU C-640/15 Vilkas: a new date may be agreed more than once; each time
    surrender is due within 10 days of it. The old rule added 10 days, once."""
    case = _ordered(step, warrant("under_review"), authorities, set_now)
    step(case, "agree_new_surrender_date", new_surrender_on="2026-04-25",
         cause="beyond_control", reasons="Flights cancelled.")
    surrender = the_clock(db, case, "eaw_surrender")
    assert surrender.due_at == end_of(date(2026, 5, 5)) and surrender.extensions == 0
    step(case, "agree_new_surrender_date", new_surrender_on="2026-05-08",
         cause="beyond_control", reasons="The person resisted boarding.")
    db.session.refresh(surrender)
    assert surrender.status == "running" and surrender.start_on == date(2026, 5, 8)
    assert surrender.due_at == end_of(date(2026, 5, 18))
    assert case.state == "surrender_pending"


def test_eaw_art_23_4_humanitarian_postponement_is_a_new_date(db, warrant, step, authorities,
                                                              set_now):
    case = _ordered(step, warrant("under_review"), authorities, set_now)
    step(case, "agree_new_surrender_date", new_surrender_on="2026-06-01",
         cause="humanitarian", reasons="Surgery.")
    assert the_clock(db, case, "eaw_surrender").due_at == end_of(date(2026, 6, 11))


def test_eaw_art_24_postponed_surrender_is_a_step_with_its_own_date(
        db, warrant, step, authorities, set_now):
    """Art. 24(1): postponed for a prosecution here; the 10-day limit stops (it is not
    met), and runs again from the date agreed when the postponement ends."""
    case = _ordered(step, warrant("under_review"), authorities, set_now)
    step(case, "postpone_surrender", postponement="postponed", postponed_on="2026-04-12",
         conditions="Trial here for another theft, hearing in June.")
    assert case.state == "surrender_postponed"
    assert the_clock(db, case, "eaw_surrender").status == "stopped"
    letter = db.session.scalar(select(Letter).where(
        Letter.case_id == case.id, Letter.template_code == "eaw_postponement_notice"))
    assert letter is not None and "24(1)" in letter.body and "April 12, 2026" in letter.body
    step(case, "agree_new_surrender_date", new_surrender_on="2026-07-01",
         cause="postponement_ended", reasons="Sentence served.")
    running = [d for d in clocks(db, case, "eaw_surrender") if d.status == "running"]
    assert [d.due_at for d in running] == [end_of(date(2026, 7, 11))]


def test_eaw_surrender_closes_every_clock(db, warrant, step, authorities, set_now):
    case = _ordered(step, warrant("under_review"), authorities, set_now)
    step(case, "record_surrender", surrendered_on="2026-04-14")
    assert case.is_closed
    assert the_clock(db, case, "eaw_surrender").status == "met"
    assert [d for d in clocks(db, case) if d.status in ("running", "paused")] == []


def test_eaw_art_13_consent_step_says_the_request_stays_where_it_is(
        db, warrant, users, login_as, client):
    case = warrant("before_court")
    login_as(users["caseworker"])
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "Record the person" in page and "stays where it is" in page
    step_page = client.get(f"/requests/{case.reference}/steps/record_consent")
    assert step_page.status_code == 200
    assert "records a fact and leaves it there" in step_page.get_data(as_text=True)
