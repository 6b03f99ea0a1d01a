"""Grounds and duties, as the articles word them (mla/data/grounds.toml).

Each test is named after its article, with a case the text allows and one the old
single UNTOC list allowed (or refused) wrongly. Home is XZ; counterparts XA, FR.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from mla.cases.services import OffenceInput, PersonInput
from mla.core.errors import ServiceError
from mla.deadlines.models import Deadline
from mla.dualcrim.services import record_assessment
from mla.treaties.services import TreatyInput, save_treaty, set_ratification, set_reservation
from mla.workflow.grounds import ground, grounds_for, not_a_ground_note, parse_grounds
from mla.workflow.services import apply_transition, available_transitions
from mla.workflow.values import recorded_steps
from tests.workflow.conftest import force_state


def codes(case: Any) -> set[str]:
    return {g.code for g in grounds_for(case)}


def parties(instrument: str, *states: str) -> None:
    for state in states:
        set_ratification("test", state, instrument)


def test_untoc_art_18_21_grounds_are_worded_as_the_article_and_18_9_is_offered(ready_case):
    case = ready_case("incoming_mla")
    assert ground("contrary_to_legal_system").label.endswith(
        "relating to mutual legal assistance for the request to be granted")
    assert {"not_in_conformity", "essential_interests", "domestic_prohibition",
            "contrary_to_legal_system", "no_dual_criminality"} <= codes(case)
    assert ground("no_dual_criminality").citation == "UNTOC art. 18(9)"


def test_untoc_art_18_8_and_18_22_bank_secrecy_and_fiscal_matters_are_never_grounds(
        ready_case):
    note = not_a_ground_note(ready_case("incoming_mla"))
    assert "Bank secrecy" in note and "18(8)" in note
    assert "fiscal matters" in note and "18(22)" in note
    assert not any("fiscal" in c or "bank" in c for c in codes(ready_case("incoming_mla")))


def test_eio_art_11_grounds_offered_for_an_eio_not_untoc(db, ready_case, users):
    case = ready_case("incoming_mla", "decision", legal_basis="EIO", counterpart_country="FR")
    assert {"eio_immunity", "eio_ne_bis_in_idem", "eio_fundamental_rights",
            "eio_dual_criminality"} <= codes(case)
    assert "essential_interests" not in codes(case)
    base = {"reasons": "Reasons.", "consultation": "held"}
    with pytest.raises(ServiceError) as refused:   # the old list accepted UNTOC's ground
        apply_transition(users["caseworker"], case, "propose_refusal", expected_version=1,
                         values={**base, "refusal_ground": "essential_interests"})
    assert refused.value.details == {"field": "refusal_ground"}
    apply_transition(users["caseworker"], case, "propose_refusal", expected_version=1,
                     values={**base, "refusal_ground": "eio_ne_bis_in_idem"})
    assert case.state == "refusal_proposed"


def test_ecma_art_5_1_search_seizure_ground_only_where_the_requested_state_reserved(
        ready_case):
    case = ready_case("incoming_mla", legal_basis="ECMA")
    assert "ecma_search_seizure_dual_criminality" not in codes(case)
    set_reservation("test", "XZ", "ecma_art5_1_a")
    assert "ecma_search_seizure_dual_criminality" in codes(case)
    # A reservation of the requesting state does not bind the requested one.
    other = ready_case("incoming_mla", legal_basis="ECMA", counterpart_country="FR")
    set_reservation("test", "FR", "ecma_art5_1_b")
    assert "ecma_search_seizure_not_extraditable" not in codes(other)


def test_ece_art_5_and_second_additional_protocol_fiscal_amnesty_in_absentia(ready_case):
    case = ready_case("incoming_extradition")        # ECE with XA
    assert {"fiscal_offence_not_agreed", "pending_proceedings", "lapse_of_time",
            "nationality"} <= codes(case)
    assert not {"amnesty", "judgment_in_absentia"} & codes(case)
    parties("ECE_AP2", "XZ", "XA")
    # Between parties to the 2nd AP its art. 2 replaces ECE art. 5; arts. 3-4 apply.
    assert "fiscal_offence_not_agreed" not in codes(case)
    assert {"amnesty", "judgment_in_absentia"} <= codes(case)
    assert ground("amnesty").citation == "Second Additional Protocol to the ECE, art. 4"
    assert "may not be refused because" in not_a_ground_note(case)


def test_untoc_art_16_15_fiscal_matters_never_a_ground_for_extradition(ready_case):
    case = ready_case("incoming_extradition", legal_basis="UNTOC")
    assert "16(15)" in not_a_ground_note(case)
    assert "fiscal_offence_not_agreed" not in codes(case)
    assert "political_offence" not in codes(case)      # an ECE ground, not UNTOC's
    assert ground("nationality").citation_for("UNTOC") == "UNTOC art. 16(10)"


def test_untoc_art_16_10_refusal_on_nationality_makes_the_referral_a_duty(db, ready_case, users):
    case = ready_case("incoming_extradition", "executive_decision")
    apply_transition(users["caseworker"], case, "propose_refusal",
                     expected_version=case.version,
                     values={"ground": "nationality", "reasons": "The person is our national."})
    apply_transition(users["supervisor"], case, "approve_refusal",
                     expected_version=case.version)
    db.session.commit()
    assert case.state == "refused"
    clock = db.session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == "aut_dedere_referral")).one()
    assert clock.status == "running"                    # visible on the request
    close = next(o for o in available_transitions(users["caseworker"], case)
                 if o.name == "close_refused")
    assert not close.allowed and "national" in close.blocked_by[0]   # was optional before
    apply_transition(users["caseworker"], case, "refer_for_prosecution",
                     expected_version=case.version,
                     values={"executing_authority_id": case.domestic_authority_id})
    db.session.flush()
    assert clock.status == "met"


def test_refusal_on_another_ground_may_close_without_referral(db, ready_case, users):
    case = ready_case("incoming_extradition", "executive_decision")
    apply_transition(users["caseworker"], case, "propose_refusal",
                     expected_version=case.version,
                     values={"ground": "lapse_of_time", "reasons": "Time-barred here."})
    apply_transition(users["supervisor"], case, "approve_refusal",
                     expected_version=case.version)
    close = next(o for o in available_transitions(users["caseworker"], case)
                 if o.name == "close_refused")
    assert close.allowed
    assert db.session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == "aut_dedere_referral")).first() is None


def test_ece_ap3_art_6_met_by_telling_the_requester_not_by_the_consent(db, ready_case, users):
    parties("ECE_AP3", "XZ", "XA")
    case = ready_case("incoming_extradition")
    actor = users["caseworker"]
    apply_transition(actor, case, "record_arrest", expected_version=case.version,
                     values={"arrested_on": "2026-03-01"})
    apply_transition(actor, case, "record_consent", expected_version=case.version,
                     values={"consented_on": "2026-03-03"})
    notice = db.session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == "ece_ap3_consent_notice")).one()
    assert notice.status == "running"                   # the old step stopped it here
    decision = db.session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == "ece_ap3_decision")).one()
    assert decision.start_on == date(2026, 3, 3)        # art. 7: 20 days from consent
    apply_transition(actor, case, "inform_requester_of_consent", expected_version=case.version,
                     values={"consent_position": "consents", "informed_on": "2026-03-04"})
    db.session.flush()
    assert notice.status == "met" and case.state == "consent_given"


def test_ece_ap3_art_6_no_clock_when_the_requester_is_not_a_party(db, ready_case, users):
    parties("ECE_AP3", "XZ")
    case = ready_case("incoming_extradition")
    apply_transition(users["caseworker"], case, "record_arrest", expected_version=case.version,
                     values={"arrested_on": "2026-03-01"})
    rules = set(db.session.scalars(select(Deadline.rule_code).where(
        Deadline.case_id == case.id)))
    assert "ece_provisional_arrest" in rules and "ece_ap3_consent_notice" not in rules


def test_bilateral_treaty_recorded_at_arrest_sets_the_custody_period(db, ready_case, users):
    treaty = save_treaty("test", TreatyInput(name="Treaty XZ-XA", party_a="XZ", party_b="XA",
                                             provisional_arrest_days=45))
    other = save_treaty("test", TreatyInput(name="Treaty XZ-FR", party_a="XZ", party_b="FR",
                                            provisional_arrest_days=20))
    case = ready_case("incoming_extradition", legal_basis="BILATERAL")
    with pytest.raises(ServiceError) as wrong:           # not a treaty with Arcadia
        apply_transition(users["caseworker"], case, "record_arrest",
                         expected_version=case.version,
                         values={"arrested_on": "2026-03-01", "treaty_id": other.id})
    assert wrong.value.details == {"field": "treaty_id"}
    apply_transition(users["caseworker"], case, "record_arrest", expected_version=case.version,
                     values={"arrested_on": "2026-03-01", "treaty_id": treaty.id})
    assert case.treaty_id == treaty.id
    clock = db.session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == "bilateral_provisional_arrest")).one()
    assert clock.due_at.date() == date(2026, 4, 15)     # 45 days, not the default 60
    [(_event, shown)] = [(e, v) for e, v in recorded_steps(case)
                         if e.transition == "record_arrest"]
    assert "Treaty XZ-XA" in [v.text for v in shown]    # the treaty's name, not its id


def test_grounds_file_refuses_unknown_duty_and_protocol():
    base = ('[[ground]]\ncode = "x"\nkinds = ["mla"]\nbases = ["UNTOC"]\ncitation = "c"\n'
            'label = "l"\n')
    from mla.workflow.grounds import GroundsError

    with pytest.raises(GroundsError, match="duty"):
        parse_grounds(base + 'duty = "apologise"\n')
    with pytest.raises(GroundsError, match="only_parties"):
        parse_grounds(base + 'only_parties = "ECE_AP9"\n')



# --- UNTOC as the basis for extradition: its scope (arts. 2(b), 3, 16(1), 16(7)) ------

def test_untoc_art_3_scope_is_checked_before_the_court_and_shown(db, ready_case, users,
                                                                 make_case):
    actor = users["caseworker"]
    case = make_case(actor=actor, kind="extradition", legal_basis="UNTOC",
                     counterpart_country="XA",
                     offences=[OffenceInput(label="Theft", max_penalty_months=36,
                                            iccs=["0502"], conduct="Stole")],
                     persons=[PersonInput(role="suspect", full_name="Jean Fictif")])
    record_assessment(actor, case, case.offences[0], iccs=["0502"], decision="satisfied",
                      justification="Theft is an offence here.")
    force_state(db, case, "under_review")
    refer = next(o for o in available_transitions(actor, case) if o.name == "refer_to_court")
    assert not refer.allowed and "not been confirmed" in " ".join(refer.blocked_by)
    apply_transition(actor, case, "confirm_untoc_scope", expected_version=case.version,
                     values={"transnational": "yes", "organised_group": "yes",
                             "convention_offence": "no"})
    refer = next(o for o in available_transitions(actor, case) if o.name == "refer_to_court")
    reasons = " ".join(refer.blocked_by)
    assert "serious crime" in reasons and "36 months" in reasons     # 3 years < 4
    assert "art. 16(7)" in reasons and "12 months" in reasons        # domestic minimum shown
    apply_transition(actor, case, "confirm_untoc_scope", expected_version=case.version,
                     values={"transnational": "yes", "organised_group": "yes",
                             "convention_offence": "yes"})            # e.g. laundering, art. 6
    refer = next(o for o in available_transitions(actor, case) if o.name == "refer_to_court")
    assert not any("UNTOC" in r for r in refer.blocked_by)


def test_untoc_scope_is_not_asked_of_other_bases(ready_case, users):
    case = ready_case("incoming_extradition", "under_review")          # ECE
    refer = next(o for o in available_transitions(users["caseworker"], case)
                 if o.name == "refer_to_court")
    assert refer.allowed                                                # ECE: not asked
