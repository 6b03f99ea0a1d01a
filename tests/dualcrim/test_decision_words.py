"""A recorded dual criminality decision reads as words on the request page and the
assessment page, in the reader's language; never its code ('not_required',
'satisfied'). The assessment page names the legal basis and the states."""

from __future__ import annotations

import re

import pytest

from mla.dualcrim.catalogue import import_catalogue_text
from mla.dualcrim.services import record_assessment

HEADER = "code,title,statute,max_penalty_months,iccs\n"
CODES = re.compile(r"\b(not_required|not_satisfied|satisfied)\b")


@pytest.fixture
def overridden(db, make_case, create_user):
    import_catalogue_text("test", "XZ", HEADER + "ZPC-230,Fraud,PC s.230,72,0701\n")
    user = create_user("caseworker")
    case = make_case(actor=user, counterpart_country="XA", legal_basis="UNTOC")
    record_assessment(user, case, case.offences[0], iccs=["0701"], decision="not_required",
                      justification="Service of documents only")
    db.session.commit()
    return user, case


def _visible(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


@pytest.mark.parametrize("language, decision, verdict", [
    ("en", "Not required", "override of Satisfied"),
    ("fr", "Non requise", "dérogation à Remplie"),
])
def test_decision_and_verdict_in_words(db, client, login_as, overridden, language, decision,
                                       verdict):
    user, case = overridden
    user.language = language
    db.session.commit()
    login_as(user)
    request_page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    panel = request_page.split('id="dual-criminality"', 1)[1].split("</div>", 1)[0]
    assert decision in panel and verdict in panel
    assert not CODES.search(_visible(panel))

    url = f"/dual-criminality/cases/{case.reference}/offences/{case.offences[0].id}"
    page = client.get(url).get_data(as_text=True)
    history = page.split('id="h-history"', 1)[1]
    assert decision in history and verdict in history
    assert not CODES.search(_visible(history))


def test_assessment_page_names_basis_and_states(db, client, login_as, overridden):
    user, case = overridden
    login_as(user)
    url = f"/dual-criminality/cases/{case.reference}/offences/{case.offences[0].id}"
    page = client.get(url).get_data(as_text=True)
    facts = _visible(page.split('<dl class="row dl-compact">', 1)[1].split("</dl>", 1)[0])
    assert "United Nations Convention against Transnational Organized Crime" in facts
    assert "UNTOC ·" not in facts
    assert re.search(r"\w.* \(XA\) → \w.* \(XZ\)", facts), facts


def test_printed_request_leaves_the_check_link_out(db, client, login_as, make_case,
                                                  create_user):
    user = create_user("caseworker")
    case = make_case(actor=user)
    login_as(user)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    panel = page.split('id="dual-criminality"', 1)[1].split("</div>", 1)[0]
    assert re.search(r'<span class="d-print-none">· <a href="[^"]*/dual-criminality/', panel)
