"""Persons react to the request's changes (mla.cases.signals): every channel that
registers or corrects a request keeps the token index and finds possible links."""

from __future__ import annotations

from typing import Any

from flask_babel import ngettext

from mla.auth.actors import Actor
from mla.cases.models import Case
from mla.cases.signals import case_registered, case_updated
from mla.persons.services import detect_links, index_case_persons


@case_registered.connect
def on_case_registered(case: Case, actor: Actor, **_: Any) -> None:
    detect_links(actor, case, index_case_persons(case))


@case_updated.connect
def on_case_updated(case: Case, actor: Actor, changes: Any = None, **_: Any) -> list[str]:
    found = detect_links(actor, case, index_case_persons(case))
    if not found:
        return []
    return [ngettext("%(num)d possible link to another request was found.",
                     "%(num)d possible links to other requests were found.", len(found))]
