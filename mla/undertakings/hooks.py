"""Workflow hooks of conditions and assurances: the grant waits for every required
assurance (ECE art. 11 ...), a surrender keeps what the person was surrendered for
(speciality), a referral after refusal opens its record (UNTOC art. 16(10))."""

from __future__ import annotations

from datetime import date
from typing import Any

from mla.core.clock import now
from mla.documents.signals import documents_leaving
from mla.undertakings.services import (
    grant_blockers,
    leaving_limitations,
    open_referral,
    record_speciality,
    speciality_of,
)
from mla.workflow.grounds import chosen_ground
from mla.workflow.hooks import NO_ARGUMENT, TransitionContext, effect, guard

# The step's date field that says when the person was handed over, by workflow.
SURRENDER_DATE_FIELDS = ("surrendered_on", "received_on")


@guard("required_assurances_sufficient")
def required_assurances_sufficient(ctx: TransitionContext) -> str | None:
    """Blocks the grant while a required assurance is missing, unassessed or assessed
    insufficient; the reason names the article that requires it."""
    reasons = grant_blockers(ctx.case)
    return " ".join(reasons) if reasons else None


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return now().date()


@documents_leaving.connect
def warn_limited_documents_leaving(case: Any, documents: list[Any], way: str,
                                   **_kw: Any) -> dict[int, list[str]]:
    """Documents about to leave (the exchange's package): the use limitations still in
    force on them (UNTOC art. 18(19)/(20)), for the caseworker to read first."""
    return leaving_limitations(documents)


@effect("record_speciality", NO_ARGUMENT)
def record_speciality_effect(ctx: TransitionContext, arg: str | None) -> None:
    """At surrender: what the person was surrendered for, from the request's offences."""
    if speciality_of(ctx.case) is not None or not ctx.case.offences:
        return
    given = next((ctx.values[f] for f in SURRENDER_DATE_FIELDS if ctx.values.get(f)), None)
    record_speciality(ctx.actor, ctx.case, surrendered_on=_day(given or now().date()))


@effect("open_aut_dedere_referral", NO_ARGUMENT)
def open_aut_dedere_referral_effect(ctx: TransitionContext, arg: str | None) -> None:
    """The referral for prosecution after a refusal: its record, for the report back."""
    found = chosen_ground(ctx.case)
    open_referral(ctx.actor, ctx.case, authority_id=ctx.values.get("executing_authority_id"),
                  referred_on=now().date(), refusal_ground=found.code if found else "")
