"""EAW art. 2(2) / EIO Annex D: the list category is the one the issuing authority ticked
on the warrant (CJEU C-303/05 Advocaten voor de Wereld). The ICCS mapping only suggests
it; the caseworker confirms or changes it on the request's offence, and the check of a
request uses the confirmed one. POST /dual-criminality (CONTRACT v1) keeps the mapping.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import select

from mla.cases.models import CaseEvent
from mla.dualcrim.engine import CheckInput, Policy, evaluate
from mla.dualcrim.services import NO_CATEGORY, case_check_request, record_assessment
from tests.dualcrim.helpers import RULES, texts

FRAUD = CheckInput(kind="extradition", legal_basis="EAW", requesting_country="FR",
                   requested_country="XQ", coercive=True, iccs=("0701",),
                   max_penalty_months=60, label="Escroquerie")


def verdict(inp: CheckInput) -> str:
    return evaluate(inp, RULES, Policy(), catalogue_loaded=True, candidates=[]).verdict


def test_eaw_art_2_2_the_iccs_mapping_only_suggests_the_category():
    """Fraud at 60 months, no offence in the executing state's catalogue: the mapping
    alone used to say not_required; unconfirmed, it is for the caseworker to review."""
    unconfirmed = replace(FRAUD, list_category_source="unconfirmed")
    result = evaluate(unconfirmed, RULES, Policy(), catalogue_loaded=True, candidates=[])
    assert result.verdict == "review"
    assert "suggests list category 'fraud'" in texts(result)
    assert "C-303/05" in texts(result)


def test_eaw_art_2_2_the_category_ticked_on_the_warrant_counts():
    fraud = RULES.category("fraud")
    assert verdict(replace(FRAUD, list_category=fraud,
                           list_category_source="confirmed")) == "not_required"
    # None ticked: dual criminality is verified (art. 2(4)) whatever the ICCS codes say.
    assert verdict(replace(FRAUD, list_category=None,
                           list_category_source="confirmed")) == "not_satisfied"
    # Ticked although the codes suggest no category: the box counts.
    theft = replace(FRAUD, iccs=("0502",), list_category=fraud,
                    list_category_source="confirmed")
    assert verdict(theft) == "not_required"


def test_contract_v1_check_still_takes_the_category_from_the_mapping():
    assert verdict(FRAUD) == "not_required"


def test_eaw_art_2_2_confirmed_on_the_offence_and_used_by_the_check(db, make_case,
                                                                  create_user):
    caseworker = create_user("caseworker")
    case = make_case(actor=caseworker, direction="incoming", kind="extradition",
                     legal_basis="EAW", counterpart_country="FR", measures=[])
    offence = case.offences[0]
    assert case_check_request(case, offence).list_category_source == "unconfirmed"
    record_assessment(caseworker, case, offence, iccs=["0701"],
                      decision="not_required", justification="Box 'fraud' ticked.",
                      list_category="8")
    db.session.commit()
    assert (offence.list_category, offence.is_list_category_confirmed) == (8, True)
    req = case_check_request(case, offence)
    assert (req.list_category_source, req.list_category) == ("confirmed", "8")
    event = db.session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "list_category_confirmed"))
    assert event is not None and "8. fraud" in event.data["label"]
    record_assessment(caseworker, case, offence, iccs=["0701"],
                      decision="not_satisfied", justification="No box ticked after all.",
                      list_category=NO_CATEGORY)
    db.session.commit()
    assert (offence.list_category, offence.is_list_category_confirmed) == (None, True)
    assert case_check_request(case, offence).list_category is None


def test_assessment_page_preselects_the_suggestion_for_confirmation(
        db, make_case, create_user, login_as, client):
    caseworker = create_user("caseworker")
    case = make_case(actor=caseworker, direction="incoming", kind="extradition",
                     legal_basis="EAW", counterpart_country="FR", measures=[])
    login_as(caseworker)
    url = f"/dual-criminality/cases/{case.reference}/offences/{case.offences[0].id}"
    page = client.get(url).get_data(as_text=True)
    assert "not confirmed: the ICCS codes suggest 8. fraud" in page
    assert re.search(r'<option selected value="8">|<option value="8" selected', page)
    assert "C-303/05" in page
