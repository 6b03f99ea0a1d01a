"""Case integration: direction decides the states, measures decide coercion, a decision
is recorded with its timeline event and audit row; the workflow guard; the pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mla.audit.models import AuditEntry
from mla.cases.models import CaseEvent
from mla.cases.services import OffenceInput
from mla.core.errors import ServiceError
from mla.dualcrim.catalogue import import_catalogue_text
from mla.dualcrim.hooks import dual_criminality_assessed
from mla.dualcrim.models import Assessment
from mla.dualcrim.queries import case_has_assessment
from mla.dualcrim.services import (
    case_check_request,
    get_policy,
    record_assessment,
    set_reference_date,
    update_policy,
)
from mla.workflow.hooks import TransitionContext

HEADER = "code,title,statute,max_penalty_months,iccs\n"


@pytest.fixture
def catalogues(db):
    import_catalogue_text("test", "XZ", HEADER + "ZPC-230,Fraud,PC s.230,72,0701\n"
                                                 "ZPC-250,Money laundering,PC s.250,120,07041\n")
    import_catalogue_text("test", "XA", HEADER + "XA-313,Escroquerie,CP 313-1,60,0701\n")
    db.session.commit()


def test_incoming_request_checks_the_home_catalogue(catalogues, make_case):
    case = make_case(direction="incoming", counterpart_country="XA")
    req = case_check_request(case, case.offences[0])
    assert (req.requesting_country, req.requested_country) == ("XA", "XZ")
    assert req.coercive is True  # bank records are coercive


def test_outgoing_request_checks_the_counterpart_catalogue(catalogues, make_case):
    case = make_case(direction="outgoing", counterpart_country="XA",
                     measures=["witness_hearing"])
    req = case_check_request(case, case.offences[0])
    assert (req.requesting_country, req.requested_country) == ("XZ", "XA")
    assert req.coercive is False


def test_extradition_is_always_coercive(catalogues, make_case):
    case = make_case(kind="extradition", legal_basis="ECE", measures=[])
    assert case_check_request(case, case.offences[0]).coercive is True


def test_record_assessment_agree_writes_event_and_audit(db, catalogues, make_case,
                                                       create_user):
    user = create_user("caseworker")
    case = make_case()
    assessment = record_assessment(user, case, case.offences[0], iccs=["0701"],
                                   decision="agree")
    db.session.commit()
    assert (assessment.verdict, assessment.decision, assessment.is_override) == (
        "satisfied", "satisfied", False)
    assert assessment.result["matches"][0]["code"] == "ZPC-230"
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "dc_assessment"))
    assert event.data["verdict"] == "satisfied" and event.case_id == case.id
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dualcrim.assessed"))
    assert audit.details["assessment_id"] == assessment.id


def test_override_needs_a_justification(db, catalogues, make_case):
    case = make_case()
    with pytest.raises(ServiceError, match="Explain why"):
        record_assessment("test", case, case.offences[0], iccs=["0701"],
                          decision="not_satisfied")
    assessment = record_assessment("test", case, case.offences[0], iccs=["0701"],
                                   decision="not_satisfied",
                                   justification="The amounts fall below the threshold.")
    assert assessment.is_override and assessment.verdict == "satisfied"


def test_review_verdict_cannot_be_agreed_with(db, make_case):
    case = make_case(counterpart_country="XB", direction="outgoing")  # XB: no catalogue
    with pytest.raises(ServiceError, match="needs review"):
        record_assessment("test", case, case.offences[0], iccs=["0701"], decision="agree")


def test_guard_fails_when_any_offence_is_unassessed(db, catalogues, make_case):
    case = make_case(offences=[
        OffenceInput(label="Fraud", max_penalty_months=60, iccs=["0701"]),
        OffenceInput(label="Laundering", max_penalty_months=120, iccs=["07041"])])
    ctx = TransitionContext(case=case, actor="test", transition=None)
    assert dual_criminality_assessed(ctx) == \
        "Dual criminality not yet assessed for: Fraud, Laundering"
    assert case_has_assessment(case) is False
    record_assessment("test", case, case.offences[0], iccs=["0701"], decision="agree")
    assert dual_criminality_assessed(ctx) == "Dual criminality not yet assessed for: Laundering"
    assert case_has_assessment(case) is False
    record_assessment("test", case, case.offences[1], iccs=["07041"], decision="agree")
    assert dual_criminality_assessed(ctx) is None
    assert case_has_assessment(case) is True


def test_guard_is_registered_by_name():
    from mla.workflow.hooks import guards

    assert guards()["dual_criminality_assessed"] is dual_criminality_assessed


def test_policy_settings_are_stored_and_audited(db):
    assert get_policy().mla_policy == "coercive_only"
    assert get_policy().extradition_minimum_months == 12
    update_policy("test", mla_policy="always", extradition_minimum_months=24)
    assert (get_policy().mla_policy, get_policy().extradition_minimum_months) == ("always", 24)
    with pytest.raises(ServiceError):
        update_policy("test", mla_policy="sometimes", extradition_minimum_months=12)
    with pytest.raises(ServiceError):
        update_policy("test", mla_policy="never", extradition_minimum_months=0)


def test_policy_setting_changes_the_verdict(db, client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    data = {"kind": "mla", "legal_basis": "UNTOC", "requesting_country": "XA",
            "requested_country": "XB", "coercive": False,
            "offence": {"label": "Fraud", "iccs": ["0701"], "max_penalty_months": 60}}
    response = client.post("/api/v1/dual-criminality", json=data, headers=headers)
    assert response.get_json()["verdict"] == "not_required"
    update_policy("test", mla_policy="always", extradition_minimum_months=12)
    db.session.commit()
    response = client.post("/api/v1/dual-criminality", json=data, headers=headers)
    assert response.get_json()["verdict"] == "review"  # no catalogue for XB


def test_reference_date_per_state(db):
    country = set_reference_date("test", "XA", "request")
    assert country.dc_reference_date == "request"
    with pytest.raises(ServiceError):
        set_reference_date("test", "XA", "tomorrow")
    set_reference_date("test", "XA", "conduct")


# --- pages ----------------------------------------------------------------------------------

def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_case_page_shows_the_panel_and_assessment_flow(db, catalogues, make_case, create_user,
                                                       login_as, client):
    user = create_user("caseworker")
    case = make_case(actor=user)
    login_as(user)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "not assessed" in page
    url = f"/dual-criminality/cases/{case.reference}/offences/{case.offences[0].id}"
    page = client.get(url + "?iccs=0701").get_data(as_text=True)
    assert "Satisfied" in page and "ZPC-230" in page
    response = client.post(url, data={"csrf_token": _csrf(page), "iccs": "0701",
                                      "decision": "not_satisfied", "justification": ""})
    assert response.status_code == 422
    assert "Explain why you depart from the verdict." in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": _csrf(page), "iccs": "0701",
                                      "decision": "agree", "justification": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(Assessment.decision)) == "satisfied"
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "not assessed" not in page


def test_standalone_check_page_and_422(db, catalogues, create_user, login_as, client):
    login_as(create_user("trainee"))
    ok = client.get("/dual-criminality/check?kind=mla&legal_basis=UNTOC&requesting_country=XA"
                    "&requested_country=XZ&coercive=y&iccs=0701&penalty=60")
    assert ok.status_code == 200 and "Satisfied" in ok.get_data(as_text=True)
    bad = client.get("/dual-criminality/check?kind=mla&legal_basis=ECE&requesting_country=XA"
                     "&requested_country=XZ&coercive=y&iccs=0701&penalty=60")
    assert bad.status_code == 422
    assert "ECE cannot be the basis of a mla request." in bad.get_data(as_text=True)


def test_admin_pages_import_edit_extend(db, create_user, login_as, client):
    from mla.reference.models import IccsCode

    admin = create_user("admin")
    login_as(admin)
    page = client.get("/dual-criminality/catalogues").get_data(as_text=True)
    from io import BytesIO

    response = client.post("/dual-criminality/catalogues", data={
        "csrf_token": _csrf(page), "jurisdiction": "XA",
        "file": (BytesIO((HEADER + "A,Fraud,PC,60,0701\nB,Bad,PC,x,0701\n").encode()), "a.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "line 3: max_penalty_months must be" in response.get_data(as_text=True)
    response = client.post("/dual-criminality/catalogues", data={
        "csrf_token": _csrf(page), "jurisdiction": "XA",
        "file": (BytesIO((HEADER + "A,Fraud,PC,60,0701\n").encode()), "a.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    assert "A,Fraud,PC,60,0701" in client.get(
        "/dual-criminality/catalogues/XA/export.csv").get_data(as_text=True)
    page = client.get("/dual-criminality/iccs").get_data(as_text=True)
    response = client.post("/dual-criminality/iccs", data={
        "csrf_token": _csrf(page), "parent_code": "07019", "code": "070199",
        "title": "Advance-fee fraud (national)"})
    try:
        assert response.status_code == 302
        node = db.session.get(IccsCode, "070199")
        assert node.is_extension and node.level == 4
        listing = client.get("/dual-criminality/iccs?q=advance").get_data(as_text=True)
        assert "070199" in listing
        bad = client.post("/dual-criminality/iccs", data={
            "csrf_token": _csrf(page), "parent_code": "07019", "code": "07021",
            "title": "Wrong place"})
        assert bad.status_code == 422
    finally:  # the ICCS table is reference data, kept between tests
        db.session.rollback()
        db.session.query(IccsCode).filter(IccsCode.code == "070199").delete()
        db.session.commit()


def test_only_admins_change_catalogues_and_settings(db, create_user, login_as, client):
    login_as(create_user("caseworker"))
    page = client.get("/dual-criminality/catalogues")
    assert page.status_code == 200
    assert "Import a catalogue" not in page.get_data(as_text=True)
    token = _csrf(client.get("/requests/new").get_data(as_text=True))
    assert client.post("/dual-criminality/catalogues",
                       data={"csrf_token": token}).status_code == 403
    assert client.post("/dual-criminality/settings", data={"csrf_token": token}).status_code \
        == 403
    assert client.get("/dual-criminality/settings").status_code == 403
