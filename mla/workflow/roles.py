"""Roles in plain words, for 'only a supervisor can ...' messages and the diagram."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("an administrator"),
    "supervisor": _l("a supervisor"),
    "caseworker": _l("a caseworker"),
    "prosecutor": _l("the prosecutor or judge"),
    "trainee": _l("a trainee"),
    "auditor": _l("an auditor"),
    "system": _l("the system"),
}
# The order roles are named in: the most specific first.
_ORDER = ("supervisor", "caseworker", "prosecutor", "trainee", "admin", "auditor", "system")


def ordered(roles: Iterable[str]) -> list[str]:
    given = set(roles)
    return [r for r in _ORDER if r in given] + sorted(given - set(_ORDER))


def describe_roles(roles: Iterable[str]) -> str:
    """{'supervisor', 'admin'} -> 'a supervisor or an administrator'."""
    names = [str(ROLE_LABELS.get(r, r)) for r in ordered(roles)]
    if not names:
        return _("nobody")
    if len(names) == 1:
        return names[0]
    return _("%(first)s or %(last)s", first=", ".join(names[:-1]), last=names[-1])
