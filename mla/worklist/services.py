"""Saved filters: each user's own, by name; the filters kept as the list reads them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from mla.audit.services import record_audit
from mla.auth.models import User
from mla.cases.queries import CaseFilters
from mla.core.errors import NotFound, ServiceError
from mla.extensions import db
from mla.reports.links import LIST_ARGS
from mla.worklist.models import SavedFilter

MAX_SAVED = 50
# The filters an export's audit entry keeps with their values: the list's own and the
# reports' (flags, codes, state names, days, ids). Not ``q``: it finds persons by name.
_SUMMARISED = frozenset({"direction", "kind", "state", "counterpart", "assignee", "urgent",
                         "overdue", "open", "sort", *LIST_ARGS})


def saved_filters(actor: User) -> list[SavedFilter]:
    return list(db.session.scalars(
        select(SavedFilter).where(SavedFilter.user_id == actor.id).order_by(SavedFilter.name)))


def get_filter(actor: User, filter_id: int) -> SavedFilter:
    """One of the actor's saved filters; NotFound for anyone else's."""
    return _own(actor, filter_id)


def filters_of(saved: SavedFilter) -> CaseFilters:
    """The filters a saved list keeps (its words read back from the sealed query)."""
    return CaseFilters.from_args(MultiDict(parse_qsl(saved.query)))


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


def filters_summary(filters: CaseFilters) -> dict[str, Any]:
    """The filters as an audit entry keeps them, with no personal data: the search is
    noted as a reference or as words (which may be a person's name), never written; an
    argument no list reads is counted, not named."""
    args = filters.to_args()
    summary: dict[str, Any] = {name: value[:60] for name, value in args.items()
                               if name in _SUMMARISED}
    if filters.q:
        summary["q"] = "reference" if filters.exact_reference() else "words"
    others = len([name for name in args if name not in _SUMMARISED and name != "q"])
    if others:
        summary["other"] = others
    return summary


def record_export(actor: User, fmt: str, *, listed: str, filters: CaseFilters | None = None,
                  rows: int | None = None, references: list[str] | None = None) -> None:
    """An export of requests, in the audit trail (a bulk disclosure): which list, the
    format, the filters (``filters_summary``) or the references of a selection, and the
    rows: their number, or "streamed" for a whole list read after this entry is
    committed (one commit per request: the entry cannot wait for the last row)."""
    details: dict[str, Any] = {"list": listed, "format": fmt,
                               "rows": "streamed" if rows is None else rows}
    if filters is not None:
        details["filters"] = filters_summary(filters)
    if references is not None:
        details["references"] = references
    record_audit(actor, "cases.export", object_type="cases", object_id="", **details)
