"""The exchange's workflow guard: a request received electronically goes no further
until a caseworker has confirmed what was pre-filled from the package."""

from __future__ import annotations

from flask_babel import gettext as _

from mla.exchange.models import Direction, ExchangeMessage, MessageStatus
from mla.exchange.services import request_messages
from mla.workflow.hooks import TransitionContext, guard


def step_requests(ctx: TransitionContext) -> list[ExchangeMessage]:
    """The request packages of the step's request, read once per step: the guard below
    and the status effect (mla.exchange.status) both ask."""
    if "exchange.requests" not in ctx.memo:
        ctx.memo["exchange.requests"] = request_messages(ctx.case)
    found: list[ExchangeMessage] = ctx.memo["exchange.requests"]
    return found


@guard("electronic_receipt_confirmed")
def electronic_receipt_confirmed(ctx: TransitionContext) -> str | None:
    """Holds back the first steps of an electronically received request (named in the
    incoming workflows) until it is confirmed; requests registered by hand pass."""
    if not any(m.direction == Direction.INCOMING
               and m.status == MessageStatus.AWAITING_CONFIRMATION
               for m in step_requests(ctx)):
        return None
    return _("Received electronically: check the pre-filled fields and documents and "
             "confirm the request first.")
