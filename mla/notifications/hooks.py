"""Workflow effects owned by notifications. They flush, never commit.

- ``notify:<audience>``       assignee, supervisors, domestic_authority, counterpart
- ``letter:<template code>``  draft a letter to the counterpart authority
"""

from __future__ import annotations

from mla.notifications import letters, services
from mla.workflow.hooks import Argument, TransitionContext, effect

AUDIENCES: tuple[str, ...] = ("assignee", "supervisors", "domestic_authority", "counterpart")


def known_audiences() -> frozenset[str]:
    return frozenset(AUDIENCES)


@effect("notify", Argument(required=True, choices=known_audiences))
def notify_effect(ctx: TransitionContext, arg: str | None) -> None:
    if arg not in AUDIENCES:
        raise ValueError(f"notify needs an audience among {', '.join(AUDIENCES)}, got {arg!r}")
    services.notify_case_audience(ctx.case, arg, actor=ctx.actor, event=ctx.event,
                                  comment=ctx.comment)


@effect("letter", Argument(required=True))
def letter_effect(ctx: TransitionContext, arg: str | None) -> None:
    if not arg:
        raise ValueError("letter needs a template code, e.g. letter:status_inquiry")
    values = {**ctx.values, "comment": ctx.comment}
    letters.draft_letter(ctx.case, arg, actor=ctx.actor, values=values, event=ctx.event)
