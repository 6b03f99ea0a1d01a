"""What deadlines tell letters (``mla.notifications.signals``): the clock a letter is
about, and whether an admin let that kind of letter go without a second person."""

from __future__ import annotations

from typing import Any

from mla.deadlines.rules import get_rule
from mla.deadlines.services import calendar_of, sends_without_approval
from mla.notifications.signals import letter_context, letter_sends_at_once


@letter_context.connect
def deadline_context(case: Any, *, deadline: Any = None, **_kwargs: Any) -> dict[str, Any]:
    if deadline is None:
        return {}
    cal = calendar_of(deadline)
    return {"deadline": deadline, "rule": get_rule(deadline.rule_code),
            # Days, not text: the letter writes them in its own language.
            "due_on": cal.local_date(deadline.due_at), "start_on": deadline.start_on}


@letter_sends_at_once.connect
def released_by_setting(code: str, *, deadline: Any = None, **_kwargs: Any) -> bool:
    """Rule settings hold both kinds: a deadline's letters by rule code, the
    workflow's letters as ``letter:<template code>``."""
    if deadline is not None:
        return sends_without_approval(deadline.rule_code, get_rule(deadline.rule_code))
    return sends_without_approval(f"letter:{code}")
