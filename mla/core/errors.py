"""Errors: JSON for the API, pages for people; never a stack trace to the client."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from mla.extensions import db

API_PREFIX = "/api/"


class ApiError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class ServiceError(ApiError):
    """A business rule refused the operation (defaults to 422)."""

    def __init__(self, message: str, *, code: str = "unprocessable", status: int = 422,
                 details: Any = None) -> None:
        super().__init__(status, code, message, details)


class NotFound(ApiError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(404, "not_found", message or _("Not found."))


class Conflict(ApiError):
    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(409, "conflict", message, details)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def route_label() -> str:
    """The request for a log line: its route's pattern, never the path or the query,
    which may hold a secret (a calendar token) or a person's name (a search)."""
    rule = request.url_rule
    return f"{request.method} {rule.rule if rule is not None else '(no route)'}"


def json_error(status: int, code: str, message: str, details: Any = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = status
    return response


_TITLES = {
    400: _l("Bad request"),
    401: _l("Sign-in required"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Cannot be processed"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Busy"),
}


def _title(status: int) -> str:
    return str(_TITLES.get(status, _l("Error")))


def _http_message(exc: HTTPException) -> str:
    """What to tell a person: the view's own words (abort(404, description=_(...))),
    else the status in the reader's language (werkzeug's defaults are English only)."""
    default = type(exc).description
    if exc.description and exc.description != default:
        return exc.description
    return _title(exc.code or 500) + "."


def _page(status: int, message: str) -> tuple[str, int]:
    title = _title(status)
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status


def error_response(status: int, code: str, message: str) -> Response:
    """An error outside a view (the transaction boundary's): JSON for the API, else
    Comity's error page, in the reader's language."""
    if is_api_request():
        return json_error(status, code, message)
    body, _status = _page(status, message)
    return Response(body, status=status, mimetype="text/html")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Any:
        if is_api_request():
            return json_error(exc.status, exc.code, exc.message, exc.details)
        return _page(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        if is_api_request():
            return json_error(400, "csrf", _("CSRF token missing or invalid."))
        return _page(400, _("The form expired or was sent from elsewhere. Go back, reload the "
                            "page and try again."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        if is_api_request():
            code = (exc.name or "error").lower().replace(" ", "_")
            response = json_error(status, code, _http_message(exc))
        else:
            own = exc.description if exc.description != type(exc).description else ""
            response = app.make_response(_page(status, own or ""))
        # The exception's own headers: Allow on a 405 (RFC 9110 requires it),
        # Retry-After on a 429, WWW-Authenticate on a 401.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if app.testing:
            raise exc  # a 500 is a bug: let the test see it
        app.logger.exception("unhandled error on %s", route_label())
        # A failed statement or flush leaves the session unusable until rolled back, and
        # the error page reads the signed-in user (and its language): roll back first,
        # or the page itself fails and the server answers with its bare English one.
        db.session.rollback()
        if is_api_request():
            return json_error(500, "internal", _("Internal error; it has been logged."))
        return _page(500, _("The error has been logged. Your last change was not saved."))
