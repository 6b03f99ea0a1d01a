"""The OpenAPI 3 description of /api/v1, generated from the code.

Operations come from each API view's docstring (YAML after a ``---`` line,
apispec's convention), request and response bodies from the marshmallow schemas
in ``mla.api.schemas``, and security from the access rule every view declares:
a public view needs nothing, every other one a bearer token. A view whose
docstring says nothing still appears, with its summary and the error answers,
so the document covers every route.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_operations_from_docstring
from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.routing import Rule as UrlRule

from mla.api import schemas
from mla.api.blueprint import bp
from mla.api.schemas import ListCategoryField, Penalty
from mla.core.access import public, rule_for

API_VERSION = "1"
EXTENSION_KEY = "mla.openapi"
SECURITY_SCHEME = "bearerAuth"
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_PATH_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}}

_ERRORS = {
    "400": "The body is not JSON or not an object, or the input holds a NUL byte or is "
           "nested too deeply.",
    "401": "A valid bearer token is required.",
    "403": "The token's user may not do this.",
    "404": "No such resource is visible to the token's user.",
    "409": "The change conflicts with the current state.",
    "413": "The body is too large.",
    "422": "The request is well-formed but not valid; details say why.",
}


def _penalty_property(self: Any, field: Any, **kwargs: Any) -> dict[str, Any]:
    """Fields of two types: a penalty (a positive number of months or 'life') and a list
    category (its number or its name); untyped, the document would admit any value."""
    if isinstance(field, Penalty):
        return {"oneOf": [{"type": "integer", "minimum": 1},
                          {"type": "string", "enum": ["life"]}]}
    if isinstance(field, ListCategoryField):
        return {"oneOf": [{"type": "integer"},
                          {"type": "string", "maxLength": 200, "pattern": NO_NUL}]}
    return {}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """'/api/v1/cases/<reference>' -> ('/api/v1/cases/{reference}', [its path parameter])."""
    parameters = []
    for match in _CONVERTER.finditer(rule):
        parameters.append({"in": "path", "name": match["name"], "required": True,
                           "schema": dict(_PATH_TYPES.get(match["conv"] or "",
                                                          {"type": "string"}))})
    return _CONVERTER.sub(lambda m: "{" + m["name"] + "}", rule), parameters


def api_rules(app: Flask) -> list[UrlRule]:
    prefix = bp.url_prefix or ""
    return sorted((r for r in app.url_map.iter_rules()
                   if r.rule.startswith(prefix + "/") and r.endpoint.startswith("api.")),
                  key=lambda r: r.rule)


def _operation(app: Flask, rule: UrlRule, method: str, declared: dict[str, Any],
               path_params: list[dict[str, Any]]) -> dict[str, Any]:
    view = app.view_functions[rule.endpoint]
    access = rule_for(rule.endpoint, app)
    operation = dict(declared)
    doc = (view.__doc__ or "").strip()
    operation.setdefault("summary", doc.split("\n", 1)[0].strip() or rule.endpoint)
    operation.setdefault("operationId", f"{rule.endpoint.removeprefix('api.')}_{method}")
    responses = dict(operation.get("responses") or {})
    if not any(str(code).startswith("2") for code in responses):
        # Undocumented success: described, not constrained.
        responses["200"] = {"description": "Success (see CONTRACT.md)."}
    responses = {str(code): value for code, value in responses.items()}
    is_public = access is not None and access.public
    wanted = [] if is_public else ["401", "403"]
    if path_params:
        wanted.append("404")
    if method in {"post", "put", "patch"}:
        wanted += ["400", "409", "413", "422"]  # 409: a stale version or a state change
    elif any(isinstance(p, dict) and p.get("in") == "query"
             for p in operation.get("parameters", [])):
        wanted += ["400", "422"]  # 400: a NUL byte in the query (mla.core.input)
    for code in wanted:
        responses.setdefault(code, _error(_ERRORS[code]))
    operation["responses"] = responses
    names = {p.get("name") for p in operation.get("parameters", []) if isinstance(p, dict)}
    extra = [p for p in path_params if p["name"] not in names]
    if extra:
        operation["parameters"] = [*extra, *operation.get("parameters", [])]
    operation["security"] = [] if is_public else [{SECURITY_SCHEME: []}]
    return operation


def build_spec(app: Flask) -> dict[str, Any]:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Comity API", version=API_VERSION, openapi_version="3.0.3", plugins=[plugin],
        info={"description": "Case management for mutual legal assistance and extradition. "
                             "Authenticate with `Authorization: Bearer <token>`; tokens are "
                             "made with `flask users token` or on the API tokens page."},
    )
    assert plugin.converter is not None  # set when APISpec initialised the plugin
    plugin.converter.add_attribute_function(_penalty_property)
    spec.components.security_scheme(SECURITY_SCHEME, {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=schemas.ErrorOut)
    for rule in api_rules(app):
        path, path_params = openapi_path(rule.rule)
        view = app.view_functions[rule.endpoint]
        declared = load_operations_from_docstring(view.__doc__ or "")
        operations = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            key = method.lower()
            operations[key] = _operation(app, rule, key, declared.get(key) or {}, path_params)
        spec.path(path=path, operations=operations)
    return _refuse_nul_in_strings(spec.to_dict())


# mla.core.input refuses a NUL byte in any input with a 400 before a view runs: the
# document says so on every free string, or a client (and schemathesis) would take a
# NUL for valid input.
NO_NUL = "^[^\\u0000]*$"


def _refuse_nul_in_strings(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "enum", "format"} & node.keys():
            node["pattern"] = NO_NUL
        for value in node.values():
            _refuse_nul_in_strings(value)
    elif isinstance(node, list):
        for value in node:
            _refuse_nul_in_strings(value)
    return node


def openapi_document(app: Flask | None = None) -> dict[str, Any]:
    app = app or current_app
    document = app.extensions.get(EXTENSION_KEY)
    if document is None:
        document = app.extensions[EXTENSION_KEY] = build_spec(app)
    return document


@bp.route("/openapi.json")
@public
def openapi_json() -> ResponseReturnValue:
    """The OpenAPI 3 description of this API.
    ---
    get:
      tags: [meta]
      responses:
        200:
          description: The OpenAPI document.
          content:
            application/json:
              schema:
                type: object
    """
    return jsonify(openapi_document())
