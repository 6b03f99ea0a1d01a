"""Workflow effects owned by deadlines.

Workflow files name these effects; the engine calls them inside the
transition's transaction. They flush, never commit.

- ``start_deadline:<rule code>``  start a clock on the case
- ``stop_deadline:<rule code>``   mark the running clock met (stopped)
- ``pause_clocks`` / ``resume_clocks``  pause and resume every pausable clock
- ``stop_all_clocks``             the request closed: every open clock stops (the
                                  engine runs it whenever a step enters a terminal state)

(``notify`` and ``letter`` belong to notifications: mla/notifications/hooks.py.)
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from flask_babel import gettext as _

from mla.cases.services import add_event
from mla.core.errors import ServiceError
from mla.deadlines import services
from mla.deadlines.models import DeadlineStatus
from mla.deadlines.rules import UnknownRuleCode, get_rule, load_rules
from mla.notifications import services as notifications
from mla.workflow.grounds import duty_after_refusal
from mla.workflow.hooks import (
    NO_ARGUMENT,
    Argument,
    TransitionContext,
    around_effects,
    effect,
    guard,
)

# The rule codes workflow files may use. The rules file (mla/data/deadlines/)
# must define every one of them; tests check that both lists agree.
RULE_CODES: tuple[str, ...] = (
    "ece_provisional_arrest",
    "ece_surrender_takeover",
    "ece_ap3_consent_notice",
    "ece_ap3_decision",
    "ece_ap3_surrender",
    "eaw_decision",
    "eaw_surrender",
    "eio_acknowledge",
    "eio_recognition",
    "eio_execution",
    "requester_deadline",
    "sla_acknowledge",
    "sla_decision",
    "outgoing_followup",
    "bilateral_provisional_arrest",
    "provisional_arrest_domestic",
    "formal_request_due",
    "supplementary_info_due",
    "aut_dedere_referral",
)

# The clock each duty a refusal ground carries starts (mla/data/grounds.toml `duty`).
DUTY_RULES: dict[str, str] = {"aut_dedere": "aut_dedere_referral"}


def known_rule_codes() -> frozenset[str]:
    """Rule codes ``start_deadline``/``stop_deadline`` accept (for workflow validation)."""
    return frozenset(load_rules())


def check_rule_code(code: str | None) -> str:
    if not code:
        raise UnknownRuleCode(
            "a deadline effect needs a rule code, e.g. start_deadline:eaw_decision")
    if code not in known_rule_codes():
        raise UnknownRuleCode(
            f"unknown deadline rule code {code!r}; known: {', '.join(sorted(known_rule_codes()))}"
        )
    return code


RULE_CODE = Argument(required=True, choices=known_rule_codes)


@around_effects
def next_due_once(ctx: TransitionContext) -> AbstractContextManager[None]:
    return services.next_due_refreshed_once(ctx.case)


@effect("start_deadline", RULE_CODE)
def start_deadline_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.start_deadline(
        ctx.case, check_rule_code(arg), actor=ctx.actor, values=ctx.values, event=ctx.event
    )


@effect("stop_deadline", RULE_CODE)
def stop_deadline_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.stop_deadline(ctx.case, check_rule_code(arg), actor=ctx.actor, event=ctx.event)


@effect("duty_clock", Argument(required=True, choices=lambda: DUTY_RULES))
def duty_clock_effect(ctx: TransitionContext, arg: str | None) -> None:
    """Start the duty's clock when the refusal's ground carries that duty
    (``duty_clock:aut_dedere``: a national was refused, UNTOC art. 16(10))."""
    if arg in DUTY_RULES and duty_after_refusal(ctx.case) == arg:
        services.start_deadline(ctx.case, DUTY_RULES[arg], actor=ctx.actor, values=ctx.values,
                                event=ctx.event)


@effect("pause_clocks", NO_ARGUMENT)
def pause_clocks_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.pause_clocks(ctx.case, actor=ctx.actor, reason=arg or ctx.comment or "")


@effect("resume_clocks", NO_ARGUMENT)
def resume_clocks_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.resume_clocks(ctx.case, actor=ctx.actor)


@effect("stop_all_clocks", NO_ARGUMENT)
def stop_all_clocks_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.stop_all_clocks(ctx.case, actor=ctx.actor)


# --- EAW: the decision clock (Framework Decision 2002/584/JHA, art. 17) -------------------

def _reasons(ctx: TransitionContext) -> str:
    return str(ctx.values.get("reasons") or ctx.comment or "").strip()


@guard("eaw_decision_extendable")
def eaw_decision_extendable(ctx: TransitionContext) -> str | None:
    """Art. 17(4): the 10- or 60-day limit can be extended once, while it runs."""
    deadline = services.open_deadline(ctx.case, "eaw_decision")
    if deadline is None:
        return _("No time limit for the decision is running: record the arrest or the "
                 "consent first")
    rule = get_rule("eaw_decision")
    if deadline.extensions >= rule.max_extensions:
        return _("The time limit for the decision has already been extended by 30 days "
                 "(art. 17(4)); it cannot be extended again")
    return None


@effect("extend_deadline", RULE_CODE)
def extend_deadline_effect(ctx: TransitionContext, arg: str | None) -> None:
    """Extend the rule's open clock as its article allows, with the step's reasons
    (e.g. EAW art. 17(4): +30 days, the issuing authority told why)."""
    deadline = services.open_deadline(ctx.case, check_rule_code(arg))
    if deadline is None:
        raise ServiceError(_("No such time limit is running on this request."),
                           code="invalid")
    services.extend_deadline(ctx.actor, deadline, reason=_reasons(ctx))


@effect("lift_deadline", RULE_CODE)
def lift_deadline_effect(ctx: TransitionContext, arg: str | None) -> None:
    """The limit no longer applies (e.g. surrender postponed, EAW art. 24): the clock is
    marked stopped, not met."""
    services.stop_deadline(ctx.case, check_rule_code(arg), actor=ctx.actor, event=ctx.event,
                           status=DeadlineStatus.STOPPED)


def rules_with_duties() -> frozenset[str]:
    return frozenset(code for code, rule in load_rules().items() if rule.overrun_duty)


@effect("remind_duty", Argument(required=True, choices=rules_with_duties))
def remind_duty_effect(ctx: TransitionContext, arg: str | None) -> None:
    """The limit cannot be met: tell whoever handles the request what the text then
    requires of them (EAW art. 17(7): inform Eurojust, giving the reasons), on the
    timeline and as a notification."""
    rule = get_rule(check_rule_code(arg))
    reasons = _reasons(ctx)
    duty = _("To do: %(duty)s", duty=rule.overrun_duty_text)
    add_event(ctx.case, ctx.actor, "duty_reminder", comment=reasons, is_internal=True,
              data={"label": duty, "rule": rule.code})
    key = f"ev:{ctx.event.id}:duty:{rule.code}" if ctx.event is not None else (
        f"case:{ctx.case.id}:v{ctx.case.version}:duty:{rule.code}")

    # Functions: each recipient reads the reminder in their own language, not the actor's.
    def subject() -> str:
        return _("%(reference)s: %(duty)s", reference=ctx.case.reference,
                 duty=rule.title_text)

    def body() -> str:
        own = _("To do: %(duty)s", duty=rule.overrun_duty_text)
        return own + ("\n\n" + _("Reasons recorded: %(reasons)s", reasons=reasons)
                      if reasons else "")

    notifications.notify_users(notifications.assignee_recipients(ctx.case), key, subject,
                               body, case=ctx.case)
