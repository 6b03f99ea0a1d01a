"""The access policy, route by route: every endpoint declares who may use it, and the
app answers every role (and anonymous visitors) exactly as the declaration says."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.routing import Rule as UrlRule

from mla.core.access import ROLES, rule_for
from tests.conftest import _csrf_from

GATE_REFUSAL = "Your role does not allow this."
# Blueprints that answer 404 to everyone outside sandbox mode (before the gate).
PRODUCTION_ABSENT = ("sandbox.",)
SKIP_METHODS = {"HEAD", "OPTIONS"}
# Ends the signed-in session the rest of the walk relies on; auth tests cover it.
SESSION_ENDING = {("auth.logout", "POST")}
# Public routes that take their own credential (a calendar link's secret as an HTTP
# Basic password): a 401 challenge for everyone who does not send it, signed in or not.
OWN_CREDENTIAL = {"deadlines.feed_with_password"}
# Public routes that send whoever has no business there to the sign-in page: the
# code step of signing in, before a password was accepted (tests/auth/test_two_factor.py).
BACK_TO_SIGN_IN = {"auth.login_code"}
# Every non-GET endpoint a prosecutor may use. A new one must be added here on purpose.
PROSECUTOR_WRITES = {
    "auth.change_password", "auth.login", "auth.logout", "tokens.mine", "tokens.revoke",
    "auth.login_code", "auth.two_factor_page", "auth.language", "auth.switch_language",
    "auth.time_zone",
    "portal.start_draft", "portal.draft_step", "portal.submit_draft", "portal.answer",
    "api.dual_criminality", "api.take_transition", "notifications.read",
    "deadlines.create_feed", "deadlines.revoke_feed", "workflow.take_step",
    "reports.recompute",  # "Recompute now": their own office's figures
    # Public to everyone: what vouches for a delivery is the package's signature.
    "exchange_inbox.inbox",
}


def trainee_refused(role, endpoint, method, app) -> bool:
    """Outside a sandbox a trainee reads only (mla.core.access.trainee_refused)."""
    from mla.core.access import TRAINEE_OWN_ACCOUNT

    return (role == "trainee" and method not in {"GET", "HEAD", "OPTIONS"}
            and endpoint not in TRAINEE_OWN_ACCOUNT and not app_is_sandbox(app))


def app_is_sandbox(app) -> bool:
    from mla import settings_of

    return settings_of(app).is_sandbox


def _routes(app) -> list[tuple[UrlRule, str]]:
    return sorted(((rule, method) for rule in app.url_map.iter_rules()
                   for method in (rule.methods or set()) - SKIP_METHODS),
                  key=lambda item: (item[0].rule, item[1]))


@pytest.fixture
def world(create_user, make_case, db):
    """Real objects for the URL converters, linked to prosecutor A's office."""
    from mla.directory.models import Authority
    from mla.documents.services import Upload, store_document

    office_a = Authority(name="Office A", country_code="XZ", kind="prosecution")
    office_b = Authority(name="Office B", country_code="XZ", kind="prosecution")
    db.session.add_all([office_a, office_b])
    db.session.commit()
    staff = create_user("caseworker")
    case_a = make_case(staff, domestic_authority_id=office_a.id)
    case_b = make_case(staff, domestic_authority_id=office_b.id)
    doc_b = store_document(staff, case_b, Upload("b.pdf", b"%PDF-1.4 b"), visibility="shared")
    doc_a = store_document(staff, case_a, Upload("a.pdf", b"%PDF-1.4 a"), visibility="shared")
    db.session.commit()
    values = {
        "reference": case_a.reference, "user_id": staff.id, "authority_id": office_a.id,
        "document_id": doc_a.id, "offence_id": case_a.offences[0].id, "uid": "0" * 32,
        "step": "basics", "code": "XA", "filename": "css/app.css", "token": "x",
        "fmt": "csv",
    }
    return {"office_a": office_a, "office_b": office_b, "case_a": case_a, "case_b": case_b,
            "doc_a": doc_a, "doc_b": doc_b, "values": values}


def _url(app, rule: UrlRule, values: dict[str, Any]) -> str:
    args = {}
    for name in rule.arguments:
        if name in values:
            args[name] = values[name]
        elif name == "name":
            args[name] = "outgoing_mla" if rule.endpoint.startswith("workflow.show") else "submit"
        else:
            args[name] = 1
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


def _signed_in(role: str | None, create_user, login_as, api_token, office, values=None):
    if role is None:
        return None, {}
    user = create_user(role, authority_id=office.id if role == "prosecutor" else None)
    login_as(user)
    if values is not None:
        from mla.auth.models import ApiToken
        from mla.extensions import db

        api_token(user)  # a spare one for the revoke route, so the walk keeps its own
        values["token_id"] = db.session.query(ApiToken.id).filter_by(user_id=user.id).scalar()
    return user, api_token(user)


def _call(client, method: str, url: str, headers: dict[str, str], csrf: str,
          body: dict[str, Any] | None = None):
    is_api = url.startswith("/api/")
    kwargs: dict[str, Any] = {"headers": headers if is_api else {}}
    if method != "GET":
        if is_api:
            kwargs["json"] = body or {}
        else:
            kwargs["data"] = {"csrf_token": csrf}
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()  # static files hold an open file until closed
    return response


def test_every_endpoint_declares_a_rule(app):
    undeclared = sorted({rule.endpoint for rule in app.url_map.iter_rules()
                         if rule_for(rule.endpoint, app) is None})
    assert undeclared == []


def test_undeclared_endpoint_is_refused(app):
    """The gate itself: a view without a declaration answers 403 (deny by default)."""
    from mla.core.access import Rule

    assert Rule().permits("admin", "GET") is False
    assert rule_for("no.such.endpoint", app) is None


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_route_answers_as_declared(role, app, world, client, create_user, login_as,
                                         api_token):
    user, headers = _signed_in(role, create_user, login_as, api_token, world["office_a"],
                               world["values"])
    csrf = _csrf_from(client.get("/login" if user is None else "/account/tokens")
                      .get_data(as_text=True))
    wrong = []
    for rule, method in _routes(app):
        if (rule.endpoint, method) in SESSION_ENDING:
            continue
        declared = rule_for(rule.endpoint, app)
        url = _url(app, rule, world["values"])
        response = _call(client, method, url, headers, csrf)
        if rule.endpoint in OWN_CREDENTIAL:
            if response.status_code != 401 or "WWW-Authenticate" not in response.headers:
                wrong.append((method, url, response.status_code, "expected a 401 challenge"))
            continue
        if rule.endpoint in BACK_TO_SIGN_IN and not trainee_refused(role, rule.endpoint,
                                                                    method, app):
            if response.status_code != 302 or "/login" not in response.headers["Location"]:
                wrong.append((method, url, response.status_code, "expected the sign-in page"))
            continue
        if rule.endpoint.startswith(PRODUCTION_ABSENT) and not app_is_sandbox(app):
            # Training-only pages do not exist on a production instance, for anyone.
            if response.status_code != 404:
                wrong.append((method, url, response.status_code, "expected 404 (production)"))
            continue
        body = response.get_data().decode("utf-8", "replace")  # downloads may be binary
        location = response.headers.get("Location", "")
        refused = (response.status_code == 401
                   or (response.status_code == 302 and "/login" in location
                       and rule.endpoint != "auth.logout")
                   or (response.status_code == 403 and GATE_REFUSAL in body))
        permitted = declared.permits(role, method) and not (
            role == "trainee" and trainee_refused(role, rule.endpoint, method, app))
        if permitted == refused:
            wrong.append((method, url, response.status_code, declared.describe()))
        if not permitted:
            expected = (401 if url.startswith("/api/") else 302) if role is None else 403
            if response.status_code != expected:
                wrong.append((method, url, response.status_code, f"expected {expected}"))
    assert wrong == []


def test_prosecutor_writes_only_where_the_policy_says(app):
    allowed = {rule.endpoint for rule, method in _routes(app)
               if method != "GET" and rule_for(rule.endpoint, app).permits("prosecutor", method)}
    assert allowed == PROSECUTOR_WRITES


def test_a_guessed_reference_is_not_found(app, world, client, create_user, login_as,
                                          api_token):
    """Prosecutor A trying office B's request: 404 everywhere, never its contents."""
    _user, headers = _signed_in("prosecutor", create_user, login_as, api_token,
                                world["office_a"])
    csrf = _csrf_from(client.get("/account/tokens").get_data(as_text=True))
    values = {**world["values"], "reference": world["case_b"].reference,
              "document_id": world["doc_b"].id}
    checked = 0
    for rule, method in _routes(app):
        if not ({"reference", "document_id"} & set(rule.arguments)):
            continue
        if not rule_for(rule.endpoint, app).permits("prosecutor", method):
            continue
        # A well-formed body, so that only the reference can be what is refused.
        response = _call(client, method, _url(app, rule, values), headers, csrf,
                         body={"name": "submit", "version": 1, "comment": ""})
        assert response.status_code == 404, (method, rule.rule, response.status_code)
        assert world["case_b"].title not in response.get_data(as_text=True) or \
            world["case_a"].title == world["case_b"].title
        checked += 1
    assert checked >= 6


def test_exporting_a_training_pack_is_for_admins_only(app):
    """A closed real request as a pack (mla/sandbox/export_views.py): on production
    instances too (not under PRODUCTION_ABSENT), admins only, POST only."""
    rule = rule_for("training_pack.export", app)
    assert rule is not None
    assert [role for role in ROLES if rule.permits(role, "POST")] == ["admin"]
    assert {m for r in app.url_map.iter_rules() if r.endpoint == "training_pack.export"
            for m in r.methods or ()} - SKIP_METHODS == {"POST"}
