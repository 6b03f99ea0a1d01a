"""Every verdict rule of CONTRACT.md ("Dual-criminality rules the verdict follows"),
with cases that pass and cases that fail; each test names and cites its rule.
The pure engine is tested here: catalogues are in memory."""

from __future__ import annotations

import pytest

from mla.dualcrim.engine import Policy, classify
from tests.dualcrim.helpers import LIFE, entry, rules_cited, run, texts

FRAUD_60 = [entry("XQ-210", "0701", 60, "Fraud")]


# --- ECE art. 2(1): at least 12 months in both states; a sentence of at least 4 months ---

def test_ece_art_2_1_satisfied_when_both_maxima_reach_12_months():
    verdict = run(basis="ECE", requesting=60, catalogue=[entry("XQ-210", "0701", 36, "Fraud")])
    assert verdict.verdict == "satisfied"
    assert "ECE art. 2(1): punishable by at least 12 months in both: 60 and 36 months" \
        in texts(verdict)


@pytest.mark.parametrize(("requesting", "expected"), [(11, "not_satisfied"), (12, "satisfied")])
def test_ece_art_2_1_requesting_state_threshold_12_months(requesting, expected):
    verdict = run(basis="ECE", requesting=requesting, catalogue=FRAUD_60)
    assert verdict.verdict == expected
    if expected == "not_satisfied":
        assert "ECE art. 2(1)" in rules_cited(verdict)
        assert "requesting state's maximum, 11 months, is below 12" in texts(verdict)


@pytest.mark.parametrize(("requested", "expected"), [(11, "not_satisfied"), (12, "satisfied")])
def test_ece_art_2_1_requested_state_threshold_12_months(requested, expected):
    verdict = run(basis="ECE", requesting=60, catalogue=[entry("XQ-1", "0701", requested)])
    assert verdict.verdict == expected
    assert "ECE art. 2(1)" in rules_cited(verdict)


@pytest.mark.parametrize(("sentence", "expected"), [(3, "not_satisfied"), (4, "satisfied")])
def test_ece_art_2_1_sentence_of_at_least_4_months(sentence, expected):
    verdict = run(basis="ECE", requesting=60, sentence=sentence, catalogue=FRAUD_60)
    assert verdict.verdict == expected
    assert any("sentence imposed" in r.text and r.rule == "ECE art. 2(1)"
               for r in verdict.reasons)


def test_ece_art_2_1_life_meets_the_threshold_on_both_sides():
    verdict = run(basis="ECE", requesting=LIFE, iccs="0101",
                  catalogue=[entry("XQ-100", "0101", LIFE, "Murder")])
    assert verdict.verdict == "satisfied"
    assert "both: life and life" in texts(verdict)


def test_ece_art_2_1_the_best_covering_offence_counts():
    catalogue = [entry("XQ-1", "0701", 6), entry("XQ-2", "07", 24)]
    assert run(basis="ECE", catalogue=catalogue).verdict == "satisfied"


# --- EAW art. 2(2): list offences with >= 36 months in the issuing state --------------------

def test_eaw_art_2_2_list_offence_at_36_months_needs_no_verification():
    verdict = run(basis="EAW", requesting=36, catalogue=[])
    assert verdict.verdict == "not_required"
    assert texts(verdict) == "EAW art. 2(2): list offence 'fraud', 36 months ≥ 36: no verification"


def test_eaw_art_2_2_list_offence_at_35_months_is_verified():
    assert run(basis="EAW", requesting=35, catalogue=[]).verdict == "not_satisfied"
    verdict = run(basis="EAW", requesting=35, catalogue=FRAUD_60)
    assert verdict.verdict == "satisfied"
    assert "EAW art. 2(2); EIO Annex D" in rules_cited(verdict)


def test_eaw_art_2_2_life_is_above_36_months():
    verdict = run(basis="EAW", requesting=LIFE, iccs="0101", catalogue=[])
    assert verdict.verdict == "not_required"


def test_eaw_art_2_2_non_list_conduct_is_verified():
    # 0502 theft is not one of the 32 categories
    assert run(basis="EAW", iccs="0502", requesting=60, catalogue=[]).verdict == "not_satisfied"


def test_eaw_art_2_2_explicit_list_category_overrides_the_mapping():
    verdict = run(basis="EAW", iccs="0502", requesting=60, catalogue=[],
                  list_category="trafficking in stolen vehicles")
    assert verdict.verdict == "not_required"
    assert "trafficking in stolen vehicles" in texts(verdict)


def test_eaw_art_2_2_list_category_comes_from_the_iccs_mapping_and_ancestors():
    # 070112 sits below 0701 (category 8 'fraud'); 07 alone is broader than the category
    assert run(basis="EAW", iccs="070112", requesting=40, catalogue=[]).verdict == "not_required"
    assert run(basis="EAW", iccs="07", requesting=40, catalogue=[]).verdict == "not_satisfied"


# --- EAW art. 2(1): 12 months, or a sentence of 4 months ------------------------------------

@pytest.mark.parametrize(("requesting", "sentence", "expected"), [
    (11, None, "not_satisfied"), (12, None, "satisfied"),
    (11, 4, "satisfied"), (11, 3, "not_satisfied"),
    # CONTRACT v1.1: where a sentence was passed, the sentence is the test, whatever
    # the maximum. The old "maximum or sentence" test said satisfied to both of these.
    (60, 3, "not_satisfied"), (None, 3, "not_satisfied"),
])
def test_eaw_art_2_1_sentence_passed_is_the_test_else_twelve_months(requesting, sentence,
                                                                      expected):
    verdict = run(basis="EAW", iccs="0502", requesting=requesting, sentence=sentence,
                  catalogue=[entry("XQ-215", "0502", 36, "Theft")])
    assert verdict.verdict == expected
    assert "EAW art. 2(1)" in rules_cited(verdict)


def test_eaw_art_2_1_a_sentence_below_four_months_says_so_whatever_the_maximum():
    verdict = run(basis="EAW", iccs="0502", requesting=60, sentence=3,
                  catalogue=[entry("XQ-215", "0502", 36, "Theft")])
    assert "a sentence was passed: 3 months is below 4 months, whatever the maximum " \
        "(60 months)" in texts(verdict)


def test_eaw_any_penalty_in_the_executing_state_suffices():
    verdict = run(basis="EAW", iccs="0502", requesting=24,
                  catalogue=[entry("XQ-215", "0502", 1, "Petty theft")])
    assert verdict.verdict == "satisfied"


# --- EIO art. 10(2), 11(2) and 11(1)(g) ----------------------------------------------------

def test_eio_art_10_2_non_coercive_measures_need_no_dual_criminality():
    verdict = run(basis="EIO", kind="mla", iccs="0502", coercive=False, catalogue=[])
    assert verdict.verdict == "not_required"
    assert rules_cited(verdict) == ["EIO art. 10(2), 11(2)"]


def test_eio_art_11_1_g_coercive_non_list_conduct_is_verified():
    assert run(basis="EIO", kind="mla", iccs="0502", catalogue=[]).verdict == "not_satisfied"
    verdict = run(basis="EIO", kind="mla", iccs="0502", requesting=6,
                  catalogue=[entry("XQ-215", "0502", 2)])
    assert verdict.verdict == "satisfied"


@pytest.mark.parametrize(("requesting", "expected"), [(35, "not_satisfied"),
                                                      (36, "not_required")])
def test_eio_art_11_1_g_list_category_at_36_months(requesting, expected):
    verdict = run(basis="EIO", kind="mla", iccs="07041", requesting=requesting, catalogue=[])
    assert verdict.verdict == expected
    if expected == "not_required":
        assert rules_cited(verdict) == ["EIO art. 11(1)(g)"]


# --- UNCAC art. 46(9)(b) -------------------------------------------------------------------

def test_uncac_art_46_9_b_non_coercive_mla_is_not_required():
    verdict = run(basis="UNCAC", kind="mla", iccs="07031", coercive=False, catalogue=[],
                  policy=Policy(mla_policy="always"))
    assert verdict.verdict == "not_required"
    assert rules_cited(verdict) == ["UNCAC art. 46(9)(b)"]


def test_uncac_art_46_9_b_does_not_cover_coercive_mla():
    verdict = run(basis="UNCAC", kind="mla", iccs="07031", coercive=True, catalogue=[])
    assert verdict.verdict == "not_satisfied"
    assert "UNCAC art. 43(2)" in rules_cited(verdict)


def test_uncac_art_46_9_b_does_not_apply_to_extradition():
    verdict = run(basis="UNCAC", kind="extradition", iccs="07031", coercive=False,
                  catalogue=[])
    assert verdict.verdict == "not_satisfied"


# --- home MLA policy (UNTOC, BILATERAL, RECIPROCITY; ECMA: tests/treaties) --------------

@pytest.mark.parametrize("basis", ["UNTOC", "BILATERAL", "RECIPROCITY"])
def test_home_policy_coercive_only_exempts_non_coercive_mla(basis):
    verdict = run(basis=basis, kind="mla", coercive=False, catalogue=[])
    assert verdict.verdict == "not_required"
    assert rules_cited(verdict) == ["Home MLA policy"]
    assert run(basis=basis, kind="mla", coercive=True, catalogue=[]).verdict == "not_satisfied"


def test_home_policy_always_verifies_non_coercive_mla():
    verdict = run(basis="UNTOC", kind="mla", coercive=False, catalogue=[],
                  policy=Policy(mla_policy="always"))
    assert verdict.verdict == "not_satisfied"
    verdict = run(basis="UNTOC", kind="mla", coercive=False, catalogue=FRAUD_60,
                  policy=Policy(mla_policy="always"))
    assert verdict.verdict == "satisfied"


def test_home_policy_never_exempts_even_coercive_mla():
    verdict = run(basis="BILATERAL", kind="mla", coercive=True, catalogue=[],
                  policy=Policy(mla_policy="never"))
    assert verdict.verdict == "not_required"
    assert "policy: never" in texts(verdict)


def test_home_policy_does_not_apply_to_extradition():
    verdict = run(basis="UNTOC", kind="extradition", coercive=False, catalogue=[],
                  policy=Policy(mla_policy="never"))
    assert verdict.verdict == "not_satisfied"


# --- other extradition bases: the home authority's minimum ---------------------------------

@pytest.mark.parametrize("basis", ["UNTOC", "UNCAC", "BILATERAL", "RECIPROCITY"])
@pytest.mark.parametrize(("requested", "expected"), [(11, "not_satisfied"), (12, "satisfied")])
def test_home_extradition_minimum_12_months_in_the_requested_state(basis, requested, expected):
    verdict = run(basis=basis, requesting=6, catalogue=[entry("XQ-1", "0701", requested)])
    assert verdict.verdict == expected
    assert "Home extradition minimum" in rules_cited(verdict)


def test_home_extradition_minimum_is_a_setting():
    catalogue = [entry("XQ-1", "0701", 18)]
    assert run(basis="BILATERAL", catalogue=catalogue).verdict == "satisfied"
    verdict = run(basis="BILATERAL", catalogue=catalogue,
                  policy=Policy(extradition_minimum_months=24))
    assert verdict.verdict == "not_satisfied"
    assert "below the minimum of 24 months" in texts(verdict)


def test_home_extradition_minimum_life_meets_it():
    verdict = run(basis="RECIPROCITY", iccs="0101", catalogue=[entry("XQ-1", "0101", LIFE)],
                  policy=Policy(extradition_minimum_months=600))
    assert verdict.verdict == "satisfied"


# --- matching: exact, broader (covers), narrower (partial) ---------------------------------

def test_matching_exact_code_covers():
    verdict = run(basis="ECE", catalogue=FRAUD_60)
    assert [m.match for m in verdict.matches] == ["exact"]
    assert verdict.verdict == "satisfied"


def test_matching_broader_code_covers():
    verdict = run(basis="ECE", iccs="070112", catalogue=FRAUD_60)
    assert [m.match for m in verdict.matches] == ["broader"]
    assert verdict.verdict == "satisfied"


def test_matching_narrower_only_gives_review():
    verdict = run(basis="ECE", iccs="07", catalogue=FRAUD_60)
    assert [m.match for m in verdict.matches] == ["narrower"]
    assert verdict.verdict == "review"
    assert "only narrower offences" in texts(verdict)


def test_matching_narrower_alongside_a_covering_offence_is_satisfied():
    catalogue = [entry("XQ-1", "07011", 60), entry("XQ-2", "0701", 24)]
    verdict = run(basis="ECE", iccs="0701", catalogue=catalogue)
    assert verdict.verdict == "satisfied"
    assert [m.match for m in verdict.matches] == ["exact", "narrower"]


def test_matching_unrelated_codes_do_not_match():
    verdict = run(basis="ECE", iccs="0701", catalogue=[entry("XQ-9", "0702", 60),
                                                       entry("XQ-8", "07019", 60)])
    # 07019 sits below 0701: narrower; 0702 is a sibling: no match
    assert [(m.entry.code, m.match) for m in verdict.matches] == [("XQ-8", "narrower")]


def test_matching_no_offence_covers_or_partly_matches_is_not_satisfied():
    verdict = run(basis="ECE", iccs="0209", catalogue=FRAUD_60)
    assert verdict.verdict == "not_satisfied"
    assert ("no offence of the requested state (XQ) covers or partly matches the conduct "
            "(0209)") in texts(verdict)


def test_no_catalogue_loaded_gives_review():
    verdict = run(basis="ECE", catalogue=None)
    assert verdict.verdict == "review"
    assert "no offence catalogue is loaded for the requested state (XQ)" in texts(verdict)


def test_no_catalogue_but_a_failed_requesting_threshold_is_not_satisfied():
    assert run(basis="ECE", requesting=6, catalogue=None).verdict == "not_satisfied"


def test_thresholds_come_before_review_of_partial_matches():
    # step 2 before step 3: partial matches, but 6 months in the requesting state under ECE
    assert run(basis="ECE", iccs="07", requesting=6, catalogue=FRAUD_60).verdict \
        == "not_satisfied"


def test_eaw_art_2_1_scope_comes_before_the_list_exemption():
    """Art. 2(2) dispenses with verifying dual criminality, not with the scope of art.
    2(1): a list offence at 36 months with a 1-month sentence was not_required before."""
    assert run(basis="EAW", requesting=36, sentence=1, catalogue=[]).verdict == "not_satisfied"
    assert run(basis="EAW", requesting=36, sentence=4, catalogue=[]).verdict == "not_required"
    assert run(basis="EAW", requesting=36, catalogue=[]).verdict == "not_required"


def test_classify_relations():
    assert classify(["0701"], ["0701"]) == "exact"
    assert classify(["070112"], ["07"]) == "broader"
    assert classify(["07"], ["070112"]) == "narrower"
    assert classify(["0701"], ["0702"]) is None
    assert classify(["0701", "0903"], ["07", "0903"]) == "exact"
