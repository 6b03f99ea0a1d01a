"""Workflow effects for deadlines, notifications and letters.

Workflow files name these effects; the engine calls them inside the
transition's transaction. They flush, never commit.

- ``start_deadline:<rule code>``  start a clock on the case
- ``stop_deadline:<rule code>``   mark the running clock met (stopped)
- ``pause_clocks`` / ``resume_clocks``  pause and resume every pausable clock
- ``stop_all_clocks``             the request closed: every open clock stops (the
                                  engine runs it whenever a step enters a terminal state)
- ``notify:<audience>``           assignee, supervisors, domestic_authority, counterpart
- ``letter:<template code>``      draft a letter to the counterpart authority
"""

from __future__ import annotations

from mla.workflow.hooks import TransitionContext, effect

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

AUDIENCES: tuple[str, ...] = ("assignee", "supervisors", "domestic_authority", "counterpart")


class UnknownRuleCode(ValueError):
    """A workflow named a deadline rule that the rules file does not define."""


def known_rule_codes() -> frozenset[str]:
    """Rule codes ``start_deadline``/``stop_deadline`` accept (for workflow validation)."""
    try:
        from mla.deadlines.rules import load_rules
    except ImportError:  # pragma: no cover - during bootstrap only
        return frozenset(RULE_CODES)
    return frozenset(load_rules())


def known_audiences() -> frozenset[str]:
    return frozenset(AUDIENCES)


def known_letter_templates() -> frozenset[str]:
    """Template codes ``letter:<code>`` accepts (templates/letters/<code>.<lang>.txt)."""
    from mla.notifications.letters import known_letter_templates as templates

    return templates()


def check_rule_code(code: str | None) -> str:
    if not code:
        raise UnknownRuleCode(
            "a deadline effect needs a rule code, e.g. start_deadline:eaw_decision")
    if code not in known_rule_codes():
        raise UnknownRuleCode(
            f"unknown deadline rule code {code!r}; known: {', '.join(sorted(known_rule_codes()))}"
        )
    return code


@effect("start_deadline")
def start_deadline_effect(ctx: TransitionContext, arg: str | None) -> None:
    from mla.deadlines import services

    services.start_deadline(
        ctx.case, check_rule_code(arg), actor=ctx.actor, values=ctx.values, event=ctx.event
    )


@effect("stop_deadline")
def stop_deadline_effect(ctx: TransitionContext, arg: str | None) -> None:
    from mla.deadlines import services

    services.stop_deadline(ctx.case, check_rule_code(arg), actor=ctx.actor, event=ctx.event)


@effect("pause_clocks")
def pause_clocks_effect(ctx: TransitionContext, arg: str | None) -> None:
    from mla.deadlines import services

    services.pause_clocks(ctx.case, actor=ctx.actor, reason=arg or ctx.comment or "")


@effect("resume_clocks")
def resume_clocks_effect(ctx: TransitionContext, arg: str | None) -> None:
    from mla.deadlines import services

    services.resume_clocks(ctx.case, actor=ctx.actor)


@effect("stop_all_clocks")
def stop_all_clocks_effect(ctx: TransitionContext, arg: str | None) -> None:
    from mla.deadlines import services

    services.stop_all_clocks(ctx.case, actor=ctx.actor)


@effect("notify")
def notify_effect(ctx: TransitionContext, arg: str | None) -> None:
    if arg not in AUDIENCES:
        raise ValueError(f"notify needs an audience among {', '.join(AUDIENCES)}, got {arg!r}")
    from mla.notifications import services

    services.notify_case_audience(ctx.case, arg, actor=ctx.actor, event=ctx.event,
                                  comment=ctx.comment)


@effect("letter")
def letter_effect(ctx: TransitionContext, arg: str | None) -> None:
    if not arg:
        raise ValueError("letter needs a template code, e.g. letter:status_inquiry")
    from mla.notifications import letters

    values = {**ctx.values, "comment": ctx.comment}
    letters.draft_letter(ctx.case, arg, actor=ctx.actor, values=values, event=ctx.event)
