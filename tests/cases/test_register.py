from __future__ import annotations

import re

from sqlalchemy import func, select

from mla.audit.models import AuditEntry
from mla.cases.models import Case, CaseEvent, Person


def _form(token: str, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": token, "direction": "incoming", "kind": "mla",
        "counterpart_country": "XA", "counterpart_authority_id": "0",
        "domestic_authority_id": "0", "legal_basis": "UNTOC",
        "title": "Bank records, fraud ring", "counterpart_reference": "XA-2026-88",
        "summary": "False invoices", "offences-0-offence_name": "Escroquerie",
        "offences-0-statute": "CP 313-1", "offences-0-max_penalty": "60",
        "offences-0-iccs": "0701", "offences-0-conduct": "Obtained funds by false invoices",
        "measures": "bank_records", "persons-0-role": "witness",
        "persons-0-full_name": "Marie Témoin", "submit": "1",
    }
    data.update(overrides)
    return data


def test_caseworker_registers_an_incoming_mla_request(client, create_user, login_as,
                                                      csrf_token, db):
    login_as(create_user("caseworker"))
    token = csrf_token("/requests/new")
    response = client.post("/requests/new", data=_form(
        token, **{"offences-1-offence_name": "Blanchiment", "offences-1-iccs": "07041",
                  "offences-1-max_penalty": "life"}))
    assert response.status_code == 302
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    assert re.fullmatch(r"MLA-IN-\d{4}-\d{5}", reference)
    case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
    assert [o.label for o in case.offences] == ["Escroquerie", "Blanchiment"]
    assert case.offences[1].is_life
    assert [m.code for m in case.measures] == ["bank_records"]
    assert case.persons[0].full_name == "Marie Témoin"
    assert case.state == "received"
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    # Registration also starts the acknowledgement clock (workflow on_start).
    assert [e.kind for e in events] == ["registered", "deadline"]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.register"))
    assert audit.one().object_id == reference

    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Marie Témoin" in page and "Blanchiment" in page


def test_invalid_form_shows_errors_next_to_fields_and_saves_nothing(client, create_user,
                                                                    login_as, csrf_token, db):
    login_as(create_user("caseworker"))
    token = csrf_token("/requests/new")
    response = client.post("/requests/new", data=_form(
        token, title="", **{"offences-0-max_penalty": "-3", "offences-0-iccs": "abc"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="title-error"' in html
    assert 'id="offences-0-max_penalty-error"' in html
    assert 'id="offences-0-iccs-error"' in html
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    # What was typed is kept.
    assert "Escroquerie" in html


def test_unknown_iccs_code_is_refused_by_the_service(client, create_user, login_as,
                                                     csrf_token, db):
    login_as(create_user("caseworker"))
    token = csrf_token("/requests/new")
    response = client.post("/requests/new", data=_form(token, **{"offences-0-iccs": "9999"}))
    assert response.status_code == 422
    assert "Unknown ICCS codes: 9999" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_legal_basis_must_fit_the_kind(client, create_user, login_as, csrf_token, db):
    login_as(create_user("caseworker"))
    token = csrf_token("/requests/new")
    response = client.post("/requests/new", data=_form(token, legal_basis="ECE"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert ("The European Convention on Extradition (1957) does not provide for mutual legal "
            "assistance") in html
    assert 'id="legal_basis-error"' in html


def test_add_another_offence_keeps_what_was_typed(client, create_user, login_as, csrf_token):
    login_as(create_user("caseworker"))
    token = csrf_token("/requests/new")
    data = _form(token, add_offence="1")
    data.pop("submit")
    html = client.post("/requests/new", data=data).get_data(as_text=True)
    assert 'name="offences-1-offence_name"' in html
    assert "Escroquerie" in html


def test_extradition_needs_the_person_sought(client, create_user, login_as, csrf_token, db):
    login_as(create_user("caseworker"))
    token = csrf_token("/requests/new")
    response = client.post("/requests/new", data=_form(token, kind="extradition",
                                                       legal_basis="UNTOC"))
    assert response.status_code == 422
    assert "Name the person sought" in response.get_data(as_text=True)


def test_prosecutor_and_auditor_cannot_register(client, create_user, login_as):
    for role in ("prosecutor", "auditor"):
        login_as(create_user(role))
        assert client.get("/requests/new").status_code == 403


def test_list_filters_and_search(client, create_user, login_as, make_case, db):
    worker = create_user("caseworker")
    first = make_case(worker, title="Bank records, fraud ring", is_urgent=True)
    second = make_case(worker, direction="outgoing", kind="extradition", legal_basis="ECE",
                       title="Murder suspect", counterpart_country="XB")
    login_as(worker)

    def listed(query: str) -> set[str]:
        html = client.get(f"/requests/?{query}").get_data(as_text=True)
        return {ref for ref in (first.reference, second.reference) if ref in html}

    assert listed("") == {first.reference, second.reference}
    assert listed("direction=outgoing") == {second.reference}
    assert listed("kind=mla") == {first.reference}
    assert listed("urgent=1") == {first.reference}
    assert listed("counterpart=XB") == {second.reference}
    assert listed(f"q={first.reference}") == {first.reference}
    assert listed("q=murder") == {second.reference}
    assert listed("q=%25") == set()  # LIKE wildcards are escaped
    assert listed("q=jean+FICTIF") == {first.reference, second.reference}  # exact name
    assert listed("q=Jean") == set()  # names are found whole, never by part
    assert listed("state=received") == {first.reference}
    assert listed("assignee=none") == {first.reference, second.reference}


def test_pagination(client, create_user, login_as, make_case):
    worker = create_user("caseworker")
    for n in range(3):
        make_case(worker, title=f"Request {n}")
    login_as(worker)
    html = client.get("/requests/?per_page=2&page=2&sort=oldest").get_data(as_text=True)
    assert "Request 2" in html and "Request 0" not in html
    assert "Page 2 of 2" in html
    assert client.get("/requests/?page=abc&per_page=-1").status_code == 200


def test_prosecutor_sees_only_their_authority_requests(client, create_user, login_as,
                                                       make_case, db):
    from mla.directory.services import AuthorityInput, save_authority

    mine = save_authority("test", AuthorityInput(name="PP North", country_code="XZ",
                                                 kind="prosecution"))
    other = save_authority("test", AuthorityInput(name="PP South", country_code="XZ",
                                                  kind="prosecution"))
    db.session.commit()
    visible = make_case(domestic_authority_id=mine.id, title="Visible one")
    hidden = make_case(domestic_authority_id=other.id, title="Hidden one")
    login_as(create_user("prosecutor", authority_id=mine.id))
    html = client.get("/requests/", follow_redirects=True).get_data(as_text=True)
    assert visible.reference in html and hidden.reference not in html
    assert client.get(f"/requests/{hidden.reference}").status_code == 404
    assert client.get(f"/portal/requests/{hidden.reference}").status_code == 404
    assert client.get(f"/requests/{visible.reference}",
                      follow_redirects=True).status_code == 200


def test_notes_and_assignment_are_on_the_timeline(client, create_user, login_as, make_case,
                                                  csrf_token, db):
    worker = create_user("caseworker")
    case = make_case(worker)
    login_as(worker)
    token = csrf_token(f"/requests/{case.reference}")
    assert client.post(f"/requests/{case.reference}/notes",
                       data={"csrf_token": token, "text": "Called the bank"}).status_code == 302
    assert client.post(f"/requests/{case.reference}/assign",
                       data={"csrf_token": token, "assignee_id": str(worker.id)}
                       ).status_code == 302
    db.session.expire_all()
    kinds = [e.kind for e in db.session.get(Case, case.id).events]
    assert kinds == ["registered", "deadline", "note", "assigned"]
    assert db.session.get(Case, case.id).assignee_id == worker.id


def test_persons_are_searchable_by_exact_name_only(db, make_case):
    from mla.cases.services import find_persons_by_name

    make_case()
    assert len(find_persons_by_name("  JEAN   fictif ")) == 1
    assert find_persons_by_name("Jean") == []
    raw = db.session.execute(select(Person.full_name_enc)).scalar_one()
    assert b"Jean" not in raw
