"""Properties of the verdict (hypothesis), on the pure engine:
- adding an offence to the requested state's catalogue never turns `satisfied` into
  anything else;
- raising a penalty (either state's) never turns `satisfied` into `not_satisfied`.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from mla.dualcrim.engine import CatalogueEntry, CheckInput, Policy, evaluate
from tests.dualcrim.helpers import LIFE, RULES

CODES = ["01", "0101", "0102", "02", "0201", "02011", "020111", "0204", "0401", "04011",
         "05", "0502", "05021", "07", "0701", "07011", "070111", "07019", "0703", "07031",
         "070311", "07041", "0903", "09031", "1001"]
COMBOS = [("mla", b) for b in ("UNTOC", "UNCAC", "ECMA", "EIO", "BILATERAL", "RECIPROCITY")] + \
         [("extradition", b) for b in ("UNTOC", "UNCAC", "ECE", "EAW", "BILATERAL",
                                       "RECIPROCITY")]
penalties = st.one_of(st.integers(min_value=1, max_value=240), st.just(LIFE))
entries = st.builds(
    lambda n, codes, months: CatalogueEntry("XQ", f"XQ-{n}", f"Offence {n}", tuple(codes),
                                            months),
    st.integers(min_value=0, max_value=10_000),
    st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True), penalties)
catalogues = st.one_of(st.none(), st.lists(entries, max_size=8, unique_by=lambda e: e.code))
inputs = st.builds(
    lambda combo, codes, requesting, sentence, coercive: CheckInput(
        kind=combo[0], legal_basis=combo[1], requesting_country="FR", requested_country="XQ",
        coercive=coercive, iccs=tuple(codes), max_penalty_months=requesting,
        sentence_months=sentence),
    st.sampled_from(COMBOS), st.lists(st.sampled_from(CODES), min_size=1, max_size=2,
                                      unique=True),
    st.one_of(st.none(), penalties), st.one_of(st.none(), st.integers(0, 60)), st.booleans())
policies = st.builds(Policy, st.sampled_from(["coercive_only", "always", "never"]),
                     st.integers(min_value=1, max_value=48))


def verdict_of(inp, catalogue, policy) -> str:
    return evaluate(inp, RULES, policy, catalogue_loaded=catalogue is not None,
                    candidates=catalogue or []).verdict


@settings(max_examples=400, deadline=None)
@given(inputs, catalogues, entries, policies)
def test_adding_an_offence_never_undoes_satisfied(inp, catalogue, extra, policy):
    if verdict_of(inp, catalogue, policy) != "satisfied":
        return
    assert catalogue is not None
    bigger = [*catalogue, replace(extra, code=extra.code + "-new")]
    assert verdict_of(inp, bigger, policy) == "satisfied"


@settings(max_examples=400, deadline=None)
@given(inputs, catalogues, policies, st.integers(min_value=1, max_value=120), st.data())
def test_raising_a_penalty_never_gives_not_satisfied(inp, catalogue, policy, bump, data):
    if verdict_of(inp, catalogue, policy) != "satisfied":
        return
    if inp.max_penalty_months is not None:
        raised = replace(inp, max_penalty_months=min(LIFE, inp.max_penalty_months + bump))
        assert verdict_of(raised, catalogue, policy) != "not_satisfied"
    if catalogue:
        index = data.draw(st.integers(min_value=0, max_value=len(catalogue) - 1))
        target = catalogue[index]
        raised_entry = replace(target,
                               max_penalty_months=min(LIFE, target.max_penalty_months + bump))
        bigger = [*catalogue[:index], raised_entry, *catalogue[index + 1:]]
        assert verdict_of(inp, bigger, policy) != "not_satisfied"


@settings(max_examples=200, deadline=None)
@given(inputs, catalogues, policies)
def test_every_verdict_gives_cited_reasons(inp, catalogue, policy):
    verdict = evaluate(inp, RULES, policy, catalogue_loaded=catalogue is not None,
                       candidates=catalogue or [])
    assert verdict.verdict in {"satisfied", "not_satisfied", "not_required", "review"}
    assert verdict.reasons
    assert all(reason.rule and reason.text for reason in verdict.reasons)
