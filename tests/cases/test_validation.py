"""Impossible data is refused with the same words by the rules, the forms and the API;
the neighbouring possible value is accepted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mla.cases import validation
from mla.cases.validation import Refused
from mla.core import clock
from tests.conftest import _csrf_from

FUTURE_EVENT = "This date is in the future"
FUTURE_RECEIPT = "A request cannot have been received after today"
OWN_STATE = "choose a state other than our own"
OTHER_STATE_AUTHORITY = "is not an authority of"
BASIS = ("The European Convention on Extradition (1957) does not provide for mutual legal "
         "assistance")
BIRTH_FUTURE = "A date of birth cannot be in the future."
BIRTH_OLD = "more than 120 years ago cannot be right"


@pytest.fixture
def today(app_ctx, monkeypatch) -> date:
    """The home state's day, held still for the test: no midnight between two readings."""
    at = clock.real_now()
    monkeypatch.setattr(clock, "real_now", lambda: at)
    return validation.home_today()


@pytest.fixture
def authorities(db):
    from mla.directory.models import Authority

    made = {code: Authority(name=f"Ministry of Justice {code}", country_code=code,
                            kind="central_authority") for code in ("XA", "XB", "XZ")}
    db.session.add_all(made.values())
    db.session.commit()
    return {code: authority.id for code, authority in made.items()}


def _refused(rule, *args) -> Refused:
    with pytest.raises(Refused) as caught:
        rule(*args)
    return caught.value


# --- the rules themselves --------------------------------------------------------------

def test_an_event_date_after_today_is_refused_and_today_accepted(today):
    refused = _refused(validation.event_date_not_in_future, today + timedelta(days=1),
                       "arrested_on")
    assert FUTURE_EVENT in refused.message and refused.details == {"field": "arrested_on"}
    assert validation.event_date_not_in_future(today.isoformat(), "arrested_on") == today
    assert _refused(validation.event_date_not_in_future, "31/12/2020", "x").details == {
        "field": "x"}


def test_the_sandbox_clock_counts_as_now(today):
    ahead = today + timedelta(days=5)
    _refused(validation.event_date_not_in_future, ahead, "consented_on")
    clock.set_offset_provider(lambda: timedelta(days=10))
    try:
        assert validation.event_date_not_in_future(ahead, "consented_on") == ahead
    finally:
        clock.set_offset_provider(None)


def test_today_is_the_home_states_day(db, app_ctx, monkeypatch):
    from zoneinfo import ZoneInfo

    at = clock.real_now()  # held still: no midnight in Kiritimati between the two readings
    monkeypatch.setattr(clock, "real_now", lambda: at)

    from mla.deadlines.services import set_time_zone

    set_time_zone("test", "XZ", "Pacific/Kiritimati")  # UTC+14: often already tomorrow
    assert validation.home_zone() == ZoneInfo("Pacific/Kiritimati")
    assert validation.home_today() == clock.now().astimezone(ZoneInfo("Pacific/Kiritimati")).date()


def test_dates_of_birth_in_the_future_or_beyond_120_years_are_refused(today):
    field = "persons.0.date_of_birth"
    assert _refused(validation.date_of_birth_plausible, today + timedelta(days=1),
                    field).message == BIRTH_FUTURE
    too_old = today.replace(year=today.year - 121)
    assert BIRTH_OLD in _refused(validation.date_of_birth_plausible, too_old, field).message
    assert validation.date_of_birth_plausible(today.replace(year=today.year - 119), field)
    assert validation.date_of_birth_plausible(today, field) == today


def test_our_own_state_cannot_be_the_counterpart(app_ctx):
    assert OWN_STATE in _refused(validation.counterpart_not_home, "xz").message
    validation.counterpart_not_home("XA")


def test_an_authority_must_belong_to_the_chosen_state(authorities):
    refused = _refused(validation.authority_in_state, authorities["XB"], "XA",
                       "counterpart_authority_id")
    assert OTHER_STATE_AUTHORITY in refused.message and "Arcadia" in refused.message
    validation.authority_in_state(authorities["XA"], "XA", "counterpart_authority_id")
    assert _refused(validation.domestic_authority_at_home, authorities["XA"]).details == {
        "field": "domestic_authority_id"}
    validation.domestic_authority_at_home(authorities["XZ"])


def test_a_basis_that_does_not_fit_is_refused_in_words(app_ctx):
    refused = _refused(validation.legal_basis_fits, "ECE", "mla", "incoming")
    assert refused.message.startswith(BASIS)
    assert "ECE cannot" not in refused.message
    assert validation.legal_basis_fits("ECMA", "mla", "incoming").code == "ECMA"
    assert validation.fitting_bases_by_request()["outgoing-extradition"] == [
        "BILATERAL", "EAW", "ECE", "RECIPROCITY", "UNCAC", "UNTOC"]


# --- the API refuses the same, naming the field ----------------------------------------

BODY = {"direction": "incoming", "kind": "mla", "counterpart_country": "XA",
        "legal_basis": "UNTOC", "title": "Bank records"}


@pytest.fixture
def api(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))

    def call(method: str, path: str, body: dict):
        return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)

    return call


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"received_on": "+1"}, "received_on", FUTURE_RECEIPT),
    ({"counterpart_country": "XZ"}, "counterpart_country", OWN_STATE),
    ({"legal_basis": "ECE"}, "legal_basis", BASIS),
    ({"persons": [{"role": "suspect", "full_name": "A B", "date_of_birth": "+1"}]},
     "persons.0.date_of_birth", BIRTH_FUTURE),
    ({"persons": [{"role": "suspect", "full_name": "A B", "date_of_birth": "-121y"}]},
     "persons.0.date_of_birth", BIRTH_OLD),
])
def test_the_api_refuses_on_registration_and_correction(api, today, make_case, change, field,
                                                        words):
    change = _dated(change, today)
    created = api("POST", "/cases", {**BODY, **change})
    assert created.status_code == 422, created.get_json()
    error = created.get_json()["error"]
    assert error["details"] == {"field": field} and words in error["message"]

    case = make_case()
    patched = api("PATCH", f"/cases/{case.reference}", {"version": case.version, **change})
    assert patched.status_code == 422, patched.get_json()
    error = patched.get_json()["error"]
    assert error["details"] == {"field": field} and words in error["message"]


def test_the_api_accepts_the_neighbouring_values(api, today, make_case):
    body = {**BODY, "received_on": today.isoformat(), "legal_basis": "ECMA",
            "persons": [{"role": "suspect", "full_name": "A B",
                         "date_of_birth": today.replace(year=today.year - 119).isoformat()}]}
    created = api("POST", "/cases", body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["received_on"] == today.isoformat()
    assert created.get_json()["persons"][0]["date_of_birth"] == body["persons"][0][
        "date_of_birth"]


def test_the_api_refuses_an_authority_of_another_state(api, make_case, authorities):
    case = make_case()
    patched = api("PATCH", f"/cases/{case.reference}", {
        "version": case.version, "counterpart_authority_id": authorities["XB"]})
    assert patched.status_code == 422
    assert patched.get_json()["error"]["details"] == {"field": "counterpart_authority_id"}
    ok = api("PATCH", f"/cases/{case.reference}", {
        "version": case.version, "counterpart_authority_id": authorities["XA"]})
    assert ok.status_code == 200, ok.get_json()


def _dated(change: dict, today: date) -> dict:
    """'+1' is tomorrow, '-121y' 121 years ago, as ISO dates."""
    def day(value):
        if value == "+1":
            return (today + timedelta(days=1)).isoformat()
        if value == "-121y":
            return today.replace(year=today.year - 121).isoformat()
        return value

    out = {}
    for key, value in change.items():
        if key == "persons":
            out[key] = [{k: day(v) for k, v in p.items()} for p in value]
        else:
            out[key] = day(value)
    return out


# --- the forms put the same words next to the field ------------------------------------

def _registration(token: str, **overrides: str) -> dict[str, str]:
    data = {"csrf_token": token, "direction": "incoming", "kind": "mla",
            "counterpart_country": "XA", "counterpart_authority_id": "0",
            "domestic_authority_id": "0", "legal_basis": "UNTOC", "title": "Bank records",
            "persons-0-role": "suspect", "persons-0-full_name": "A B", "submit": "1"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(("change", "field_id", "words"), [
    ({"received_on": "+1"}, "received_on", FUTURE_RECEIPT),
    ({"counterpart_country": "XZ"}, "counterpart_country", OWN_STATE),
    ({"legal_basis": "ECE"}, "legal_basis", BASIS),
    ({"persons-0-date_of_birth": "+1"}, "persons-0-date_of_birth", BIRTH_FUTURE),
    ({"persons-0-date_of_birth": "-121y"}, "persons-0-date_of_birth", BIRTH_OLD),
])
def test_the_registration_form_refuses_next_to_the_field(client, create_user, login_as, today,
                                                         change, field_id, words):
    login_as(create_user("caseworker"))
    token = _csrf_from(client.get("/requests/new").get_data(as_text=True))
    response = client.post("/requests/new", data=_registration(token, **_dated(change, today)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split(f'id="{field_id}-error"', 1)[1].split("</div>", 1)[0]
    assert words in error.replace("&#39;", "'")


def test_the_registration_form_refuses_an_authority_of_another_state(client, create_user,
                                                                    login_as, authorities):
    login_as(create_user("caseworker"))
    token = _csrf_from(client.get("/requests/new").get_data(as_text=True))
    response = client.post("/requests/new", data=_registration(
        token, counterpart_authority_id=str(authorities["XB"])))
    assert response.status_code == 422
    error = response.get_data(as_text=True).split('id="counterpart_authority_id-error"', 1)[1]
    assert OTHER_STATE_AUTHORITY in error.split("</div>", 1)[0]


def test_the_registration_form_accepts_the_neighbouring_values(client, create_user, login_as,
                                                              today):
    login_as(create_user("caseworker"))
    token = _csrf_from(client.get("/requests/new").get_data(as_text=True))
    response = client.post("/requests/new", data=_registration(
        token, received_on=today.isoformat(), legal_basis="ECMA",
        **{"persons-0-date_of_birth": today.replace(year=today.year - 119).isoformat()}))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def test_the_registration_form_offers_the_bases_that_fit(client, create_user, login_as):
    login_as(create_user("caseworker"))
    html = client.get("/requests/new").get_data(as_text=True)
    assert "data-fitting-bases=" in html and "js/cases.js" in html
    assert "&#34;incoming-mla&#34;: [&#34;BILATERAL&#34;, &#34;ECMA&#34;" in html


@pytest.mark.parametrize(("change", "field_id", "words"), [
    ({"received_on": "+1"}, "received_on", FUTURE_RECEIPT),
    ({"counterpart_country": "XZ"}, "counterpart_country", OWN_STATE),
    ({"persons-0-date_of_birth": "+1"}, "persons-0-date_of_birth", BIRTH_FUTURE),
])
def test_the_edit_form_refuses_next_to_the_field(client, login_as, make_case, today, change,
                                                 field_id, words):
    from tests.cases.test_editing import _edit_form

    case = make_case()
    login_as(case.created_by)
    html, data = _edit_form(client, case.reference)
    assert 'value="ECE"' not in html  # only the bases that fit an MLA request
    response = client.post(f"/requests/{case.reference}/edit",
                           data={**data, **_dated(change, today)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = page.split(f'id="{field_id}-error"', 1)[1].split("</div>", 1)[0]
    assert words in error.replace("&#39;", "'")
