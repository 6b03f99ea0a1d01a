"""The exchange's workflow guard: a request received electronically goes no further
until a caseworker has confirmed what was pre-filled from the package."""

from __future__ import annotations

from flask_babel import gettext as _

from mla.exchange.services import awaiting_confirmation
from mla.workflow.hooks import TransitionContext, guard


@guard("electronic_receipt_confirmed")
def electronic_receipt_confirmed(ctx: TransitionContext) -> str | None:
    """Holds back the first steps of an electronically received request (named in the
    incoming workflows) until it is confirmed; requests registered by hand pass."""
    if awaiting_confirmation(ctx.case) is None:
        return None
    return _("Received electronically: check the pre-filled fields and documents and "
             "confirm the request first.")
