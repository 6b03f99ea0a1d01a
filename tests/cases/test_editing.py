"""Correcting a registered request: one service for the page, the API and tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from mla.audit.models import AuditEntry
from mla.cases.editing import OffenceEdit, PersonEdit, update_case
from mla.cases.models import Case, CaseEvent, Person
from mla.cases.reopening import reopen_case
from mla.cases.services import find_persons_by_name
from mla.core.errors import Conflict, ServiceError
from mla.deadlines.models import Deadline
from mla.deadlines.subscribers import clock_consequence
from mla.reference.models import Instrument
from mla.workflow.services import apply_transition
from tests.conftest import _csrf_from


def _edits(case) -> list[CaseEvent]:
    return [e for e in case.events if e.kind == "edited"]


def _worded(event: CaseEvent) -> list[str]:
    """A correction's consequences as the timeline words them (clock lines are kept as
    codes and worded when read)."""
    return [clock_consequence(line) if isinstance(line, dict) else line
            for line in event.data["consequences"]]


def _offence(case, **changes) -> OffenceEdit:
    offence = case.offences[0]
    return OffenceEdit(id=offence.id, **changes)


def test_correction_writes_one_timeline_entry_with_old_and_new_and_an_audit_row(db, make_case):
    case = make_case()
    actor = case.created_by
    update_case(actor, case, {"title": "Bank records, fraud ring (corrected)",
                              "counterpart_reference": "XA-2026-99"}, expected_version=1)
    db.session.commit()

    assert (case.version, case.title) == (2, "Bank records, fraud ring (corrected)")
    assert case.title_search == "bank records, fraud ring (corrected)"
    (event,) = _edits(case)
    assert event.data["changes"] == [
        {"field": "title", "old": "Bank records, fraud ring",
         "new": "Bank records, fraud ring (corrected)"},
        {"field": "counterpart_reference", "old": "", "new": "XA-2026-99"},
    ]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.update")).one()
    assert audit.object_id == case.reference


def test_fields_left_out_stay_and_an_unknown_field_is_refused(db, make_case):
    case = make_case(summary="False invoices", counterpart_reference="XA-1")
    update_case(case.created_by, case, {"title": "New title"}, expected_version=1)
    assert (case.summary, case.counterpart_reference) == ("False invoices", "XA-1")
    with pytest.raises(ServiceError) as refused:
        update_case(case.created_by, case, {"direction": "outgoing"}, expected_version=2)
    assert refused.value.details == {"field": "direction"}


def test_person_name_changes_encrypted_with_a_new_blind_index_and_no_value_on_the_timeline(
        db, make_case, client, login_as):
    case = make_case()
    person = case.persons[0]
    update_case(case.created_by, case, {"persons": [
        PersonEdit(id=person.id, full_name="Jeanne Fictive", date_of_birth="1980-02-03",
                   is_in_custody=True)]}, expected_version=1)
    db.session.commit()

    stored = db.session.get(Person, person.id)
    assert stored.full_name == "Jeanne Fictive"
    assert b"Jeanne" not in stored.full_name_enc
    assert [p.id for p in find_persons_by_name("jeanne fictive")] == [person.id]
    assert find_persons_by_name("Jean Fictif") == []
    (event,) = _edits(case)
    text = repr(event.data)
    assert "Jeanne" not in text and "Jean Fictif" not in text and "1980" not in text
    parts = [(line.get("part"), line.get("encrypted")) for line in event.data["changes"]]
    assert parts == [("is_in_custody", None), ("full_name", True), ("date_of_birth", True)]

    login_as(case.created_by)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "name changed" in page and "date of birth changed" in page


def test_offences_and_persons_are_added_changed_and_removed(db, make_case):
    case = make_case()
    fraud, suspect = case.offences[0], case.persons[0]
    update_case(case.created_by, case, {
        "offences": [OffenceEdit(label="Money laundering", iccs=["07041"],
                                 max_penalty_months=120, has_penalty=True),
                     OffenceEdit(id=fraud.id, statute="PC 211")],
        "persons": [PersonEdit(role="witness", full_name="Marie Témoin")],
        "measures": ["bank_records", "freezing"],
    }, expected_version=1)
    db.session.commit()
    case = db.session.get(Case, case.id)
    assert [(o.label, o.statute, o.position) for o in case.offences] == [
        ("Money laundering", "", 0), ("Fraud", "PC 211", 1)]
    assert [(p.role, p.full_name) for p in case.persons] == [("witness", "Marie Témoin")]
    assert db.session.get(Person, suspect.id) is None
    assert sorted(m.code for m in case.measures) == ["bank_records", "freezing"]
    lines = _edits(case)[0].data["changes"]
    assert {"field": "persons", "person": 1, "role": "suspect", "change": "removed"} in lines
    assert {"field": "offences", "offence": "Money laundering", "change": "added"} in lines


def test_a_stale_version_is_a_conflict_and_changes_nothing(db, make_case):
    case = make_case()
    update_case(case.created_by, case, {"title": "First"}, expected_version=1)
    db.session.commit()
    with pytest.raises(Conflict):
        update_case(case.created_by, case, {"title": "Second"}, expected_version=1)
    db.session.rollback()
    assert db.session.get(Case, case.id).title == "First"


def _close(db, case, actor) -> None:
    apply_transition(actor, case, "withdraw", expected_version=case.version,
                     comment="The requesting state withdrew it.")
    db.session.commit()


def test_a_closed_request_is_not_edited_and_only_a_supervisor_reopens_it(db, make_case,
                                                                          create_user):
    case = make_case()
    caseworker, supervisor = case.created_by, create_user("supervisor")
    _close(db, case, caseworker)
    assert case.is_closed
    with pytest.raises(ServiceError) as closed:
        update_case(caseworker, case, {"title": "Too late"}, expected_version=case.version)
    assert closed.value.status == 409 and closed.value.code == "closed"
    with pytest.raises(ServiceError) as refused:
        reopen_case(caseworker, case, "Sent back", expected_version=case.version)
    assert refused.value.status == 403
    with pytest.raises(ServiceError) as no_reason:
        reopen_case(supervisor, case, "  ", expected_version=case.version)
    assert no_reason.value.details == {"field": "reason"}

    state = reopen_case(supervisor, case, "Withdrawn by mistake", expected_version=case.version)
    db.session.commit()
    assert (state, case.is_closed) == ("received", False)
    event = case.events[-1]
    assert (event.kind, event.comment, event.from_state) == (
        "reopened", "Withdrawn by mistake", "closed_withdrawn")
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.reopen")).one()
    update_case(caseworker, case, {"title": "Corrected after reopening"},
                expected_version=case.version)


# --- what a correction invalidates -----------------------------------------------------

@pytest.fixture
def assessed(db, make_case):
    """A request whose one offence has a recorded dual-criminality decision."""
    from mla.dualcrim.services import record_assessment

    def factory(**overrides):
        case = make_case(**overrides)
        offence = case.offences[0]
        record_assessment(case.created_by, case, offence, iccs=offence.iccs_codes,
                          decision="satisfied", justification="Fraud is an offence here too.")
        db.session.commit()
        return case

    return factory


def _guard(case) -> str | None:
    from mla.dualcrim.hooks import dual_criminality_assessed
    from mla.workflow.hooks import TransitionContext

    return dual_criminality_assessed(TransitionContext(case=case, actor=None, transition=None))


@pytest.mark.parametrize(("changes", "reason"), [
    (lambda c: {"offences": [_offence(c, iccs=["0702"])]}, "ICCS codes changed"),
    (lambda c: {"offences": [_offence(c, max_penalty_months=6, has_penalty=True)]},
     "maximum penalty changed"),
    (lambda c: {"legal_basis": "UNCAC"}, "legal basis changed"),
    (lambda c: {"counterpart_country": "XB"}, "counterpart state changed"),
])
def test_a_correction_puts_the_assessment_out_of_date_until_reassessed(db, assessed, changes,
                                                                       reason, client,
                                                                       login_as):
    from mla.dualcrim.models import Assessment
    from mla.dualcrim.services import record_assessment

    case = assessed()
    assert _guard(case) is None
    update_case(case.created_by, case, changes(case), expected_version=case.version)
    db.session.commit()

    assessment = db.session.scalars(select(Assessment)).one()
    assert assessment.is_outdated and reason in assessment.outdated_reason
    assert "out of date" in _guard(case)
    (event,) = _edits(case)
    assert any("out of date" in line for line in event.data["consequences"])
    login_as(case.created_by)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert 'data-dc-status="outdated"' in page

    offence = case.offences[0]
    record_assessment(case.created_by, case, offence, iccs=offence.iccs_codes,
                      decision="satisfied", justification="Checked again after the correction.")
    assert _guard(case) is None


def test_a_correction_that_changes_nothing_it_rested_on_keeps_the_assessment(db, assessed):
    from mla.dualcrim.models import Assessment

    case = assessed()
    update_case(case.created_by, case, {
        "title": "Another title", "offences": [_offence(case, statute="PC 210(2)",
                                                        conduct="False invoices, 2025")]},
        expected_version=case.version)
    assert not db.session.scalars(select(Assessment)).one().is_outdated
    assert _guard(case) is None
    assert _edits(case)[0].data["consequences"] == []


def _clock(db, case, rule: str) -> Deadline | None:
    return db.session.scalars(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == rule,
        Deadline.status.in_(("running", "paused")))).first()


def test_a_corrected_date_received_recomputes_the_clocks_that_run_from_receipt(db, make_case):
    from mla.core.clock import now

    case = make_case()
    before = _clock(db, case, "sla_acknowledge")
    before_id, before_due = before.id, before.due_at
    received = now().date() - timedelta(days=10)
    update_case(case.created_by, case, {"received_on": received}, expected_version=1)
    db.session.commit()

    after = _clock(db, case, "sla_acknowledge")
    assert after.id == before_id and after.start_on == received
    assert after.due_at < before_due
    (event,) = _edits(case)
    assert event.data["changes"][0]["new"] == received.isoformat()
    # The new due day as a person reads it, not in ISO 8601.
    due = format_date(after.due_at.date(), "medium", locale="en")
    assert any("recomputed" in line and due in line for line in _worded(event))


def test_a_corrected_legal_basis_starts_and_stops_the_clocks_of_the_basis(db, make_case):
    case = make_case()
    assert _clock(db, case, "eio_recognition") is None
    update_case(case.created_by, case, {"legal_basis": "EIO"}, expected_version=1)
    db.session.commit()
    recognition = _clock(db, case, "eio_recognition")
    assert recognition is not None
    assert recognition.start_on == case.received_at.date()
    # The legal basis by its name, as the request page shows it, not its code.
    eio = db.session.get(Instrument, "EIO").title_text
    assert any(f"started under {eio}: due" in line for line in _worded(_edits(case)[0]))

    update_case(case.created_by, case, {"legal_basis": "UNTOC"}, expected_version=2)
    db.session.commit()
    assert _clock(db, case, "eio_recognition") is None
    assert _clock(db, case, "sla_acknowledge") is not None  # applies under every basis
    untoc = db.session.get(Instrument, "UNTOC").title_text
    assert any(f"does not apply under {untoc}." in line for line in _worded(_edits(case)[1]))


# --- the edit page ----------------------------------------------------------------------

def _edit_form(client, reference: str) -> tuple[str, dict[str, str]]:
    """The edit page's form as a browser would post it back unchanged."""
    import re

    html = client.get(f"/requests/{reference}/edit").get_data(as_text=True)
    data: dict[str, str] = {"csrf_token": _csrf_from(html), "submit": "1"}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("submit", "checkbox")):
            continue
        if name.group(1) != "csrf_token":
            data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n?([^<]*)</textarea>',
                                 html):
        data[name] = body
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html,
                                    flags=re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected',
                           options)
        data[name] = next(g for g in chosen.groups() if g is not None) if chosen else ""
    return html, data


def test_edit_page_is_reached_from_the_request_page_and_saves(db, make_case, client, login_as):
    case = make_case()
    login_as(case.created_by)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert f'href="/requests/{case.reference}/edit"' in page
    html, data = _edit_form(client, case.reference)
    assert "ECE" not in html.split('name="legal_basis"')[1].split("</select>")[0]
    data.update({"title": "Corrected on the page", "offences-0-iccs": "0702",
                 "measures": "bank_records"})
    response = client.post(f"/requests/{case.reference}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.title, case.offences[0].iccs_codes, case.version) == (
        "Corrected on the page", ["0702"], 2)
    timeline = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "Request corrected" in timeline and "<bdi>0701</bdi> → <bdi>0702</bdi>" in timeline


def test_edit_page_from_a_stale_tab_says_someone_else_changed_it(db, make_case, client,
                                                                 login_as):
    case = make_case()
    login_as(case.created_by)
    _html, data = _edit_form(client, case.reference)
    update_case(case.created_by, case, {"title": "Changed in another tab"}, expected_version=1)
    db.session.commit()
    response = client.post(f"/requests/{case.reference}/edit", data={**data, "title": "Mine"})
    assert response.status_code == 409
    assert "Someone else changed this request" in response.get_data(as_text=True)


def test_edit_is_not_offered_on_a_closed_request_and_reopen_is_offered_to_supervisors(
        db, make_case, create_user, client, login_as):
    case = make_case()
    _close(db, case, case.created_by)
    login_as(case.created_by)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "/edit" not in page and "Reopen" not in page
    assert client.get(f"/requests/{case.reference}/edit").status_code == 302
    supervisor = create_user("supervisor")
    login_as(supervisor)
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "Reopen the request" in page
    response = client.post(f"/requests/{case.reference}/reopen", data={
        "csrf_token": _csrf_from(page), "reason": "Withdrawn by mistake",
        "version": str(case.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Case, case.id).is_closed



def test_the_edit_page_says_letters_already_sent_are_not_changed(db, make_case, client,
                                                                  login_as):
    from mla.cases.services import add_event

    case = make_case()
    login_as(case.created_by)
    note = "Letters already approved for the counterpart are not changed by a correction."
    assert note not in client.get(f"/requests/{case.reference}/edit").get_data(as_text=True)
    add_event(case, case.created_by, "letter", is_internal=True,
              data={"letter_id": 1, "action": "approved", "status": "approved"})
    db.session.commit()
    assert note in client.get(f"/requests/{case.reference}/edit").get_data(as_text=True)


def test_a_basis_with_its_own_procedure_is_refused_and_one_within_it_accepted(db, make_case):
    case = make_case(kind="extradition", legal_basis="ECE")
    with pytest.raises(ServiceError) as refused:
        update_case(case.created_by, case, {"legal_basis": "EAW"}, expected_version=1)
    assert refused.value.details == {"field": "legal_basis"}
    assert "would follow another procedure" in refused.value.message
    assert case.version == 1 and case.legal_basis == "ECE"
    update_case(case.created_by, case, {"legal_basis": "UNTOC"}, expected_version=1)
    assert case.legal_basis == "UNTOC"


def test_a_corrected_basis_puts_the_custody_clock_of_the_new_basis_in_place(db, make_case):
    from mla.core.clock import now

    case = make_case(kind="extradition", legal_basis="ECE")
    arrested = now().date() - timedelta(days=3)
    apply_transition(case.created_by, case, "record_arrest", expected_version=1,
                     values={"arrested_on": arrested.isoformat()})
    db.session.commit()
    assert _clock(db, case, "ece_provisional_arrest") is not None

    update_case(case.created_by, case, {"legal_basis": "UNTOC"}, expected_version=2)
    db.session.commit()
    assert _clock(db, case, "ece_provisional_arrest") is None
    domestic = _clock(db, case, "provisional_arrest_domestic")
    assert domestic is not None and domestic.start_on == arrested and domestic.is_custody
    said = _worded(_edits(case)[0])
    untoc = db.session.get(Instrument, "UNTOC").title_text
    assert any(f"stopped: it does not apply under {untoc}." in line for line in said)
    assert any(f"started under {untoc}: due" in line for line in said)


def test_a_date_of_birth_stored_in_another_form_is_kept_by_the_edit_page(db, make_case, client,
                                                                        login_as):
    case = make_case()
    person = case.persons[0]
    person.set_field("date_of_birth", "around 1970")
    db.session.commit()
    login_as(case.created_by)
    _html, data = _edit_form(client, case.reference)
    response = client.post(f"/requests/{case.reference}/edit", data={**data, "title": "New"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, person.id).get_field("date_of_birth") == "around 1970"
