"""Display helpers in one place: durations, days left, plurals, labels of codes.

Every page, notification and letter that puts a number of days or an internal code
in front of a person goes through here, so a language is translated once.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

# Outcomes of a dual-criminality check, as the check page, the timeline and the
# training list name them.
VERDICT_LABELS = {
    "satisfied": _l("Satisfied"),
    "not_satisfied": _l("Not satisfied"),
    "not_required": _l("Not required"),
    "review": _l("Needs review"),
}

# Where a message to deliver stands (the outbox), and by which channel it goes.
MESSAGE_STATUS_LABELS = {
    "pending": _l("waiting to be sent"),
    "claimed": _l("being sent"),
    "sent": _l("sent"),
    "sandboxed": _l("kept (training sandbox: never sent)"),
    "dead": _l("not delivered"),
}
MESSAGE_CHANNEL_LABELS = {"in_app": _l("in Comity"), "email": _l("e-mail")}
# A clock's status, as the request page, the dashboard and the portal show it.
DEADLINE_STATUS_LABELS = {
    "running": _l("running"),
    "paused": _l("paused"),
    "extended": _l("extended"),
    "met": _l("met"),
    "missed": _l("missed"),
    "stopped": _l("stopped"),
}


def label_in(labels: dict[str, object], code: str | None) -> str:
    """A code's label from one of the tables here; unknown codes humanised."""
    return str(labels.get(code or "", "")) or humanise(code)


def duration_days(n: int, *, business: bool = False) -> str:
    """'1 day', '3 days', '1 business day', '3 business days'."""
    if business:
        return ngettext("%(num)d business day", "%(num)d business days", n)
    return ngettext("%(num)d day", "%(num)d days", n)


def days_left(n: int, *, business: bool = False) -> str:
    """What is left of a period: '1 day left', 'due today', '2 days overdue'."""
    if n == 0:
        return _("due today")
    if n < 0:
        if business:
            return ngettext("%(num)d business day overdue", "%(num)d business days overdue", -n)
        return ngettext("%(num)d day overdue", "%(num)d days overdue", -n)
    if business:
        return ngettext("%(num)d business day left", "%(num)d business days left", n)
    return ngettext("%(num)d day left", "%(num)d days left", n)


def due_in(n: int) -> str:
    """A reminder's opening, n calendar days ahead in the reader's zone."""
    if n <= 0:
        return _("Due today")
    if n == 1:
        return _("Due tomorrow")
    return ngettext("Due in %(num)d day", "Due in %(num)d days", n)


def relative_day(n: int) -> str:
    """A day relative to an event, in words: 'on the day', '3 days before', '2 days after'
    (never 'day -3')."""
    if n == 0:
        return _("on the day")
    if n < 0:
        return ngettext("%(num)d day before", "%(num)d days before", -n)
    return ngettext("%(num)d day after", "%(num)d days after", n)


def humanise(code: str | None) -> str:
    """The last resort for a code with no label of its own: 'central_authority' ->
    'Central authority'. Prefer a real, translated label where one exists."""
    if not code:
        return ""
    text = str(code).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def verdict_label(code: str | None) -> str:
    return str(VERDICT_LABELS.get(code or "", "")) or humanise(code)
