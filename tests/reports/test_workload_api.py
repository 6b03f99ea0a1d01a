"""GET /api/v1/reports/workload (CONTRACT.md v1.1), figures worked out by hand from
tests/reports/conftest.py's history."""

from __future__ import annotations

import pytest

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def staff_api(create_user, api_token, client):
    headers = api_token(create_user("supervisor"))

    def get(**args):
        return client.get("/api/v1/reports/workload", query_string=args, headers=headers)

    return get


def test_the_year_by_hand(history, staff_api):
    response = staff_api(**YEAR)
    assert response.status_code == 200
    # received: A (first instant), F, G; sent: B (last instant), I; E is after the period.
    # closed: A, D, F (F was reopened afterwards; G closed after the period).
    # open on 2025-12-31: B 0 days, I 60, G 91, F 305 (reopened), C 365, H 366.
    body = response.get_json()
    # The contract's shape, and when the figures were computed (they are kept ready).
    assert body.pop("computed_at") == "2026-03-01T12:00:00+00:00"
    assert body == {
        "received": 3, "sent": 2, "closed": 3, "open": 6,
        "open_by_age": {"0-30": 1, "31-90": 1, "91-180": 1, "181-365": 2, "365+": 1}}


def test_filters(history, staff_api):
    outgoing = staff_api(**YEAR, direction="outgoing").get_json()
    del outgoing["computed_at"]
    assert outgoing == {"received": 0, "sent": 2, "closed": 0, "open": 2,
                        "open_by_age": {"0-30": 1, "31-90": 1, "91-180": 0, "181-365": 0,
                                        "365+": 0}}
    france = staff_api(**YEAR, counterpart_country="fr").get_json()
    assert (france["sent"], france["received"], france["open"]) == (1, 0, 1)
    assert staff_api(**YEAR, kind="extradition").get_json()["open"] == 0
    assert staff_api(**YEAR, legal_basis="UNCAC").get_json()["received"] == 0
    assert staff_api(**YEAR, legal_basis="UNTOC").get_json()["received"] == 3


def test_measure_and_assignee_filters(history, staff_api, create_user, db):
    assert staff_api(**YEAR, measure="bank_records").get_json()["received"] == 3
    assert staff_api(**YEAR, measure="witness_hearing").get_json()["received"] == 0
    assert staff_api(**YEAR, iccs="07").get_json()["received"] == 3  # fraud: 0701
    assert staff_api(**YEAR, iccs="02").get_json()["received"] == 0
    someone = create_user("caseworker")
    history["A"].assignee_id = someone.id
    db.session.commit()
    mine = staff_api(**YEAR, assignee=str(someone.id)).get_json()
    assert (mine["received"], mine["closed"], mine["open"]) == (1, 1, 0)


def test_age_bucket_edges(history, staff_api):
    # C was registered on 2024-12-31: 30 days old on 2025-01-30, 31 on 2025-01-31.
    on_30 = staff_api(**{"from": "2025-01-30", "to": "2025-01-30"}).get_json()
    on_31 = staff_api(**{"from": "2025-01-31", "to": "2025-01-31"}).get_json()
    # Open on 2025-01-30: A (29 days), C (30), H (31), D (243).
    assert on_30["open_by_age"] == {"0-30": 2, "31-90": 1, "91-180": 0, "181-365": 1,
                                    "365+": 0}
    assert on_31["open_by_age"] == {"0-30": 1, "31-90": 2, "91-180": 0, "181-365": 1,
                                    "365+": 0}


def test_a_single_day_counts_its_first_and_last_instant(history, staff_api):
    first = staff_api(**{"from": "2025-01-01", "to": "2025-01-01"}).get_json()
    last = staff_api(**{"from": "2025-12-31", "to": "2025-12-31"}).get_json()
    assert (first["received"], first["sent"]) == (1, 0)   # A at 00:00:00
    assert (last["received"], last["sent"]) == (0, 1)     # B at 23:59:59


def test_open_today_reads_the_current_state(history, staff_api):
    # The clock is at 2026-03-01: open now are B 60 days, E 59, I 120, F 365, C 425, H 426.
    today = staff_api(**{"from": "2026-01-01", "to": "2026-03-01"}).get_json()
    del today["computed_at"]
    assert today == {"received": 0, "sent": 1, "closed": 1, "open": 6,
                     "open_by_age": {"0-30": 0, "31-90": 2, "91-180": 1, "181-365": 1,
                                     "365+": 2}}


def test_periods_are_days_in_the_home_zone(register, db, staff_api):
    from mla.deadlines.models import CountryTimeZone
    from tests.reports.conftest import utc

    db.session.add(CountryTimeZone(country_code="XZ", zone_name="Pacific/Auckland"))
    db.session.commit()
    register(utc(2024, 12, 31, 11, 30))  # 2025-01-01 00:30 in Auckland (UTC+13)
    register(utc(2025, 12, 31, 11, 30))  # 2026-01-01 00:30 in Auckland
    assert staff_api(**YEAR).get_json()["received"] == 1
    assert staff_api(**{"from": "2026-01-01", "to": "2026-01-01"}).get_json()["received"] == 1
    assert staff_api(**{"from": "2024-12-31", "to": "2024-12-31"}).get_json()["received"] == 0


@pytest.mark.parametrize(("args", "field"), [
    ({"from": "2025-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2025-02-01", "to": "2025-01-01"}, "from"),
    ({"direction": "sideways"}, "direction"),
    ({"kind": "treaty"}, "kind"),
    ({"legal_basis": "NOPE"}, "legal_basis"),
    ({"counterpart_country": "QQ"}, "counterpart_country"),
    ({"to": "9999-12-31"}, "to"),
    ({"directon": "incoming"}, "directon"),
    ({"measure": "torture"}, "measure"),
    ({"iccs": "7"}, "iccs"),
    ({"assignee": "someone"}, "assignee"),
])
def test_bad_filters_are_422_naming_the_field(staff_api, args, field):
    response = staff_api(**args)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "invalid"
    assert field in body["error"]["details"]


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "auditor", "admin"])
def test_staff_read_it(create_user, api_token, client, role):
    response = client.get("/api/v1/reports/workload",
                          headers=api_token(create_user(role)))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["prosecutor", "trainee"])
def test_prosecutors_and_trainees_do_not(create_user, api_token, client, role):
    response = client.get("/api/v1/reports/workload", headers=api_token(create_user(role)))
    assert response.status_code == 403


def test_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/reports/workload"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"from", "to", "direction", "kind", "legal_basis", "counterpart_country",
                     "measure", "iccs", "assignee"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/WorkloadOut"}
    computed_at = document["components"]["schemas"]["WorkloadOut"]["properties"]["computed_at"]
    assert computed_at["format"] == "date-time"
