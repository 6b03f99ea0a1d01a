"""Hostile input in every field: a 4xx or a page again, never a 500, never a stored line
break in a value that ends up in a mail or calendar header.

The fields are not a hand list. Forms are found by walking the application as people
see it: each role signs in and follows the links from the home page; every page's POST
forms are read from its HTML (fields, their current values, the CSRF token), and each
field is sent with each hostile value while the others keep theirs. API fields come
from the served OpenAPI document: every operation's query parameters and request-body
properties. Each route is walked by the first role (in ROLE_ORDER) that reaches it.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from mla.auth.models import User
from mla.auth.services import create_api_token
from mla.cases.models import Case
from mla.deadlines.ical import create_feed
from mla.directory.models import Authority
from mla.notifications.letters import draft_letter
from mla.notifications.models import Letter, OutboxMessage
from tests.conftest import PASSWORD, _csrf_from

HOSTILE = {
    "nul": "ab\x00cd",
    "crlf": "Ref 1\r\nBcc: spy@example.org",
    "bidi": "abc\u202egpj.exe\u2066x\u2069",
    "nested": "[" * 2000 + "]" * 2000,
}
# Deep nesting in JSON is structural: this stand-in becomes 5,000 nested arrays in the
# body's text (the encoder itself would give up long before).
DEEP = "\ufffdDEEP\ufffd"
DEEP_TEXT = "[" * 5000 + "]" * 5000

ROLE_ORDER = ("admin", "supervisor", "caseworker", "prosecutor", "auditor", "trainee")
# Bounds that keep the walk to a couple of minutes on a loaded machine.
MAX_PAGES = 80  # per role
# Forms that end the session or are about signing in; the sign-in form is probed anonymously.
SKIPPED_ACTIONS = ("/logout", "/login")
# Values that become mail or calendar headers: a line break stored in one is a failure.
HEADER_BOUND = [(Case, "counterpart_reference"), (Letter, "subject"),
                (OutboxMessage, "subject"), (OutboxMessage, "to_address"),
                (User, "display_name")]


@dataclass
class Form:
    page: str
    action: str
    method: str = "post"
    fields: dict[str, str] = field(default_factory=dict)


# A prefixed form names its token `<prefix>-csrf_token`; any token of the session will do.
CSRF_VALUE = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"')
# An empty field gets a plain value of its HTML type, so that the hostile value in
# another field reaches the service and the database, not only the form's validators.
PLAIN = {"email": "probe@example.org", "date": "2026-01-15", "number": "1",
         "datetime-local": "2026-01-15T10:00", "time": "10:00", "url": "https://example.org",
         "tel": "+1 555 0100", "password": PASSWORD, "text": "Probe", "textarea": "Probe"}


def _plain(name: str, kind: str) -> str:
    """A plain value for an empty field: by its HTML type, or its name where the page
    renders an e-mail or web address as plain text."""
    for hint in ("email", "url"):
        if kind == "text" and hint in name:
            return PLAIN[hint]
    if kind == "text" and "website" in name:
        return PLAIN["url"]
    return PLAIN.get(kind, "")


class _FormReader(HTMLParser):
    """POST forms and same-site links of one page (the standard library's parser)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page, a["href"]))
        elif tag == "form":
            self._form = Form(self.page, urljoin(self.page, a.get("action") or self.page),
                              a.get("method", "get").lower())
        elif tag == "option" and self._form is not None and self._select is not None:
            if "selected" in a or not self._form.fields[self._select]:
                self._form.fields[self._select] = a.get("value", "")
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a or a["name"] not in self._form.fields:
                    self._form.fields[a["name"]] = a.get("value", "y")
                return
            self._form.fields.setdefault(a["name"], a.get("value") or _plain(a["name"], kind))
        elif tag == "select":
            self._select = a["name"]
            self._form.fields.setdefault(a["name"], "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.fields.setdefault(a["name"], "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.fields[self._textarea] += data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._form is not None and self._textarea is not None:
            if not self._form.fields[self._textarea]:
                self._form.fields[self._textarea] = PLAIN["textarea"]
            self._textarea = None


def _sign_in(client: Any, user: User) -> None:
    with client.session_transaction() as cookie_session:
        cookie_session.clear()
    token = _csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, f"{user.role} could not sign in"


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in {"", "http"} or parts.netloc not in {"", "localhost"}:
        return None
    if not parts.path.startswith("/") or parts.path.startswith(("/api/", "/static/")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _endpoint(app: Any, path: str, method: str = "GET") -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method=method)
    except Exception:  # a link to nowhere or a redirect rule: not walked
        return None
    return endpoint


def _walk(app: Any, client: Any, users: dict[str, User]) -> list[tuple[str, Form]]:
    """(role, form) for each distinct form, first role to find it. Each role walks on its
    own (a role sees links another does not), each route once, at most MAX_PAGES pages."""
    found: dict[tuple[str, str | None, frozenset[str]], tuple[str, Form]] = {}
    for role in ROLE_ORDER:
        _sign_in(client, users[role])
        queue, visited, walked = deque(["/"]), {"/"}, set()
        while queue and len(walked) < MAX_PAGES:
            path = queue.popleft()
            endpoint = _endpoint(app, path)
            if endpoint is None or endpoint in walked:
                continue
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                response.close()  # as a WSGI server does: a streamed export ends here
                continue
            walked.add(endpoint)
            reader = _FormReader(path)
            reader.feed(response.get_data(as_text=True))
            for form in reader.forms:
                action = _local(form.action)
                if action is None or action.startswith(SKIPPED_ACTIONS):
                    continue
                form.action = action.split("?")[0] if form.method == "get" else action
                method = "POST" if form.method == "post" else "GET"
                key = (form.method, _endpoint(app, form.action, method), frozenset(form.fields))
                found.setdefault(key, (role, form))
            for link in reader.links:
                local = _local(link)
                if local and local not in visited and not local.startswith(SKIPPED_ACTIONS):
                    visited.add(local)
                    queue.append(local)
    return list(found.values())


def _send(client: Any, form: Form, data: dict[str, str]) -> tuple[int, str]:
    try:
        if form.method == "get":
            response = client.get(form.action, query_string=data)
        else:
            response = client.post(form.action, data=data)
    except Exception as exc:  # app.testing raises what would be a 500
        return 500, f"{type(exc).__name__}: {exc}"[:300]
    return response.status_code, ""


def _stored_line_breaks(db: Any) -> list[str]:
    found = []
    for model, column in HEADER_BOUND:
        for value in db.session.execute(select(getattr(model, column))).scalars():
            if value and ("\r" in value or "\n" in value):
                found.append(f"{model.__tablename__}.{column} = {value!r}")
    return found


@pytest.fixture
def world(app_ctx, create_user, make_case, db) -> dict[str, User]:
    """One user per role and something behind each kind of page: requests both ways,
    a counterpart authority with a draft letter, an API token, a calendar feed."""
    users = {role: create_user(role) for role in ROLE_ORDER}
    office = Authority(name="Parquet", country_code="XA", kind="central_authority",
                       email="parquet@example.org", languages=["fr", "en"])
    db.session.add(office)
    db.session.commit()
    incoming = make_case(actor=users["caseworker"], counterpart_authority_id=office.id)
    make_case(actor=users["caseworker"], direction="outgoing", counterpart_reference="AX-1")
    draft_letter(incoming, "status_inquiry", actor=users["caseworker"])
    create_api_token(users["admin"], users["admin"], label="probe")
    create_feed(users["admin"])
    db.session.commit()
    return users


def test_every_form_field_survives_hostile_values(app_ctx, client, world, db):
    # Forms that are pages of their own (new, edit, settings) before the buttons on
    # another page (workflow steps, revoke): a step may close the request whose edit
    # page would otherwise be gone before it is probed.
    forms = sorted(_walk(app_ctx, client, world), key=lambda rf: rf[1].action != rf[1].page)
    failures, probed = [], set()
    for role, form in forms:
        _sign_in(client, world[role])
        for name in [n for n in form.fields if not n.endswith("csrf_token")]:
            for label, value in HOSTILE.items():
                data = {**form.fields, name: value}
                if form.method == "post":
                    page = client.get(form.page)
                    token = CSRF_VALUE.search(page.get_data(as_text=True))
                    if page.status_code != 200 or token is None:  # an earlier post removed it
                        break
                    data |= {n: token.group(1) for n in form.fields if n.endswith("csrf_token")}
                probed.add((form.method, form.action))
                status, error = _send(client, form, data)
                if status >= 500:
                    failures.append(f"{role} {form.method.upper()} {form.action} "
                                    f"{name}={label}: {status} {error}")
                if client.get("/").status_code == 302:  # signed out (a disabled account)
                    _sign_in(client, world[role])
    assert len(probed) >= 30, f"only {len(probed)} forms probed: {sorted(probed)}"
    failures += _stored_line_breaks(db)
    assert failures == []


def test_the_sign_in_form_survives_hostile_values(client, world):
    for name in ("username", "password"):
        for label, value in HOSTILE.items():
            token = _csrf_from(client.get("/login").get_data(as_text=True))
            data = {"username": world["admin"].username, "password": PASSWORD,
                    name: value, "csrf_token": token}
            status, error = _send(client, Form("/login", "/login", "post"), data)
            assert status < 500, f"{name}={label}: {error}"


# --- the API, from its document -----------------------------------------------------------


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _sample(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A plain valid-looking value for a required property (the hostile one is elsewhere)."""
    schema = _resolve(document, schema)
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return _sample(document, schema[key][0])
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    return {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {},
            "null": None}.get(kind, "x")


def _operations(document: dict[str, Any], reference: str) -> list[tuple[str, str, dict, dict]]:
    """(method, path, query fields, body properties) for every documented operation."""
    found = []
    for template, operations in document["paths"].items():
        path = re.sub(r"\{[a-z_]*id\}", "1", template).replace("{reference}", reference)
        for method, operation in operations.items():
            query = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
            content = operation.get("requestBody", {}).get("content", {})
            schema = _resolve(document, content.get("application/json", {}).get("schema", {}))
            found.append((method.upper(), path, query, schema))
    return found


def _base_body(client: Any, headers: dict[str, str], document: dict[str, Any],
               body_schema: dict[str, Any], reference: str) -> dict[str, Any]:
    """A body that could pass, so that the hostile value in one property reaches the
    service: the request as the API shows it now (its current version, a known country
    and legal basis) for every property it shares with the body, plain samples for the
    required rest."""
    shown = client.get(f"/api/v1/cases/{reference}", headers=headers).get_json()
    properties = body_schema.get("properties", {})
    base = {name: shown[name] for name in properties
            if shown.get(name) is not None and not isinstance(shown[name], list | dict)}
    for name in body_schema.get("required", []):
        base.setdefault(name, _sample(document, properties[name]))
    return base


def test_every_api_field_survives_hostile_values(client, world, api_token, db):
    # A supervisor: every operation admits one, and the letter was drafted by someone
    # else (the drafter may not approve it).
    headers = api_token(world["supervisor"])
    document = client.get("/api/v1/openapi.json").get_json()
    reference = db.session.execute(select(Case.reference).order_by(Case.id)).scalars().first()
    failures, sent = [], 0
    for method, path, query, body_schema in _operations(document, reference):
        properties = body_schema.get("properties", {})
        targets = [("query", name) for name in query] + [("body", name) for name in properties]
        for where, name in targets:
            for label, value in [*HOSTILE.items(), ("deep", DEEP)]:
                if where == "query" and value == DEEP:
                    continue
                kwargs: dict[str, Any] = {"headers": headers}
                if where == "query":
                    kwargs["query_string"] = {name: value}
                if method != "GET":
                    base = _base_body(client, headers, document, body_schema, reference)
                    body = {**base, name: value} if where == "body" else base
                    kwargs["data"] = json.dumps(body).replace(json.dumps(DEEP), DEEP_TEXT)
                    kwargs["content_type"] = "application/json"
                sent += 1
                try:
                    response = client.open(path, method=method, **kwargs)
                except Exception as exc:  # app.testing raises a would-be 500
                    failures.append(f"{method} {path} {where}.{name}={label}: {exc!r}"[:300])
                    continue
                if response.status_code >= 500 or not response.is_json:
                    failures.append(f"{method} {path} {where}.{name}={label}: "
                                    f"{response.status_code} {response.mimetype}")
    assert sent > 100
    failures += _stored_line_breaks(db)
    assert failures == []
