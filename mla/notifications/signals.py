"""Signals owned by notifications: other domains add to letters here.

Notifications never imports the domains that answer (deadlines); they connect
their receivers in their own hooks.

- ``letter_context``: asked while a letter is rendered. ``sender`` is the Case;
  keyword arguments ``deadline`` (the clock the letter is about, or None) and
  ``values`` (the step's fields). A receiver returns a dict of template variables
  (or None).
- ``letter_sends_at_once``: asked when a letter is drafted. ``sender`` is the
  template code; keyword argument ``deadline`` (or None). A receiver returns True
  when an admin's setting lets this letter go without a second person's approval;
  without a receiver saying so, the letter waits for approval.
- ``letter_approved``: sent when a letter is approved (by a person, or released at once),
  in the same transaction. ``sender`` is the Letter; keyword arguments ``actor`` and
  ``approver`` (the User, or None when released without one). Documents answers: it
  keeps the letter as DOCX and PDF on the letterhead.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

_signals = Namespace()

letter_context = _signals.signal("letter-context")
letter_sends_at_once = _signals.signal("letter-sends-at-once")
letter_approved = _signals.signal("letter-approved")


def extra_letter_context(case: Any, deadline: Any, values: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for _receiver, answer in letter_context.send(case, deadline=deadline, values=values):
        context.update(answer or {})
    return context


def sends_at_once(code: str, deadline: Any) -> bool:
    return any(answer for _receiver, answer in letter_sends_at_once.send(code,
                                                                         deadline=deadline))
