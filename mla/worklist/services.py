"""Saved filters: each user's own, by name; the filters kept as the list reads them."""

from __future__ import annotations

from urllib.parse import urlencode

from flask_babel import gettext as _
from sqlalchemy import select

from mla.auth.models import User
from mla.cases.queries import CaseFilters
from mla.core.errors import NotFound, ServiceError
from mla.extensions import db
from mla.worklist.models import SavedFilter

MAX_SAVED = 50


def saved_filters(actor: User) -> list[SavedFilter]:
    return list(db.session.scalars(
        select(SavedFilter).where(SavedFilter.user_id == actor.id).order_by(SavedFilter.name)))


def _own(actor: User, filter_id: int) -> SavedFilter:
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != actor.id:
        # Another user's filter is answered as missing: nobody probes others' names.
        raise NotFound(_("No saved filter of yours has that number."))
    return saved


def _checked_name(actor: User, name: str, *, keep: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Give the filters a name."), code="invalid",
                           details={"field": "name"})
    if len(name) > 80:
        raise ServiceError(_("At most 80 characters."), code="invalid", details={"field": "name"})
    taken = db.session.scalar(select(SavedFilter.id).where(
        SavedFilter.user_id == actor.id, SavedFilter.name == name))
    if taken is not None and taken != keep:
        raise ServiceError(_("You already have filters named %(name)s.", name=name),
                           code="invalid", details={"field": "name"})
    return name


def save_filter(actor: User, name: str, filters: CaseFilters) -> SavedFilter:
    name = _checked_name(actor, name)
    if len(saved_filters(actor)) >= MAX_SAVED:
        raise ServiceError(_("At most %(num)d saved filters: delete one first.", num=MAX_SAVED),
                           code="invalid", details={"field": "name"})
    saved = SavedFilter(user_id=actor.id, name=name, query=urlencode(filters.to_args()))
    db.session.add(saved)
    db.session.flush()
    return saved


def rename_filter(actor: User, filter_id: int, name: str) -> SavedFilter:
    saved = _own(actor, filter_id)
    saved.name = _checked_name(actor, name, keep=saved.id)
    return saved


def delete_filter(actor: User, filter_id: int) -> None:
    db.session.delete(_own(actor, filter_id))
