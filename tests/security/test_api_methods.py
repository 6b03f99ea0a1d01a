"""A method the document does not declare for a path: 405 JSON naming the allowed ones.

Schemathesis' `unsupported_method` check, which runs only in its coverage phase (the
loop in test_api_schema_checks.py does not run it), found the 405 without an Allow
header that RFC 9110 requires.
"""

from __future__ import annotations

import re

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "TRACE"}


def test_undeclared_methods_answer_405_with_allow(client, create_user, api_token, make_case):
    case = make_case()
    headers = api_token(create_user("caseworker"))
    document = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for template, operations in document["paths"].items():
        path = re.sub(r"\{[a-z_]*id\}", "1", template).replace("{reference}", case.reference)
        declared = {method.upper() for method in operations}
        for method in sorted(METHODS - declared):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 405, (method, path)
            assert response.get_json()["error"]["code"] == "method_not_allowed"
            allowed = {m.strip() for m in response.headers["Allow"].split(",")}
            assert declared <= allowed, (method, path, allowed)
            checked += 1
    assert checked > 50


def test_a_page_answers_405_with_allow_too(client):
    response = client.open("/login", method="TRACE")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
