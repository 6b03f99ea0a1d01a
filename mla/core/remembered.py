"""Reference rows a write reads several times, read once per unit of work.

A step that starts a clock asks for the same state's time zone override, country
row and counting setting from several functions; ``session.get`` alone does not
help, since the identity map holds rows weakly (a row nobody kept is read again)
and never remembers that a row is absent (no override: a query every time).
``remembered_get`` keeps both, strongly, until the unit of work ends. A flush
that adds, changes or deletes a row of a remembered model forgets that model's
rows, so a setting changed in this unit of work is read again.

Any rollback, a savepoint's included, forgets every remembered row and expires those
still in the session: after a savepoint rolls back, SQLAlchemy expires only the rows
changed in it, so a row it inserted and that was read again inside it would otherwise
stay in the identity map, and ``session.get`` would answer it without asking.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from mla.extensions import db

M = TypeVar("M")
_KEY = "core.remembered"


def remembered_get(model: type[M], key: Any) -> M | None:
    """``db.session.get(model, key)``, or what it answered earlier in this unit of work."""
    known: dict[tuple[type[Any], Any], Any] = db.session.info.setdefault(_KEY, {})
    if (model, key) not in known:
        with db.session.no_autoflush:  # reference rows: nothing pending to write first
            known[(model, key)] = db.session.get(model, key)
    found: M | None = known[(model, key)]
    return found


@event.listens_for(Session, "after_commit")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, *_args: Any) -> None:
    known: dict[tuple[type[Any], Any], Any] = session.info.pop(_KEY, None) or {}
    for row in known.values():
        if row is not None and inspect(row).persistent:
            session.expire(row)  # read again: its row may be gone with the savepoint


def _forget_model(session: Session, model: type[Any]) -> None:
    known: dict[tuple[type[Any], Any], Any] = session.info.get(_KEY) or {}
    for entry in [entry for entry in known if entry[0] is model]:
        del known[entry]


@event.listens_for(Session, "transient_to_pending")
def _forget_added(session: Session, instance: Any) -> None:
    _forget_model(session, type(instance))


@event.listens_for(Session, "before_flush")
def _forget_changed(session: Session, *_args: Any) -> None:
    if not session.info.get(_KEY):
        return
    for model in {type(obj) for group in (session.dirty, session.deleted) for obj in group}:
        _forget_model(session, model)
