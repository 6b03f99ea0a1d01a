"""The JSON twins of the other reports: the same figures as the page, by hand."""

from __future__ import annotations

import pytest

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def get(create_user, api_token, client):
    headers = api_token(create_user("auditor"))

    def answer(name, **args):
        response = client.get(f"/api/v1/reports/{name}", query_string={**YEAR, **args},
                              headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body.pop("computed_at")  # when the figures were computed (kept ready)
        return body

    return answer


def test_time(history, get):
    data = get("time")
    assert data["to_close"] == {"count": 3, "median_days": 59.0, "p90_days": 303.8}
    waiting = next(s for s in data["in_state"] if s["clock_paused"])
    assert waiting == {"state": "Waiting for supplementary information from the requesting "
                                "state", "clock_paused": True, "count": 1,
                       "median_days": 12.0, "p90_days": 12.0}


def test_counterparts(history, get):
    items = {i["country_code"]: i for i in get("counterparts")["items"]}
    assert items["FR"] == {"country_code": "FR", "country": "France", "authority": "",
                           "received": 0, "sent": 1, "acknowledgement_median_days": 10.0,
                           "execution_median_days": None, "open_inquiries": 1}
    assert (items["XA"]["received"], items["XA"]["sent"]) == (3, 1)
    assert [i["country_code"] for i in get("counterparts", direction="incoming")["items"]] == [
        "XA"]


def test_outcomes(history, get):
    assert get("outcomes") == {"by_state": [
        {"outcome": "Closed: executed", "incoming": 2, "outgoing": 0},
        {"outcome": "Closed: withdrawn by the requesting state", "incoming": 1, "outgoing": 0},
    ], "refusals": []}


def test_deadlines(history, get):
    items = get("deadlines")["items"]
    assert all(set(i) == {"rule", "title", "is_custody", "due", "on_time", "late", "missed",
                          "stopped", "pending"} for i in items)


def test_bad_filters_are_422(get, client, create_user, api_token):
    response = client.get("/api/v1/reports/time", query_string={"from": "x"},
                          headers=api_token(create_user("caseworker")))
    assert response.status_code == 422
    assert "from" in response.get_json()["error"]["details"]
