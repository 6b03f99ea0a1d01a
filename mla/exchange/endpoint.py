"""The exchange endpoint: ``POST /exchange/v1/inbox``, where counterparts deliver packages.

No session, no CSRF token, no sign-in: what vouches for a package is its signature by
a counterpart registered with ``exchange trust``, checked before anything is written.
A request package is registered as an incoming request awaiting confirmation, a status
update on the request it answers; either way the answer is a *receipt*: a package of
kind ``receipt`` signed by us and sealed for the sender, naming its message id and our
reference. A refused package gets a 4xx JSON answer with the refusal's code and reason,
is logged and audited, and registers nothing.

Bodies are limited to the largest package (mla.exchange.package.MAX_PACKAGE_BYTES), and
each client address to MLA_EXCHANGE_INBOX_LIMIT deliveries (the sign-in limits'
storage, MLA_RATE_LIMIT_STORAGE, is shared).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask_babel import gettext as _
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import RequestEntityTooLarge

from mla.cases.models import Case
from mla.core.access import public
from mla.core.errors import ServiceError, json_error
from mla.core.transaction import commit_even_if_refused
from mla.exchange import status as statuses
from mla.exchange import transport
from mla.exchange.package import MAX_PACKAGE_BYTES, OpenedPackage, PackageRefused, seal
from mla.exchange.services import (
    counterpart_keys,
    local_identity,
    open_received,
    record_refusal,
    register_request,
)
from mla.extensions import csrf, db
from mla.settings import Settings

bp = Blueprint("exchange_inbox", __name__)
csrf.exempt(bp)


@bp.url_value_preprocessor
def _package_sized_body(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A package may be larger than an upload (MAX_CONTENT_LENGTH): documents in base64
    three times over. Raised here, as URL preprocessors run before any before-request
    check reads the body."""
    request.max_content_length = MAX_PACKAGE_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    """Also when the body is refused before the view (the input checks): JSON, as every
    answer of the inbox."""
    return json_error(413, "too_large",
                      _("The package is larger than any exchange package can be."))

LIMITER_KEY = "mla.exchange_inbox_limiter"

# The refusal's HTTP status: what a sender's program may act on.
REFUSAL_STATUS = {
    "malformed": 400, "unsigned": 400, "tampered": 422, "expired": 422,
    "wrong_recipient": 422, "unknown_sender": 403, "replayed": 409,
}


def init_inbox_limits(app: Flask) -> None:
    """The inbox's rate limit (plugin setup): counted per client address."""
    settings: Settings = app.extensions["mla.settings"]
    app.extensions[LIMITER_KEY] = (
        MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage_uri)),
        parse_many(settings.exchange_inbox_limit))


def _over_limit() -> Response | None:
    limiter, limits = current_app.extensions[LIMITER_KEY]
    address = request.remote_addr or "unknown"
    for limit in limits:
        if not limiter.hit(limit, "exchange-inbox", address):
            reset, _remaining = limiter.get_window_stats(limit, "exchange-inbox", address)
            response = json_error(429, "too_many_requests",
                                  _("Too many deliveries from this address; try again later."))
            response.headers["Retry-After"] = str(max(1, int(reset - time.time())))
            return response
    return None


def _refused(refused: PackageRefused | ServiceError, size: int) -> Response:
    """Log and audit the refusal (in a transaction of its own: nothing else is kept)."""
    db.session.rollback()
    record_refusal(None, refused, channel="endpoint", size=size)
    commit_even_if_refused()
    if isinstance(refused, PackageRefused):
        return json_error(REFUSAL_STATUS.get(refused.code, 422), refused.code,
                          refused.reason)
    return json_error(422, refused.code or "unprocessable", refused.message)


@bp.post(transport.INBOX_PATH)
@public
def inbox() -> Response:
    limited = _over_limit()
    if limited is not None:
        return limited
    if (request.content_length or 0) > MAX_PACKAGE_BYTES:
        raise RequestEntityTooLarge()
    # One byte past the limit: a body sent without a length must not be larger either.
    data = request.stream.read(MAX_PACKAGE_BYTES + 1)
    if len(data) > MAX_PACKAGE_BYTES:
        raise RequestEntityTooLarge()
    if local_identity() is None:
        return json_error(503, "not_configured",
                          _("This authority has no exchange identity yet."))
    try:
        opened = open_received(data)
        case = _register(opened, data)
    except (PackageRefused, ServiceError) as refused:
        return _refused(refused, len(data))
    keys = counterpart_keys(opened.sender)
    identity = local_identity()
    if keys is None or identity is None:  # both checked by open_received a moment ago
        return json_error(503, "not_configured",
                          _("The exchange identity changed meanwhile; send it again."))
    receipt = seal("receipt", transport.receipt_body(opened, case), [], sender=identity,
                   recipient=keys)
    return Response(receipt, status=200, mimetype=transport.PACKAGE_MEDIA_TYPE)


def _register(opened: OpenedPackage, data: bytes) -> Case:
    if opened.kind == "request":
        return register_request(statuses.EXCHANGE_ACTOR, opened, data)
    if opened.kind == "status":
        return statuses.receive_status(opened, data)
    # A receipt is the answer to a delivery, never delivered on its own.
    raise PackageRefused("malformed", _("A receipt answers a delivery; it is not delivered "
                                        "on its own."))
