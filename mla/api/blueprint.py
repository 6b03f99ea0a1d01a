"""The JSON API v1 blueprint (CONTRACT.md) and what every route on it shares.

Token-only, CSRF-exempt by explicit choice. Route modules attach to ``bp``; the
api's plugin imports them before the blueprint is registered.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import gettext as _

from mla.core.access import READERS
from mla.core.errors import ApiError
from mla.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens only (the loader ignores cookies under /api/), so CSRF cannot apply.
csrf.exempt(bp)

CASE_READERS = (*READERS, "prosecutor")


def json_body() -> Any:
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "bad_request",
                       _("Send a JSON body with Content-Type application/json."))
    if not _valid_unicode(data):
        # JSON escapes can spell lone surrogates ("\ud800"), which no UTF-8 column stores.
        raise ApiError(400, "bad_request",
                       _("The body contains text that is not valid Unicode."))
    return data


def _valid_unicode(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_valid_unicode(k) and _valid_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_valid_unicode(item) for item in value)
    return True
