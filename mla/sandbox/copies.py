"""Every trainee works on their own copy of the scenario (or their team's).

A copy is a ``SandboxCopy`` row; its members are ``CopyMember`` rows; its requests
carry its id in ``cases.sandbox_copy_id``. In a sandbox a trainee sees the requests
of their copy and no other: ``scope_for`` is the condition ``visible_cases`` adds
(through the ``case_scope`` signal, ``mla.sandbox.hooks``), so every page, the API,
reports, persons and the home page apply it. A trainee without a copy sees nothing.
Trainers (and every other role) see the whole class, their own copy included (the
requests with no copy id: the trainer's demonstration copy).

Building a copy's requests is the scenario's work (``mla.sandbox.scenario``); this
module keeps who works on which copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, delete, false, select

from mla.auth.models import User
from mla.cases.models import Case
from mla.core import clock
from mla.extensions import db
from mla.sandbox.models import CopyMember, SandboxCopy

TRAINEE = "trainee"


def scope_for(actor: Any) -> ColumnElement[bool] | None:
    """The condition a trainee's requests meet (None: this actor is not narrowed)."""
    if getattr(actor, "role", None) != TRAINEE:
        return None
    actor_id = getattr(actor, "id", None)
    if actor_id is None:
        return false()
    # A subquery, not a value read here: no extra round trip, and it holds inside
    # reports' and the dashboard's joins as a plain WHERE condition.
    return Case.sandbox_copy_id.in_(
        select(CopyMember.copy_id).where(CopyMember.user_id == actor_id))


def copy_id_of(user_id: int) -> int | None:
    return db.session.scalar(select(CopyMember.copy_id).where(CopyMember.user_id == user_id))


def new_copy(users: Iterable[User]) -> SandboxCopy:
    """A new, empty copy for these users (each leaves the copy they were on)."""
    copy = SandboxCopy(created_at=clock.real_now())
    db.session.add(copy)
    db.session.flush()
    for user in users:
        _move(user.id, copy.id)
    db.session.flush()
    return copy


def _move(user_id: int, copy_id: int) -> None:
    drop_figures([user_id])
    member = db.session.get(CopyMember, user_id)
    if member is None:
        db.session.add(CopyMember(user_id=user_id, copy_id=copy_id))
    else:
        member.copy_id = copy_id


def drop_figures(user_ids: Iterable[int]) -> None:
    """Drop the report figures kept for these trainees alone (scope ``user:<id>``): they
    counted the requests of the copy they worked on, which is gone or no longer theirs.
    The table is named, not imported: the reports domain is not the sandbox's to use."""
    figures = db.metadata.tables["report_figures"]
    scopes = [f"user:{user_id}" for user_id in user_ids]
    if scopes:
        db.session.execute(delete(figures).where(figures.c.scope_key.in_(scopes)))


def members(copy_id: int) -> list[int]:
    return list(db.session.scalars(select(CopyMember.user_id)
                                   .where(CopyMember.copy_id == copy_id)))


def join(user: User, copy_id: int) -> int | None:
    """Put ``user`` on ``copy_id``; returns the copy they left when nobody is left on it
    (the caller deletes it with ``drop_copy``)."""
    left = copy_id_of(user.id)
    _move(user.id, copy_id)
    db.session.flush()
    if left is None or left == copy_id:
        return None
    remaining = db.session.scalar(select(CopyMember.user_id).where(CopyMember.copy_id == left)
                                  .limit(1))
    return left if remaining is None else None


def drop_cases(copy_id: int) -> None:
    """Delete a copy's requests and everything attached (the foreign keys cascade)."""
    db.session.flush()
    db.session.execute(delete(Case).where(Case.sandbox_copy_id == copy_id))
    db.session.expire_all()


def drop_copy(copy_id: int) -> None:
    drop_cases(copy_id)
    db.session.execute(delete(SandboxCopy).where(SandboxCopy.id == copy_id))
    db.session.flush()


def all_copies() -> list[SandboxCopy]:
    return list(db.session.scalars(select(SandboxCopy).order_by(SandboxCopy.id)))


def trainees_without_copy() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.role == TRAINEE, User.is_enabled.is_(True),
                           User.id.not_in(select(CopyMember.user_id)))
        .order_by(User.id)))


def members_by_user(user_ids: list[int]) -> dict[int, list[int]]:
    """For each user, everyone on the same copy (themselves included)."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(CopyMember.user_id, CopyMember.copy_id)).all()
    by_copy: dict[int, list[int]] = {}
    for user_id, copy_id in rows:
        by_copy.setdefault(copy_id, []).append(user_id)
    copy_of = {user_id: copy_id for user_id, copy_id in rows}
    return {u: by_copy[copy_of[u]] if u in copy_of else [u] for u in user_ids}
