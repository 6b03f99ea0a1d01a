"""POST /api/v1/dual-criminality (CONTRACT.md): shapes, indexed matching, 422 cases."""

from __future__ import annotations

import pytest

from mla.dualcrim.catalogue import import_catalogue_text

CATALOGUE = """code,title,statute,max_penalty_months,iccs
XQ-PC-210,Fraud,Penal Code s.210,60,0701
XQ-PC-211,Computer fraud,Penal Code s.211,36,0701;0903
XQ-PC-100,Murder,Penal Code s.100,life,0101
XQ-PC-300,Financial fraud against the State,Penal Code s.300,24,070111
"""


@pytest.fixture
def headers(db, create_user, api_token):
    from mla.reference.services import ensure_fictional_country

    user = create_user("caseworker")
    ensure_fictional_country("XQ", "Quux")
    import_catalogue_text(user, "XQ", CATALOGUE)
    db.session.commit()
    return api_token(user)


def body(**overrides):
    data = {"kind": "extradition", "legal_basis": "ECE", "requesting_country": "FR",
            "requested_country": "XQ", "coercive": True,
            "offence": {"label": "Fraud", "iccs": ["0701"], "max_penalty_months": 60,
                        "sentence_months": None}}
    offence = overrides.pop("offence", {})
    data.update(overrides)
    data["offence"] = {**data["offence"], **offence}
    return data


def post(client, headers, data):
    return client.post("/api/v1/dual-criminality", json=data, headers=headers)


def test_contract_example_is_satisfied_with_exact_matches(client, headers):
    response = post(client, headers, body())
    assert response.status_code == 200
    data = response.get_json()
    assert data["verdict"] == "satisfied"
    assert {"rule": "ECE art. 2(1)",
            "text": "punishable by at least 12 months in both: 60 and 60 months"} \
        in data["reasons"]
    assert data["matches"][0] == {
        "jurisdiction": "XQ", "code": "XQ-PC-210", "title": "Fraud", "statute":
        "Penal Code s.210", "iccs": ["0701"], "max_penalty_months": 60, "match": "exact"}
    assert {m["code"]: m["match"] for m in data["matches"]} == {
        "XQ-PC-210": "exact", "XQ-PC-211": "exact", "XQ-PC-300": "narrower"}


def test_broader_and_life_in_matches(client, headers):
    data = post(client, headers, body(offence={"iccs": ["070112"]})).get_json()
    assert {m["code"]: m["match"] for m in data["matches"]} == {
        "XQ-PC-210": "broader", "XQ-PC-211": "broader"}
    data = post(client, headers, body(offence={"iccs": ["0101"],
                                               "max_penalty_months": "life"})).get_json()
    assert data["verdict"] == "satisfied"
    assert data["matches"][0]["max_penalty_months"] == "life"


def test_narrower_only_is_review(client, headers):
    data = post(client, headers, body(offence={"iccs": ["07"]})).get_json()
    assert data["verdict"] == "review"
    assert {m["match"] for m in data["matches"]} == {"narrower"}


def test_no_catalogue_is_review(client, headers):
    data = post(client, headers, body(requested_country="XA")).get_json()
    assert data["verdict"] == "review"
    assert data["matches"] == []
    assert data["catalogue_loaded"] is False


def test_eaw_list_offence_not_required(client, headers):
    data = post(client, headers, body(legal_basis="EAW")).get_json()
    assert data["verdict"] == "not_required"
    assert data["reasons"] == [{"rule": "EAW art. 2(2)",
                                "text": "list offence 'fraud', 60 months ≥ 36: no verification"}]


def test_list_category_override_by_number_or_name(client, headers):
    for value in (27, "trafficking in stolen vehicles"):
        data = post(client, headers, body(legal_basis="EAW", offence={
            "iccs": ["0502"], "list_category": value})).get_json()
        assert data["verdict"] == "not_required"


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "mla"}, "legal_basis"),                         # ECE is extradition only
    ({"legal_basis": "EAW", "kind": "mla"}, "legal_basis"),
    ({"legal_basis": "EIO"}, "legal_basis"),                  # EIO is MLA only
    ({"legal_basis": "ECMA"}, "legal_basis"),
    ({"legal_basis": "NOPE"}, "legal_basis"),
    ({"requesting_country": "QQ"}, "requesting_country"),
    ({"requested_country": "ZZ"}, "requested_country"),
    ({"offence": {"iccs": ["0799"]}}, "offence.iccs"),
    ({"offence": {"list_category": "nonsense"}}, "offence.list_category"),
])
def test_422_for_invalid_basis_kind_countries_codes(client, headers, change, field):
    response = post(client, headers, body(**change))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["details"] == {"field": field}
    assert error["message"]


@pytest.mark.parametrize("offence", [
    {"max_penalty_months": -5}, {"max_penalty_months": 0}, {"max_penalty_months": "forever"},
    {"sentence_months": -1}, {"iccs": []}, {"iccs": "0701"},
])
def test_422_for_negative_penalties_and_bad_shapes(client, headers, offence):
    response = post(client, headers, body(offence=offence))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("data", [
    {"kind": "wrong", "legal_basis": "ECE", "requesting_country": "FR",
     "requested_country": "XQ", "offence": {"iccs": ["0701"]}},
    {"legal_basis": "ECE"},
    {**body(), "unexpected": 1},
])
def test_422_for_missing_or_unknown_fields(client, headers, data):
    assert post(client, headers, data).status_code == 422


def test_not_json_is_400_and_no_token_is_401(client, headers):
    response = client.post("/api/v1/dual-criminality", data="x", headers=headers)
    assert response.status_code == 400
    assert client.post("/api/v1/dual-criminality", json=body()).status_code == 401


def test_check_queries_do_not_grow_with_the_catalogue(client, headers, count_queries):
    with count_queries() as counter:
        assert post(client, headers, body()).status_code == 200
    # token, policy, instrument, countries, codes, catalogue row, lookups: a fixed number
    assert counter.count <= 16
