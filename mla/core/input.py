"""Odd input refused at the door, before any view or the database sees it.

A NUL byte is valid in a URL, a header, a form or JSON but in no text column: PostgreSQL
refuses it with an error the views would turn into a 500. JSON nested deeper than
any document Comity reads exhausts the parser's recursion. Both are answered 400
(JSON for the API, a page for people) by one before-request check for every
route, so no form, query string or API field has to remember it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _

from mla.core.errors import ApiError

# Deeper than any request body the API defines (a case with its offences is 4).
MAX_JSON_DEPTH = 32


def _has_nul(value: Any, depth: int = 0) -> bool:
    """Whether a parsed JSON value holds a NUL in any key or string; raises
    ValueError past MAX_JSON_DEPTH."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in key or _has_nul(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item, depth + 1) for item in value)
    return False


def _refuse(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def refuse_odd_input() -> None:
    """before_request: NUL bytes anywhere in the input, JSON nested too deeply."""
    if "\x00" in request.path:  # a reference, a token: path parts reach queries too
        raise _refuse(_("The address contains a character that is not allowed (NUL)."))
    if any("\x00" in value for _name, value in request.headers.items()):
        raise _refuse(_("A header contains a character that is not allowed (NUL)."))
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise _refuse(_("The address contains a character that is not allowed (NUL)."))
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if request.is_json:
        _check_json(request.get_data(cache=True))
        return
    for key, value in request.form.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise _refuse(_("A field contains a character that is not allowed (NUL)."))
    for upload in request.files.values():
        if "\x00" in (upload.filename or ""):
            raise _refuse(_("A file name contains a character that is not allowed (NUL)."))


def _check_json(raw: bytes) -> None:
    too_deep = _refuse(_("The JSON body is nested more than %(n)d levels deep.",
                         n=MAX_JSON_DEPTH))
    try:
        body = json.loads(raw) if raw else None
    except RecursionError:  # deeper than the parser's own limit
        raise too_deep from None
    except ValueError:
        return  # the view answers malformed JSON in its own words
    try:
        has_nul = _has_nul(body)
    except ValueError:
        raise too_deep from None
    if has_nul:
        raise _refuse(_("The body contains a character that is not allowed (NUL)."))


def init_input_guard(app: Flask) -> None:
    app.before_request(refuse_odd_input)
