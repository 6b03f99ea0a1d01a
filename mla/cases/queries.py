"""Read side of requests: visibility, filters, sorting, pagination.

Every page issues a fixed number of statements, whatever the number of rows:
relationships shown in lists are loaded with joins or selectin, never lazily.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from mla.auth.models import User
from mla.cases.models import Case, CaseEvent, Person
from mla.core.clock import now
from mla.core.crypto import key_ring
from mla.core.errors import NotFound
from mla.extensions import db

SORTS = {
    "newest": (Case.created_at.desc(), Case.id.desc()),
    "oldest": (Case.created_at.asc(), Case.id.asc()),
    "reference": (Case.reference.asc(),),
    "due": (Case.next_due_at.is_(None), Case.next_due_at.asc(), Case.id.asc()),
    "updated": (Case.updated_at.desc(), Case.id.desc()),
}
MAX_PER_PAGE = 200
REFERENCE_RE = re.compile(r"(MLA|EXT)-(IN|OUT)-\d{4}-\d{5}")


def visible_cases(actor: User) -> Select[tuple[Case]]:
    """Deny by default: prosecutors see their authority's requests only."""
    stmt = select(Case)
    if actor.role == "prosecutor":
        if actor.authority_id is None:
            return stmt.where(Case.id.is_(None))
        return stmt.where(Case.domestic_authority_id == actor.authority_id)
    if actor.role in {"admin", "supervisor", "caseworker", "trainee", "auditor"}:
        return stmt
    return stmt.where(Case.id.is_(None))


@dataclass
class CaseFilters:
    q: str = ""
    direction: str = ""
    kind: str = ""
    state: str = ""
    counterpart: str = ""
    assignee: str = ""  # a user id, 'me' or 'none'
    urgent: bool = False
    overdue: bool = False
    open_only: bool = False
    sort: str = "newest"

    @classmethod
    def from_args(cls, args: Any) -> CaseFilters:
        sort = args.get("sort", "newest")
        return cls(
            q=args.get("q", "").strip()[:100],
            direction=args.get("direction", ""),
            kind=args.get("kind", ""),
            state=args.get("state", "").strip()[:60],
            counterpart=args.get("counterpart", "").strip().upper()[:2],
            assignee=args.get("assignee", "").strip()[:12],
            urgent=args.get("urgent") in {"1", "on", "true"},
            overdue=args.get("overdue") in {"1", "on", "true"},
            open_only=args.get("open") in {"1", "on", "true"},
            sort=sort if sort in SORTS else "newest",
        )


def filtered_cases(actor: User, filters: CaseFilters) -> Select[tuple[Case]]:
    stmt = visible_cases(actor)
    if filters.q:
        term = filters.q.strip()
        if REFERENCE_RE.fullmatch(term.upper()):
            # A whole reference: one indexed lookup, no scan of the titles.
            stmt = stmt.where(Case.reference == term.upper())
        else:
            # A person's exact name, through the keyed blind index (names are encrypted).
            named = select(Person.case_id).where(
                Person.name_index == key_ring().blind_index(term, purpose="person.name"))
            stmt = stmt.where(or_(
                Case.reference == term.upper(),
                Case.counterpart_reference == term,
                Case.title_search.contains(term.casefold(), autoescape=True),
                Case.id.in_(named),
            ))
    if filters.direction in {"incoming", "outgoing"}:
        stmt = stmt.where(Case.direction == filters.direction)
    if filters.kind in {"mla", "extradition"}:
        stmt = stmt.where(Case.kind == filters.kind)
    if filters.state:
        stmt = stmt.where(Case.state == filters.state)
    if filters.counterpart:
        stmt = stmt.where(Case.counterpart_country == filters.counterpart)
    if filters.assignee == "me":
        stmt = stmt.where(Case.assignee_id == actor.id)
    elif filters.assignee == "none":
        stmt = stmt.where(Case.assignee_id.is_(None))
    elif filters.assignee.isdecimal():
        stmt = stmt.where(Case.assignee_id == int(filters.assignee))
    if filters.urgent:
        stmt = stmt.where(Case.is_urgent.is_(True))
    if filters.overdue:
        stmt = stmt.where(Case.next_due_at < now(), Case.is_closed.is_(False))
    if filters.open_only:
        stmt = stmt.where(Case.is_closed.is_(False))
    return stmt


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def parse_page_args(args: Any, default_per_page: int = 50) -> tuple[int, int]:
    def _int(name: str, default: int) -> int:
        try:
            return int(args.get(name, default))
        except (TypeError, ValueError):
            return default

    page = max(1, _int("page", 1))
    per_page = min(MAX_PER_PAGE, max(1, _int("per_page", default_per_page)))
    return page, per_page


def case_page(actor: User, filters: CaseFilters, page: int, per_page: int) -> Page:
    stmt = filtered_cases(actor, filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(
        stmt.options(joinedload(Case.assignee), joinedload(Case.country))
        .order_by(*SORTS[filters.sort])
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).unique().all()
    return Page(list(rows), page, per_page, total or 0)


def get_case_for(actor: User, reference: str, *, full: bool = True) -> Case:
    """A request the actor may see, with what its page shows, or NotFound."""
    stmt = visible_cases(actor).where(Case.reference == reference.upper())
    if full:
        stmt = stmt.options(
            joinedload(Case.country), joinedload(Case.instrument),
            joinedload(Case.assignee), joinedload(Case.created_by),
            joinedload(Case.counterpart_authority), joinedload(Case.domestic_authority),
            selectinload(Case.offences), selectinload(Case.measures),
            selectinload(Case.persons),
            selectinload(Case.events).joinedload(CaseEvent.actor),
        )
    case = db.session.scalars(stmt).unique().one_or_none()
    if case is None:
        # The same answer for "does not exist" and "not yours": no reference probing.
        raise NotFound("No request with that reference is visible to you.")
    return case


def dashboard_counts(actor: User) -> dict[str, int]:
    base = visible_cases(actor).where(Case.is_closed.is_(False)).subquery()
    current = now()
    row = db.session.execute(select(
        func.count(),
        func.count().filter(base.c.is_urgent.is_(True)),
        func.count().filter(base.c.next_due_at < current),
        func.count().filter(base.c.assignee_id == actor.id),
    ).select_from(base)).one()
    return {"open": row[0], "urgent": row[1], "overdue": row[2], "mine": row[3]}


def staff_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(User.role.in_(("caseworker", "supervisor", "trainee", "admin")),
               User.is_enabled.is_(True))
        .order_by(User.display_name)
    ).all()
    return [(row.id, row.display_name) for row in rows]
