"""ECMA 1959 art. 5(1): dual criminality is a condition only for letters rogatory for
search or seizure, and only where the requested state made the reservation."""

from __future__ import annotations

from mla.dualcrim.engine import CheckInput, Policy, evaluate
from mla.dualcrim.rules import load_rules
from mla.dualcrim.services import case_check_request, validate_check
from mla.treaties.services import set_reservation


def _ecma(*, search: bool, reserved: bool, policy: str = "coercive_only"):
    inp = CheckInput(kind="mla", legal_basis="ECMA", requesting_country="FR",
                     requested_country="XQ", coercive=True, iccs=("0701",),
                     max_penalty_months=60, search_or_seizure=search,
                     requested_reserved_dc=reserved)
    return evaluate(inp, load_rules(), Policy(mla_policy=policy), catalogue_loaded=True,
                    candidates=[])


def test_ecma_art_5_1_dual_criminality_only_for_search_or_seizure_where_reserved():
    # Under the old rules a coercive ECMA request always needed dual criminality.
    assert _ecma(search=False, reserved=True).verdict == "not_required"      # bank records
    assert _ecma(search=True, reserved=False).verdict == "not_required"      # no reservation
    assert [r.rule for r in _ecma(search=True, reserved=False).reasons] == ["ECMA art. 5(1)(a)"]
    assert _ecma(search=True, reserved=True).verdict == "not_satisfied"      # must be checked
    # The home MLA policy does not stand in for a state's reservation.
    assert _ecma(search=False, reserved=False, policy="always").verdict == "not_required"


def test_ecma_art_5_1_case_check_reads_the_requested_states_reservation(make_case, db):
    case = make_case(kind="mla", legal_basis="ECMA", counterpart_country="FR",
                     measures=["search_seizure"])
    inp = validate_check(case_check_request(case, case.offences[0]))
    assert inp.search_or_seizure and not inp.requested_reserved_dc
    set_reservation("test", "XZ", "ecma_art5_1_a")          # we are the requested state
    assert validate_check(case_check_request(case, case.offences[0])).requested_reserved_dc
