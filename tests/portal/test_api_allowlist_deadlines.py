"""A prosecutor's token reads deadlines through the portal's allow-list."""

from __future__ import annotations


def test_pause_reasons_never_reach_a_prosecutor(client, create_user, api_token, make_case, db):
    from mla.deadlines.services import pause_clocks
    from mla.directory.services import AuthorityInput, save_authority

    office = save_authority("test", AuthorityInput(name="PP North", country_code="XZ",
                                                   kind="prosecution"))
    db.session.commit()
    worker = create_user("caseworker")
    case = make_case(worker, domestic_authority_id=office.id)
    pause_clocks(case, actor=worker, reason="Informant Z. says the suspect is leaving")
    db.session.commit()

    staff = client.get(f"/api/v1/cases/{case.reference}/deadlines",
                       headers=api_token(worker)).get_json()
    assert any("Informant" in (d.get("pause_reason") or "") for d in staff)

    prosecutor = create_user("prosecutor", authority_id=office.id)
    response = client.get(f"/api/v1/cases/{case.reference}/deadlines",
                          headers=api_token(prosecutor))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Informant" not in body
    assert all(set(d) <= {"name", "title", "citation", "due_at", "status", "days_left", "unit",
                          "time_zone"}
               for d in response.get_json())
