"""The served OpenAPI document: complete and valid (schemathesis runs over it in
tests/security/test_api_schema_checks.py)."""

from __future__ import annotations

from mla.api.openapi import api_rules, openapi_path


def test_document_is_public_and_covers_every_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer"}
    assert "Error" in document["components"]["schemas"]
    for rule in api_rules(app):
        path, _ = openapi_path(rule.rule)
        assert path in document["paths"], rule.rule
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path][method.lower()]
            public = rule.endpoint in {"api.health", "api.openapi_json"}
            assert (operation["security"] == []) is public, rule.rule


def test_documented_operations_declare_their_success_schema(client):
    document = client.get("/api/v1/openapi.json").get_json()
    undocumented = [
        f"{method.upper()} {path}" for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if not any(code.startswith("2") and "content" in answer
                   for code, answer in operation["responses"].items())
    ]
    # Routes whose docstrings do not yet describe their answer (see their owners).
    assert set(undocumented) <= KNOWN_UNDOCUMENTED, undocumented


KNOWN_UNDOCUMENTED = {
    "POST /api/v1/dual-criminality",
    "GET /api/v1/cases/{reference}/deadlines",
    "GET /api/v1/cases/{reference}/transitions",
    "POST /api/v1/cases/{reference}/transitions",
}
