"""How the sandbox answers other domains' signals: each trainee on their own copy.

- ``case_scope`` (cases): a trainee sees the requests of their copy only.
- ``case_registered`` (cases): a request a trainee registers joins their copy.
- ``user_created`` (auth): a trainee account, however made (the class list, the
  admin page, ``users create --role trainee``), gets a fresh copy of the loaded
  scenario at once.

Outside a sandbox every receiver answers None and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from mla.auth.models import User
from mla.auth.signals import user_created
from mla.cases.models import Case
from mla.cases.signals import case_registered, case_scope
from mla.persons.services import relink
from mla.sandbox import copies
from mla.sandbox.scenario import give_copy
from mla.settings import current_settings


def _in_sandbox() -> bool:
    return current_settings().is_sandbox


@case_scope.connect
def trainee_scope(actor: Any, **_kwargs: Any) -> ColumnElement[bool] | None:
    if not _in_sandbox():
        return None
    return copies.scope_for(actor)


@case_registered.connect
def into_the_trainees_copy(case: Case, *, actor: Any = None, **_kwargs: Any) -> None:
    if not _in_sandbox() or getattr(actor, "role", None) != copies.TRAINEE:
        return
    case.sandbox_copy_id = copies.copy_id_of(actor.id)
    relink(actor, case)  # links are looked for within the copy only


@user_created.connect
def copy_for_a_new_trainee(user: User, *, actor: Any = None, **_kwargs: Any) -> None:
    if not _in_sandbox() or user.role != copies.TRAINEE:
        return
    give_copy(actor, user)
