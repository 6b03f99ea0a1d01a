"""Persons across requests: search by name tokens, the person view, links found on every
channel (service, form, API, corrections), their decision, competing extradition
requests and the API (CONTRACT v1.1)."""

from __future__ import annotations

from sqlalchemy import select

from mla.cases.services import PersonInput


def _person(name: str, **kwargs) -> PersonInput:
    return PersonInput(role=kwargs.pop("role", "suspect"), full_name=name, **kwargs)


def _office(db, name: str = "Office A"):
    from mla.directory.models import Authority

    office = Authority(name=name, country_code="XZ", kind="prosecution")
    db.session.add(office)
    db.session.commit()
    return office


def _extradition(make_case, worker, person: PersonInput, **kwargs):
    return make_case(worker, direction="incoming", kind="extradition", legal_basis="ECE",
                     measures=[], persons=[person], **kwargs)


def _search(app, user, name: str) -> set[str]:
    from mla.persons.services import search_persons

    return {p.case.reference for p in search_persons(user, name)}


def test_search_finds_a_surname_in_any_order_without_case_or_accents(app, db, make_case,
                                                                      create_user):
    worker = create_user("caseworker")
    a = make_case(worker, persons=[_person("Ivan Petrov")])
    b = make_case(worker, persons=[_person("PETROV Ivan")])
    c = make_case(worker, persons=[_person("Anna Petrova")])
    d = make_case(worker, persons=[_person("José Müller-Lüdenscheidt")])
    assert _search(app, worker, "petrov") == {a.reference, b.reference}
    assert _search(app, worker, "Ivan PETROV") == {a.reference, b.reference}
    assert _search(app, worker, "petrova") == {c.reference}
    assert _search(app, worker, "ludenscheidt jose") == {d.reference}
    assert _search(app, worker, "Ivan Smith") == set()
    assert _search(app, worker, " - ") == set()


def test_names_are_not_stored_in_clear(app, db, make_case, create_user):
    from mla.persons.models import PersonToken

    make_case(create_user("caseworker"),
              persons=[_person("Ivan Petrov", date_of_birth="1980-02-01",
                               identifiers="Passport: X1234567")])
    rows = db.session.execute(select(PersonToken.kind, PersonToken.digest)).all()
    assert {kind for kind, _ in rows} == {"name", "name_key", "dob", "identifier"}
    text = " ".join(digest for _, digest in rows)
    for clear in ("ivan", "petrov", "1980", "x1234567"):
        assert clear not in text


def test_prosecutors_find_only_their_authoritys_requests(app, db, make_case, create_user):
    office = _office(db)
    worker = create_user("caseworker")
    theirs = make_case(worker, domestic_authority_id=office.id,
                       persons=[_person("Ivan Petrov")])
    make_case(worker, persons=[_person("Ivan Petrov")])
    prosecutor = create_user("prosecutor", authority_id=office.id)
    assert _search(app, prosecutor, "petrov") == {theirs.reference}
    assert _search(app, create_user("prosecutor"), "petrov") == set()


def test_a_new_request_about_a_known_person_is_linked_with_the_reason(app, db, make_case,
                                                                      create_user):
    from mla.persons.services import links_payload

    worker = create_user("caseworker")
    first = make_case(worker, persons=[_person("Ivan Petrov", date_of_birth="1980-02-01")])
    namesake = make_case(worker, persons=[_person("Ivan Petrov", date_of_birth="1975-05-05")])
    by_passport = make_case(worker, persons=[_person("I. Petrof", identifiers="P: X1234567")])
    second = make_case(worker, persons=[_person("PETROV Ivan", date_of_birth="1980-02-01",
                                                identifiers="X-1234567")])
    links = {link["reference"]: link for link in links_payload(worker, second)}
    assert links[first.reference] == {"reference": first.reference,
                                      "reason": "name_and_date_of_birth",
                                      "status": "possible"}
    assert links[by_passport.reference]["reason"] == "identifier"
    assert namesake.reference not in links  # same name, another date of birth
    # Shown on both requests.
    assert [x["reference"] for x in links_payload(worker, first)] == [second.reference]


def test_a_shared_counterpart_reference_is_a_link(app, db, make_case, create_user):
    from mla.persons.services import links_payload

    worker = create_user("caseworker")
    first = make_case(worker, counterpart_reference="FR-2026-88", persons=[])
    second = make_case(worker, counterpart_reference="fr-2026-88", persons=[])
    make_case(worker, counterpart_reference="FR-2026-88", counterpart_country="XB", persons=[])
    assert links_payload(worker, second) == [{"reference": first.reference,
                                              "reason": "counterpart_reference",
                                              "status": "possible"}]


def test_a_correction_that_names_a_known_person_finds_the_link(app, db, make_case,
                                                               create_user):
    from mla.cases.editing import PersonEdit, update_case
    from mla.persons.services import links_payload, search_persons

    worker = create_user("caseworker")
    first = make_case(worker, persons=[_person("Ivan Petrov", identifiers="X1234567")])
    second = make_case(worker, persons=[_person("Somebody Else")])
    assert links_payload(worker, second) == []
    edit = PersonEdit(id=second.persons[0].id, role="suspect", full_name="Ivan Petrov",
                      identifiers="X1234567")
    result = update_case(worker, second, {"persons": [edit]}, expected_version=second.version)
    db.session.commit()
    assert result
    assert [x["reference"] for x in links_payload(worker, second)] == [first.reference]
    # The index follows the correction: the old name is gone.
    assert search_persons(worker, "somebody") == []
    edited = [e for e in second.events if e.kind == "edited"][-1]
    assert any("possible link" in c for c in edited.data["consequences"])


def test_confirming_and_dismissing_a_link_records_the_decision_on_both(
        app, db, client, make_case, create_user, login_as, csrf_token):
    from mla.audit.models import AuditEntry
    from mla.persons.models import CaseLink

    worker = create_user("caseworker")
    first = make_case(worker, persons=[_person("Ivan Petrov", identifiers="X1234567")])
    second = make_case(worker, persons=[_person("Ivan Petrov", identifiers="X1234567")])
    login_as(worker)
    page = client.get(f"/requests/{second.reference}").get_data(as_text=True)
    assert "possible link" in page and "same identifier" in page and first.reference in page
    link = db.session.scalars(select(CaseLink)).one()
    token = csrf_token(f"/requests/{second.reference}")
    response = client.post(f"/requests/{second.reference}/links/{link.id}/confirm",
                           data={"csrf_token": token, "note": "Same passport"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseLink, link.id).status == "confirmed"
    other_page = client.get(f"/requests/{first.reference}").get_data(as_text=True)
    assert "confirmed" in other_page and second.reference in other_page
    assert "Same passport" in other_page
    for case in (first, second):
        assert any(e.kind == "link_decided" for e in db.session.get(type(case), case.id).events)
    assert db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "case.link_confirm")).one()
    # Decided once.
    again = client.post(f"/requests/{second.reference}/links/{link.id}/dismiss",
                        data={"csrf_token": token})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseLink, link.id).status == "confirmed"


def test_a_dismissed_link_is_not_raised_again(app, db, make_case, create_user):
    from mla.cases.editing import update_case
    from mla.persons.models import CaseLink
    from mla.persons.services import decide_link, links_payload

    worker = create_user("caseworker")
    make_case(worker, persons=[_person("Ivan Petrov")])
    second = make_case(worker, persons=[_person("Ivan Petrov")])
    link = db.session.scalars(select(CaseLink)).one()
    decide_link(worker, second, link, confirm=False)
    db.session.commit()
    update_case(worker, second, {"title": "Another title"}, expected_version=second.version)
    db.session.commit()
    assert links_payload(worker, second) == []
    assert db.session.scalars(select(CaseLink)).one().status == "dismissed"


def test_two_open_extradition_requests_for_one_person_warn_on_both(
        app, db, client, make_case, create_user, login_as):
    worker = create_user("caseworker")
    person = _person("Ivan Petrov", date_of_birth="1980-02-01", is_in_custody=True)
    first = _extradition(make_case, worker, person, counterpart_country="XA")
    second = _extradition(make_case, worker, person, counterpart_country="XB")
    other_person = _extradition(make_case, worker, _person("Anna Smith"))
    mla_request = make_case(worker, persons=[person])
    login_as(worker)
    for case, other in ((first, second), (second, first)):
        page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
        assert "data-competing" in page and other.reference in page
        assert "art. 17" in page and "relative seriousness" in page
    for case in (other_person, mla_request):
        assert "data-competing" not in client.get(
            f"/requests/{case.reference}").get_data(as_text=True)


def test_the_person_view_lists_every_request_about_the_person(
        app, db, client, make_case, create_user, login_as):
    worker = create_user("caseworker")
    first = make_case(worker, persons=[_person("Ivan Petrov", date_of_birth="1980-02-01")])
    second = _extradition(make_case, worker, _person("PETROV Ivan", date_of_birth="1980-02-01"))
    unrelated = make_case(worker, persons=[_person("Ivan Petrov", date_of_birth="1999-09-09")])
    login_as(worker)
    detail = client.get(f"/requests/{first.reference}").get_data(as_text=True)
    url = f"/persons/{first.persons[0].id}"
    assert f'href="{url}"' in detail
    page = client.get(url).get_data(as_text=True)
    assert "All requests about this person" in page
    assert second.reference in page and "same name and date of birth" in page
    assert unrelated.reference not in page
    found = client.get("/persons?name=petrov").get_data(as_text=True)
    assert all(c.reference in found for c in (first, second, unrelated))
    # The date of birth reads as a day in the reader's language on all three pages.
    for html in (detail, page, found):
        assert "Feb 1, 1980" in html and "1980-02-01" not in html


def test_people_pages_are_not_found_outside_what_the_reader_may_see(
        app, db, client, make_case, create_user, login_as):
    worker = create_user("caseworker")
    case = make_case(worker, persons=[_person("Ivan Petrov")])
    login_as(create_user("auditor"))
    assert client.get(f"/persons/{case.persons[0].id}").status_code == 200
    assert client.get("/persons/999999").status_code == 404


def test_the_api_searches_persons_and_shows_links(app, db, client, make_case, create_user,
                                                  api_token):
    office = _office(db)
    worker = create_user("caseworker")
    first = make_case(worker, domestic_authority_id=office.id,
                      persons=[_person("Ivan Petrov", identifiers="X1234567")])
    headers = api_token(worker)
    body = {"direction": "incoming", "kind": "mla", "counterpart_country": "XA",
            "legal_basis": "UNTOC", "title": "Bank records",
            "offences": [{"label": "Fraud", "max_penalty_months": 60, "iccs": ["0701"]}],
            "measures": ["bank_records"],
            "persons": [{"role": "witness", "full_name": "Pétrov, Ivan",
                         "identifiers": "X-1234567"}]}
    created = client.post("/api/v1/cases", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    second = created.get_json()
    assert second["links"] == [{"reference": first.reference, "reason": "identifier",
                                "status": "possible"}]
    found = client.get("/api/v1/persons?name=IVAN petrov", headers=headers).get_json()
    assert found == {"items": [{"reference": second["reference"], "role": "witness"},
                               {"reference": first.reference, "role": "suspect"}]}
    listed = client.get("/api/v1/cases?per_page=5", headers=headers).get_json()
    assert {c["reference"]: c["links"] for c in listed["items"]}[first.reference] == [
        {"reference": second["reference"], "reason": "identifier", "status": "possible"}]
    missing = client.get("/api/v1/persons", headers=headers)
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "invalid"
    # A prosecutor of the office sees its request only, and no link to the other.
    prosecutor = api_token(create_user("prosecutor", authority_id=office.id))
    assert client.get("/api/v1/persons?name=petrov", headers=prosecutor).get_json() == {
        "items": [{"reference": first.reference, "role": "suspect"}]}
    theirs = client.get(f"/api/v1/cases/{first.reference}", headers=prosecutor).get_json()
    assert theirs["links"] == []
    # Both requests the office's: the prosecutor sees the link.
    also_theirs = make_case(worker, domestic_authority_id=office.id,
                            persons=[_person("Petrov Ivan", identifiers="X1234567")])
    theirs = client.get(f"/api/v1/cases/{first.reference}", headers=prosecutor).get_json()
    assert [x["reference"] for x in theirs["links"]] == [also_theirs.reference]


def test_the_persons_route_is_in_the_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/persons"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "links" in document["components"]["schemas"]["CaseOut"]["properties"]


def test_rebuilding_the_index_under_a_new_key_keeps_search_working(app, db, make_case,
                                                                   create_user):
    from dataclasses import replace

    from mla.core.crypto import EXTENSION_KEY
    from mla.persons.services import rebuild_person_index

    worker = create_user("caseworker")
    case = make_case(worker, persons=[_person("Ivan Petrov")])
    old = app.extensions[EXTENSION_KEY]
    new = old.with_new_index_key()
    app.extensions[EXTENSION_KEY] = replace(new, previous_index_key=None)
    try:
        assert _search(app, worker, "petrov") == set()  # tokens still under the old key
        assert rebuild_person_index(batch_size=1) == 1
        db.session.commit()
        assert _search(app, worker, "petrov") == {case.reference}
    finally:
        app.extensions[EXTENSION_KEY] = old
        rebuild_person_index()
        db.session.commit()


def test_the_registration_form_shows_possible_links_before_saving(
        app, db, client, make_case, create_user, login_as, csrf_token):
    from mla.cases.models import Case
    from tests.cases.test_register import _form

    worker = create_user("caseworker")
    known = make_case(worker, persons=[_person("Ivan Petrov", identifiers="X1234567")])
    same_file = make_case(worker, counterpart_reference="XA-2026-88", persons=[])
    login_as(worker)
    token = csrf_token("/requests/new")
    data = _form(token, **{"persons-0-full_name": "PETROV Ivan",
                           "persons-0-identifiers": "Passport X-1234567",
                           "add_person": "1"})
    del data["submit"]
    page = client.post("/requests/new", data=data).get_data(as_text=True)
    assert "data-possible-links" in page
    assert known.reference in page and "same identifier" in page
    assert same_file.reference in page and "same counterpart state and reference" in page
    assert db.session.query(Case).count() == 2  # nothing saved yet
    # Saved: the links are recorded and shown on the new request.
    saved = client.post("/requests/new", data=_form(
        token, **{"persons-0-full_name": "PETROV Ivan",
                  "persons-0-identifiers": "Passport X-1234567"}))
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert known.reference in page and same_file.reference in page and "possible link" in page
    # A blank form shows nothing.
    assert "data-possible-links" not in client.get("/requests/new").get_data(as_text=True)


def test_the_competing_decision_asks_for_the_articles_criteria_and_shows_on_both(
        app, db, client, make_case, create_user, login_as, csrf_token):
    from mla.audit.models import AuditEntry
    from mla.persons.models import CaseLink, CompetingDecision

    worker = create_user("caseworker")
    person = _person("Ivan Petrov", date_of_birth="1980-02-01", is_in_custody=True)
    first = _extradition(make_case, worker, person, counterpart_country="XA")
    second = _extradition(make_case, worker, person, counterpart_country="XB")
    link = db.session.scalars(select(CaseLink)).one()
    login_as(worker)
    url = f"/requests/{second.reference}/competing/{link.id}"
    page = client.get(url).get_data(as_text=True)
    for criterion in ("Relative seriousness", "Place where", "Dates of the requests",
                      "Nationality of the person", "later extradition"):
        assert criterion in page
    assert "Eurojust" not in page  # ECE, not a warrant
    token = csrf_token(url)
    partial = {"csrf_token": token, "prevailing": first.reference,
               "seriousness": "Murder against fraud", "place": "XA", "dates": "XA first",
               "nationality": "National of XA", "reasons": "XA's offence is graver"}
    refused = client.post(url, data=partial)
    assert refused.status_code == 422
    assert "the article names it" in refused.get_data(as_text=True)
    assert db.session.query(CompetingDecision).count() == 0
    done = client.post(url, data={**partial, "re_extradition": "XA may re-extradite to XB"})
    assert done.status_code == 302
    decision = db.session.scalars(select(CompetingDecision)).one()
    assert decision.prevailing_case_id == first.id
    assert decision.criteria["re_extradition"] == "XA may re-extradite to XB"
    db.session.expire_all()
    assert db.session.get(CaseLink, link.id).status == "confirmed"
    for case in (first, second):
        page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
        assert f"Decided: {first.reference} prevails." in page
    assert db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "case.competing_decide")).one()
    assert client.post(url, data={**partial, "re_extradition": "again"}).status_code == 409
    # Not competing: an unrelated link id is not found.
    assert client.get(f"/requests/{second.reference}/competing/999").status_code == 404
