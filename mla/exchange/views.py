"""The exchange on a request's page: transmit electronically, download the package,
confirm a request received electronically, confirm a counterpart's status update.

The panel (templates/exchange/_case_panel.html) reads ``exchange_panel(case)``; every
button posts here, and each view calls one service and goes back to the request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from mla.cases.models import Case
from mla.cases.queries import get_case_for
from mla.core.access import STAFF, allow
from mla.core.errors import ApiError, Conflict, ServiceError
from mla.exchange import status as statuses
from mla.exchange import transport
from mla.exchange.models import Direction, MessageStatus
from mla.exchange.services import (
    SEND_STEP,
    Leaving,
    awaiting_confirmation,
    confirm_imported,
    counterpart_of_authority,
    export_request,
    leaving_as,
    limited_documents,
    may_send,
    received_request,
)
from mla.extensions import db
from mla.workflow.registry import definition_for_case
from mla.workflow.services import apply_transition

bp = Blueprint("exchange", __name__)

ELECTRONIC = "electronic"


class VersionForm(FlaskForm):
    """A button's form: the CSRF token and the version of the request it was shown on."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data or "")
        except (TypeError, ValueError):
            return None


def _back(case: Case) -> ResponseReturnValue:
    return redirect(url_for("cases.detail", reference=case.reference, _anchor="exchange"))


def _refused(case: Case, exc: ApiError | str) -> ResponseReturnValue:
    """Back to the request with the reason; nothing the refused service did is kept."""
    db.session.rollback()
    if isinstance(exc, str):
        flash(exc, "danger")
    else:
        blocked = exc.details.get("blocked_by") if isinstance(exc.details, dict) else None
        flash(" ".join([exc.message, *(blocked or [])]), "danger")
    return _back(case)


def _can_transmit_electronically(case: Case) -> bool:
    transition = definition_for_case(case).transition(SEND_STEP)
    return (transition is not None and case.state in transition.sources
            and any(f.name == "channel" and ELECTRONIC in dict(f.choices)
                    for f in transition.fields))


def exchange_panel(case: Case) -> dict[str, Any]:
    """What the request page shows about the exchange (None of it when nothing applies).
    Built once per request: the banner and the panel both read it (five statements)."""
    built: dict[int, dict[str, Any]] = g.setdefault("exchange_panels", {})
    if case.id not in built:
        built[case.id] = _exchange_panel(case)
    return built[case.id]


def _exchange_panel(case: Case) -> dict[str, Any]:
    conversation = statuses.conversation_of(case)
    can_transmit = case.direction == "outgoing" and _can_transmit_electronically(case)
    counterpart = counterpart_of_authority(case.counterpart_authority_id)
    pending = []
    for message in statuses.pending_statuses(case):
        kind = statuses.status_kind(message)
        step = statuses.step_for(case, kind) if kind is not None else None
        pending.append({"message": message, "kind": kind, "step": step,
                        "text": statuses.status_text(message),
                        "target": statuses.step_label(case, step)})
    messages = statuses.messages_of(case)
    deliveries = {m.id: transport.delivery_of(m) for m in messages
                  if m.direction == Direction.OUTGOING and m.status == MessageStatus.SEALED}
    return {
        "shown": bool(conversation or can_transmit or messages),
        "conversation": conversation,
        "counterpart": counterpart,
        "can_transmit": can_transmit,
        "blocked": may_send(case) if can_transmit else None,
        "limited": limited_documents(case) if can_transmit else [],
        "awaiting_confirmation": awaiting_confirmation(case),
        "pending": pending,
        "messages": messages,
        "deliveries": deliveries,
        "form": VersionForm(version=str(case.version)),
        "INCOMING": Direction.INCOMING,
        "DELIVERED": MessageStatus.DELIVERED,
        "statuses": statuses.STATUSES,
    }


def arrived_electronically(case: Case) -> datetime | None:
    """When the package ``case`` was registered from arrived here, to the second (None: a
    request registered by hand, whose date received is a calendar day without a time)."""
    message = received_request(case)
    return message.created_at if message is not None else None


def _leaving() -> Leaving:
    """The caseworker's answer to the use-limitation warnings, from the panel's form."""
    left_out = frozenset(int(v) for v in request.form.getlist("leave_out")
                         if v.isascii() and v.isdigit())
    return Leaving(left_out=left_out, acknowledged=request.form.get("acknowledged") == "y",
                   reason=(request.form.get("reason") or "")[:2000])


def _version(case: Case) -> int | None:
    form = VersionForm()
    if not form.validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "danger")
        return None
    version = form.expected_version()
    if version is None:
        flash(_("The form is incomplete; reload the page."), "danger")
    return version


@bp.post("/requests/<reference>/exchange/transmit")
@allow(*STAFF)
def transmit(reference: str) -> ResponseReturnValue:
    """Transmit electronically: the workflow's transmit step with the secure electronic
    channel, whose effect seals the package and queues it in the same transaction."""
    case = get_case_for(current_user, reference)
    version = _version(case)
    if version is None:
        return _back(case)
    reason = may_send(case)
    if reason is not None:
        return _refused(case, reason)
    try:
        with leaving_as(_leaving()):
            apply_transition(current_user, case, SEND_STEP, expected_version=version,
                             values={"channel": ELECTRONIC})
    except (Conflict, ServiceError) as exc:
        return _refused(case, exc)
    flash(_("Queued for electronic transmission to %(authority)s; the receipt will appear "
            "on the timeline.", authority=case.counterpart_authority.name), "success")
    return _back(case)


@bp.post("/requests/<reference>/exchange/package")
@allow(*STAFF)
def download(reference: str) -> ResponseReturnValue:
    """The package as a file, for a channel other than the exchange endpoint (the same
    as `flask exchange export`)."""
    case = get_case_for(current_user, reference)
    if _version(case) is None:
        return _back(case)
    try:
        data = export_request(current_user, case, _leaving())
    except ServiceError as exc:
        return _refused(case, exc)
    name = f"{case.reference}.comity-package.jwe"
    return Response(data, mimetype="application/jose", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@bp.post("/requests/<reference>/exchange/confirm")
@allow(*STAFF)
def confirm_received(reference: str) -> ResponseReturnValue:
    """A caseworker has checked what was pre-filled from the package."""
    case = get_case_for(current_user, reference)
    if _version(case) is None:
        return _back(case)
    try:
        confirm_imported(current_user, case)
    except ServiceError as exc:
        return _refused(case, exc)
    flash(_("Confirmed: the request goes on through its workflow."), "success")
    return _back(case)


@bp.post("/requests/<reference>/exchange/status/<int:message_id>/confirm")
@allow(*STAFF)
def confirm_status(reference: str, message_id: int) -> ResponseReturnValue:
    case = get_case_for(current_user, reference)
    version = _version(case)
    if version is None:
        return _back(case)
    try:
        statuses.confirm_status(current_user, case, message_id, expected_version=version)
    except (Conflict, ServiceError) as exc:
        return _refused(case, exc)
    flash(_("Status update confirmed."), "success")
    return _back(case)
