"""Conditions and assurances as records (mla/undertakings): the grant blocked by a
missing assurance with the article, the speciality clocks (ECE art. 14(1)(b) 45 days,
FD 2002/584 art. 27(4) 30 days), a limited document's reuse warning and the consent
letter it drafts, and the aut dedere referral reported back. Home is XZ (UTC, weekends
only); the counterpart is Arcadia (XA) unless a test says FR."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from mla.audit.models import AuditEntry
from mla.cases.models import CaseEvent
from mla.core.errors import ServiceError
from mla.documents.services import Upload, store_document
from mla.undertakings import services as u
from mla.undertakings.models import (
    AssuranceState,
    ConsentState,
    LimitationState,
    ReferralState,
    UseLimitation,
)
from mla.workflow.services import apply_transition, available_transitions
from tests.conftest import _csrf_from
from tests.deadlines.conftest import utc


def _grant(case: Any, actor: Any) -> Any:
    return apply_transition(actor, case, "grant", expected_version=case.version)


def _grant_option(case: Any, actor: Any) -> Any:
    return next(o for o in available_transitions(actor, case) if o.name == "grant")


def _count(db: Any, model: Any, **where: Any) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)


# -- assurances: the grant is a workflow guard ---------------------------------------------

def test_grant_without_a_required_death_penalty_assurance_is_refused_with_the_article(
        db, ready_case, users):
    worker = users["caseworker"]
    case = ready_case("incoming_extradition", "executive_decision")
    assurance = u.request_assurance(worker, case, kind="death_penalty",
                                    terms="No death penalty imposed or carried out.",
                                    requested_on=date(2026, 3, 2))
    db.session.commit()
    assert assurance.source_article == "ECE art. 11"
    with pytest.raises(ServiceError) as refused:
        _grant(case, worker)
    assert refused.value.code == "blocked"
    (reason,) = refused.value.details["blocked_by"]
    assert "ECE art. 11" in reason and "not been received" in reason
    assert case.state == "executive_decision"
    option = _grant_option(case, worker)
    assert not option.allowed and "ECE art. 11" in option.blocked_by[0]

    u.receive_assurance(worker, assurance, received_on=date(2026, 3, 20),
                        terms="The death penalty will not be sought.",
                        given_by="Prosecutor General of Arcadia")
    assert "not assessed" in _grant_option(case, worker).blocked_by[0]
    u.assess_assurance(worker, assurance, sufficient=False, assessed_on=date(2026, 3, 21),
                       assessment="Not binding on the courts.")
    assert "insufficient" in _grant_option(case, worker).blocked_by[0]


def test_grant_goes_through_once_the_assurance_is_received_and_assessed_sufficient(
        db, ready_case, users):
    worker = users["caseworker"]
    case = ready_case("incoming_extradition", "executive_decision")
    assurance = u.request_assurance(worker, case, kind="death_penalty", terms="No death penalty.",
                                    requested_on=date(2026, 3, 2))
    # An assurance the caseworker marked not required never blocks.
    u.request_assurance(worker, case, kind="prison_conditions", terms="Cell of 4 m2 at least.",
                        requested_on=date(2026, 3, 2), is_required=False)
    u.receive_assurance(worker, assurance, received_on=date(2026, 3, 20),
                        terms="The death penalty will not be imposed.", given_by="Ministry")
    u.assess_assurance(worker, assurance, sufficient=True, assessed_on=date(2026, 3, 21),
                       assessment="Given by the authority that binds the courts.")
    db.session.commit()
    assert assurance.state == AssuranceState.SUFFICIENT
    assert _grant_option(case, worker).allowed
    _grant(case, worker)
    assert case.state == "surrender_pending"


def test_eaw_surrender_decision_waits_for_the_required_art_5_guarantees(db, ready_case, users):
    """FD 2002/584/JHA art. 5: a required guarantee (review of a life sentence, 5(2);
    return of a national, 5(3)) missing or not assessed sufficient blocks the decision."""
    worker = users["caseworker"]
    case = ready_case("incoming_eaw", "before_court")

    def order() -> Any:
        return apply_transition(worker, case, "court_orders_surrender",
                                expected_version=case.version,
                                values={"decided_on": date(2026, 3, 25)})

    life = u.request_assurance(worker, case, kind="life_sentence_review",
                               terms="Review on request or after 20 years at the latest.",
                               requested_on=date(2026, 3, 2))
    back = u.request_assurance(worker, case, kind="return_of_national",
                               terms="Returned to serve any sentence here.",
                               requested_on=date(2026, 3, 2))
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        order()
    (blocked,) = refused.value.details["blocked_by"]
    assert refused.value.code == "blocked" and case.state == "before_court"
    assert "FD 2002/584/JHA art. 5(2) has not been received" in blocked
    assert "FD 2002/584/JHA art. 5(3) has not been received" in blocked
    for guarantee, enough in ((life, True), (back, False)):
        u.receive_assurance(worker, guarantee, received_on=date(2026, 3, 20),
                            terms=guarantee.terms, given_by="Issuing judicial authority")
        u.assess_assurance(worker, guarantee, sufficient=enough, assessed_on=date(2026, 3, 21),
                           assessment="Read against art. 5.")
    db.session.commit()
    with pytest.raises(ServiceError) as still:
        order()
    (reason,) = still.value.details["blocked_by"]
    assert "art. 5(3)" in reason and "insufficient" in reason
    u.receive_assurance(worker, back, received_on=date(2026, 3, 22), terms="Returned here.",
                        given_by="Issuing judicial authority")
    u.assess_assurance(worker, back, sufficient=True, assessed_on=date(2026, 3, 23),
                       assessment="Unconditional.")
    db.session.commit()
    order()
    assert case.state == "surrender_pending"


def test_assurance_changes_write_history_and_audit_rows_and_refuse_bad_order(
        db, ready_case, users):
    worker = users["caseworker"]
    case = ready_case("incoming_extradition", "executive_decision")
    assurance = u.request_assurance(worker, case, kind="fair_trial", terms="Retrial.",
                                    requested_on=date(2026, 3, 2))
    with pytest.raises(ServiceError, match="received"):
        u.assess_assurance(worker, assurance, sufficient=True, assessed_on=date(2026, 3, 3),
                           assessment="x")
    with pytest.raises(ServiceError) as early:
        u.receive_assurance(worker, assurance, received_on=date(2026, 3, 1), terms="t",
                            given_by="g")
    assert early.value.details == {"field": "received_on"}
    u.receive_assurance(worker, assurance, received_on=date(2026, 3, 3), terms="t", given_by="g")
    db.session.commit()
    assert _count(db, CaseEvent, case_id=case.id, kind="assurance") == 2
    assert _count(db, AuditEntry, action="assurance.requested") == 1
    assert _count(db, AuditEntry, action="assurance.received") == 1


# -- speciality: records and clocks --------------------------------------------------------

def test_surrender_records_what_the_person_was_surrendered_for(db, ready_case, users):
    case = ready_case("incoming_extradition", "surrender_scheduled")
    apply_transition(users["caseworker"], case, "record_surrender", expected_version=case.version,
                     values={"surrendered_on": "2026-03-10"})
    db.session.commit()
    record = u.speciality_of(case)
    assert record is not None and record.we_decide
    assert record.offences == [o.label for o in case.offences]
    assert record.surrendered_on == date(2026, 3, 10)
    assert _count(db, AuditEntry, action="speciality.recorded") == 1


def test_ece_14_1_b_forty_five_days_after_final_discharge(db, ready_case, users):
    case = ready_case("incoming_extradition", "surrendered")
    record = u.record_speciality(users["caseworker"], case, surrendered_on=date(2026, 1, 5))
    deadline = u.record_discharge(users["caseworker"], record, discharged_on=date(2026, 3, 1))
    assert deadline is not None and deadline.rule_code == "ece_speciality_discharge"
    assert deadline.due_at == utc(2026, 4, 15, 23, 59, 59)      # 1 March + 45


def test_eaw_27_3_a_forty_five_days_after_final_discharge(db, ready_case, users):
    case = ready_case("incoming_eaw", "surrendered")
    record = u.record_speciality(users["caseworker"], case, surrendered_on=date(2026, 1, 5))
    deadline = u.record_discharge(users["caseworker"], record, discharged_on=date(2026, 3, 1))
    assert deadline is not None and deadline.due_at == utc(2026, 4, 15, 23, 59, 59)


def test_eaw_27_4_consent_decided_within_30_days_of_receipt(db, ready_case, users):
    worker = users["caseworker"]
    case = ready_case("incoming_eaw", "surrendered")
    record = u.record_speciality(worker, case, surrendered_on=date(2026, 1, 5))
    consent = u.add_consent_request(worker, record, purpose="other_offences",
                                    subject="Robbery of 2024", asked_on=date(2026, 3, 2))
    assert consent.article == "FD 2002/584/JHA art. 27(3)(g) and 27(4)"
    assert consent.deadline.rule_code == "eaw_consent_decision"
    assert consent.deadline.due_at == utc(2026, 4, 1, 23, 59, 59)   # 2 March + 30
    with pytest.raises(ServiceError, match="pending"):   # one clock per request at a time
        u.add_consent_request(worker, record, purpose="re_extradition", subject="To FR",
                              asked_on=date(2026, 3, 3))
    u.decide_consent(worker, consent, granted=False, decided_on=date(2026, 3, 20),
                     reasons="The offence is not extraditable.")
    db.session.commit()
    assert consent.state == ConsentState.REFUSED
    assert consent.deadline.status == "met"


def test_eaw_consent_we_asked_for_runs_in_the_executing_state(db, ready_case, users):
    """We received the person: the 30 days are the executing state's (Paris time)."""
    case = ready_case("outgoing_extradition", "received", legal_basis="EAW",
                      counterpart_country="FR")
    record = u.record_speciality(users["caseworker"], case, surrendered_on=date(2026, 1, 2))
    assert not record.we_decide
    consent = u.add_consent_request(users["caseworker"], record, purpose="other_offences",
                                    subject="Fraud of 2023", asked_on=date(2026, 1, 5))
    assert consent.deadline.rule_code == "eaw_consent_awaited"
    assert consent.deadline.due_at == utc(2026, 2, 4, 22, 59, 59)   # 5 Jan + 30, CET


def test_ece_consent_has_no_clock_the_text_sets_none(db, ready_case, users):
    case = ready_case("incoming_extradition", "surrendered")
    record = u.record_speciality(users["caseworker"], case, surrendered_on=date(2026, 1, 5))
    consent = u.add_consent_request(users["caseworker"], record, purpose="re_extradition",
                                    subject="To a third state", asked_on=date(2026, 3, 2))
    assert consent.article == "ECE art. 15" and consent.deadline_id is None


# -- use limitations -----------------------------------------------------------------------

@pytest.fixture
def limited(db, make_case, users, authorities):
    worker = users["caseworker"]
    source = make_case(worker, counterpart_authority_id=authorities["foreign"].id,
                       counterpart_reference="XA-2026-7")
    other = make_case(worker, title="Another fraud")
    document = store_document(worker, source, Upload("bank.pdf", b"%PDF-1.4 bank"))
    limitation = u.add_limitation(worker, document, kind="use",
                                  scope="Only for the fraud proceedings XA-2026-7.")
    db.session.commit()
    return source, other, document, limitation


def test_reusing_a_limited_document_warns_and_drafts_the_consent_request(db, users, limited):
    worker = users["caseworker"]
    source, other, document, limitation = limited
    assert limitation.source_article == "UNTOC art. 18(19)"
    assert limitation.imposed_by == "Ministry of Justice of Arcadia"
    with pytest.raises(u.LimitedUse) as warned:
        u.reuse_document(worker, document, other)
    assert "18(19)" in warned.value.message
    assert _count(db, UseLimitation, case_id=other.id) == 0
    letter = u.request_use_consent(worker, limitation, purpose="Money-laundering case",
                                   target=other)
    db.session.commit()
    assert letter.template_code == "use_consent_request" and letter.case_id == source.id
    assert "bank.pdf" in letter.body and "Money-laundering case" in letter.body
    assert other.reference in letter.body and "UNTOC art. 18(19)" in letter.body
    assert limitation.state == LimitationState.CONSENT_REQUESTED
    assert _count(db, AuditEntry, action="use_limitation.consent_requested") == 1


def test_a_limited_document_copied_with_a_reason_carries_its_limitation(db, users, limited):
    worker = users["caseworker"]
    _source, other, document, limitation = limited
    with pytest.raises(ServiceError) as why:
        u.reuse_document(worker, document, other, acknowledged=True)
    assert why.value.details == {"field": "reason"}
    copy = u.reuse_document(worker, document, other, acknowledged=True,
                            reason="Consent given by e-mail on 3 March.")
    db.session.commit()
    inherited = db.session.scalars(select(UseLimitation).where(
        UseLimitation.document_id == copy.id)).one()
    assert inherited.inherited_from_id == limitation.id and inherited.restricts
    with pytest.raises(u.LimitedUse):   # the warning follows the copy
        u.reuse_document(worker, copy, limited[0])


def test_an_unlimited_document_is_copied_without_warning(db, users, make_case):
    worker = users["caseworker"]
    source, other = make_case(worker), make_case(worker)
    document = store_document(worker, source, Upload("plain.pdf", b"%PDF-1.4 plain"))
    copy = u.reuse_document(worker, document, other)
    assert copy.case_id == other.id and copy.sha256 == document.sha256


# -- aut dedere aut judicare ---------------------------------------------------------------

def test_refusal_on_nationality_referral_outcome_and_report_back(db, ready_case, users,
                                                                 set_now):
    worker = users["caseworker"]
    set_now(utc(2026, 2, 20, 9))
    case = ready_case("incoming_extradition", "executive_decision")
    apply_transition(worker, case, "propose_refusal", expected_version=case.version,
                     values={"ground": "nationality", "reasons": "Our national."})
    apply_transition(users["supervisor"], case, "approve_refusal", expected_version=case.version)
    apply_transition(worker, case, "refer_for_prosecution", expected_version=case.version,
                     values={"executing_authority_id": case.domestic_authority_id})
    db.session.commit()
    referral = u.referral_of(case)
    assert referral is not None and referral.state == ReferralState.REFERRED
    assert referral.refusal_ground == "nationality"
    assert referral.authority_id == case.domestic_authority_id
    assert referral.referred_on == date(2026, 2, 20)
    with pytest.raises(ServiceError, match="outcome"):
        u.report_back(worker, referral)
    set_now(utc(2026, 3, 5, 9))
    u.record_outcome(worker, referral, outcome="convicted", outcome_on=date(2026, 3, 2),
                     details="Sentenced to 4 years.", domestic_reference="XZ-PP-2026-11")
    clock = referral.deadline
    assert clock.rule_code == "aut_dedere_report" and clock.status == "running"
    assert clock.due_at == utc(2026, 3, 16, 23, 59, 59)     # 2 March + 14
    letter = u.report_back(worker, referral)
    db.session.commit()
    assert letter.template_code == "aut_dedere_report"
    assert "Convicted" in letter.body and "XZ-PP-2026-11" in letter.body
    assert referral.state == ReferralState.REPORTED and clock.status == "met"
    assert _count(db, AuditEntry, action="aut_dedere.reported") == 1


# -- the pages -----------------------------------------------------------------------------

def test_panels_forms_errors_next_to_fields_and_a_prosecutor_sees_only_their_own(
        app, db, client, login_as, ready_case, users, create_user, api_token, authorities):
    case = ready_case("incoming_extradition", "executive_decision")
    login_as(users["caseworker"])
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    for panel in ('id="speciality"', 'id="assurances"'):
        assert panel in page
    token = _csrf_from(page)
    bad = client.post(f"/requests/{case.reference}/assurances",
                      data={"csrf_token": token, "kind": "death_penalty", "terms": "",
                            "requested_on": "2026-03-02", "is_required": "y"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="terms-error"' in html and 'aria-invalid="true"' in html
    ok = client.post(f"/requests/{case.reference}/assurances",
                     data={"csrf_token": token, "kind": "death_penalty", "terms": "No death",
                           "requested_on": "2026-03-02", "is_required": "y"})
    assert ok.status_code == 302
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "data-grant-blocked" in page and "ECE art. 11" in page

    other_office = create_user("prosecutor")
    foreign = api_token(other_office)
    assert client.get(f"/api/v1/cases/{case.reference}/undertakings",
                      headers=foreign).status_code == 404
    own = api_token(users["prosecutor"])
    body = client.get(f"/api/v1/cases/{case.reference}/undertakings", headers=own).get_json()
    assert body["assurances"][0]["article"] == "ECE art. 11"
    assert "ECE art. 11" in body["grant_blocked_by"][0]


def test_reuse_page_warns_offers_the_consent_letter_and_refuses_without_a_reason(
        client, login_as, users, limited):
    source, other, document, _limitation = limited
    login_as(users["caseworker"])
    url = f"/requests/{source.reference}/documents/{document.id}/reuse"
    page = client.get(url).get_data(as_text=True)
    assert "data-use-limited" in page and "data-offer-consent" in page
    token = _csrf_from(page)
    refused = client.post(url, data={"csrf_token": token, "target": other.reference})
    assert refused.status_code == 409 and "data-use-limited" in refused.get_data(as_text=True)
    drafted = client.post(f"/requests/{source.reference}/limitations/{_limitation.id}/"
                          "consent-request",
                          data={"csrf_token": token, "purpose": "Another case",
                                "target": other.reference})
    assert drafted.status_code == 302 and "/letters/" in drafted.headers["Location"]


def test_the_api_refuses_the_grant_with_422_and_the_article(db, client, ready_case, users,
                                                            api_token):
    case = ready_case("incoming_extradition", "executive_decision")
    u.request_assurance(users["caseworker"], case, kind="death_penalty", terms="No death.",
                        requested_on=date(2026, 3, 2))
    db.session.commit()
    response = client.post(f"/api/v1/cases/{case.reference}/transitions",
                           json={"name": "grant", "version": case.version},
                           headers=api_token(users["caseworker"]))
    assert response.status_code == 422
    assert "ECE art. 11" in response.get_json()["error"]["details"]["blocked_by"][0]
