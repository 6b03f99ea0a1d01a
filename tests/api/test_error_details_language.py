"""The field messages in an API refusal's ``details`` speak the client's language: the
same words the web forms show, with field names and codes as stable identifiers."""

from __future__ import annotations

import html as html_lib
import re

from babel.support import Translations
from wtforms.i18n import messages_path

from tests.api.test_cases_api import BODY
from tests.cases.test_register import _form


def _wtforms(language: str, message: str) -> str:
    """WTForms' own catalogue, as Flask-WTF translates the forms with it."""
    return Translations.load(messages_path(), [language], domain="wtforms").gettext(message)


def _bad_registration() -> dict:
    body = dict(BODY, title="", kind="divorce", summary="x" * 20001,
                counterpart_authority_id=0, persons=[{"role": "suspect"}])
    body.pop("legal_basis")
    return body


def test_a_bad_registration_is_explained_in_french(client, create_user, api_token):
    headers = {**api_token(create_user("caseworker")), "Accept-Language": "fr"}
    response = client.post("/api/v1/cases", json=_bad_registration(), headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"  # codes and field names stay English identifiers
    details = error["details"]
    assert set(details) == {"title", "kind", "summary", "counterpart_authority_id",
                            "legal_basis", "persons"}
    required = _wtforms("fr", "This field is required.")
    assert required != "This field is required."
    assert details["title"] == [required] and details["legal_basis"] == [required]
    assert details["persons"] == {"0": {"full_name": [required]}}
    assert details["kind"] == [_wtforms("fr", "Invalid value, must be one of: %(values)s.")
                               % {"values": "mla, extradition"}]
    too_long = Translations.load(messages_path(), ["fr"], domain="wtforms").ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.", 20000) % {"max": 20000}
    assert details["summary"] == [too_long]
    assert details["counterpart_authority_id"] == [
        _wtforms("fr", "Number must be between %(min)s and %(max)s.")
        % {"min": 1, "max": 2**31 - 1}]


def test_the_api_says_what_the_form_says(client, create_user, api_token, login_as,
                                         csrf_token):
    user = create_user("caseworker")
    headers = {**api_token(user), "Accept-Language": "fr"}
    api = client.post("/api/v1/cases", json=dict(BODY, title=""), headers=headers).get_json()
    login_as(user)
    page = client.post("/requests/new", data=_form(csrf_token("/requests/new"), title=""),
                       headers={"Accept-Language": "fr"}).get_data(as_text=True)
    shown = re.search(r'id="title-error"[^>]*>([^<]*)<', page)
    assert shown is not None
    assert api["error"]["details"]["title"] == [html_lib.unescape(shown.group(1)).strip()]


def test_each_client_reads_its_own_language(client, create_user, api_token):
    headers = api_token(create_user("caseworker"))
    said = {}
    for language in ("en", "zh", "ar"):
        response = client.post("/api/v1/cases", json=dict(BODY, title=""),
                               headers={**headers, "Accept-Language": language})
        said[language] = response.get_json()["error"]["details"]["title"][0]
    assert said["en"] == "This field is required."
    assert said["zh"] == _wtforms("zh", "This field is required.") != said["en"]
    assert said["ar"] == _wtforms("ar", "This field is required.") != said["en"]


def test_comitys_own_field_messages_go_through_its_catalogue(client, create_user,
                                                             api_token, app_ctx):
    from flask_babel import force_locale, gettext

    headers = {**api_token(create_user("caseworker")), "Accept-Language": "fr"}
    body = dict(BODY, colour="blue", counterpart_country="France",
                offences=[dict(BODY["offences"][0], iccs=["7"], max_penalty_months=-2)])
    details = client.post("/api/v1/cases", json=body, headers=headers).get_json()["error"][
        "details"]
    with app_ctx.test_request_context(), force_locale("fr"):
        expected = {message: gettext(message) for message in (
            "Unknown field.", "An ISO 3166-1 alpha-2 code.", "ICCS codes are 2-8 digits.",
            "Must be a positive whole number of months or 'life'.")}
    assert details["colour"] == [expected["Unknown field."]]
    assert details["counterpart_country"] == [expected["An ISO 3166-1 alpha-2 code."]]
    offence = details["offences"]["0"]
    assert offence["iccs"] == {"0": [expected["ICCS codes are 2-8 digits."]]}
    assert offence["max_penalty_months"] == [
        expected["Must be a positive whole number of months or 'life'."]]
