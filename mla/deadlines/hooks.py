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

from mla.deadlines import services
from mla.deadlines.rules import load_rules
from mla.workflow.hooks import NO_ARGUMENT, Argument, TransitionContext, effect

# The rule codes workflow files may use. The rules file (mla/data/deadlines/)
# must define every one of them; tests check that both lists agree.
RULE_CODES: tuple[str, ...] = (
    "ece_provisional_arrest",
    "ece_surrender_takeover",
    "ece_ap3_consent_notice",
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
)


class UnknownRuleCode(ValueError):
    """A workflow named a deadline rule that the rules file does not define."""


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


@effect("start_deadline", RULE_CODE)
def start_deadline_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.start_deadline(
        ctx.case, check_rule_code(arg), actor=ctx.actor, values=ctx.values, event=ctx.event
    )


@effect("stop_deadline", RULE_CODE)
def stop_deadline_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.stop_deadline(ctx.case, check_rule_code(arg), actor=ctx.actor, event=ctx.event)


@effect("pause_clocks", NO_ARGUMENT)
def pause_clocks_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.pause_clocks(ctx.case, actor=ctx.actor, reason=arg or ctx.comment or "")


@effect("resume_clocks", NO_ARGUMENT)
def resume_clocks_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.resume_clocks(ctx.case, actor=ctx.actor)


@effect("stop_all_clocks", NO_ARGUMENT)
def stop_all_clocks_effect(ctx: TransitionContext, arg: str | None) -> None:
    services.stop_all_clocks(ctx.case, actor=ctx.actor)
