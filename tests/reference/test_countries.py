"""ISO user-assigned codes (XA-XZ) name fictional states: usable everywhere at first use."""

from __future__ import annotations

from sqlalchemy import select

from mla.reference.models import Country


def test_importing_a_catalogue_for_a_fictional_state_creates_it(runner, tmp_path, db):
    csv = tmp_path / "xq.csv"
    csv.write_text("code,title,statute,max_penalty_months,iccs\n"
                   "XQ-PC-210,Fraud,Penal Code s.210,60,0701\n", encoding="utf-8")
    result = runner.invoke(args=["offences", "import", str(csv), "--jurisdiction", "XQ"])
    assert result.exit_code == 0, result.output
    country = db.session.scalar(select(Country).where(Country.code == "XQ"))
    assert country.is_fictional and country.name == "Fictional state XQ"


def test_registering_a_request_with_a_fictional_counterpart(make_case):
    case = make_case(counterpart_country="XQ")
    assert case.country.is_fictional


def test_an_unassigned_code_is_still_refused(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    body = {"direction": "incoming", "kind": "mla", "counterpart_country": "QQ",
            "legal_basis": "UNTOC", "title": "x"}
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 422


def test_the_dual_criminality_check_knows_fictional_states(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    body = {"kind": "extradition", "legal_basis": "ECE", "requesting_country": "FR",
            "requested_country": "XQ", "coercive": True,
            "offence": {"label": "Fraud", "iccs": ["0701"], "max_penalty_months": 60}}
    response = client.post("/api/v1/dual-criminality", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["verdict"] == "review"  # no catalogue loaded for XQ
