"""Read side of requests: visibility, filters, sorting, pagination.

Every page issues a fixed number of statements, whatever the number of rows:
relationships shown in lists are loaded with joins or selectin, never lazily.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import joinedload, selectinload

from mla.auth.models import User
from mla.cases import fulltext, tally
from mla.cases.models import Case, CaseEvent, Person
from mla.cases.signals import case_list_filter, case_scope
from mla.core.cache import cached_by_tables
from mla.core.clock import now
from mla.core.crypto import key_ring
from mla.core.errors import NotFound
from mla.extensions import db
from mla.settings import current_settings

SORTS = {
    "newest": (Case.created_at.desc(), Case.id.desc()),
    "oldest": (Case.created_at.asc(), Case.id.asc()),
    "reference": (Case.reference.asc(),),
    # NULLS LAST is PostgreSQL's own order for ASC, so ix_cases_next_due serves it there
    # (an `IS NULL` sort key in front, as before, made every sort=due read the whole table).
    "due": (Case.next_due_at.asc().nulls_last(), Case.id.asc()),
    "updated": (Case.updated_at.desc(), Case.id.desc()),
}
# The keyset each sort pages by: (column, ascending?) pairs, the last one unique.
KEYSETS: dict[str, tuple[tuple[Any, bool], ...]] = {
    "newest": ((Case.created_at, False), (Case.id, False)),
    "oldest": ((Case.created_at, True), (Case.id, True)),
    "reference": ((Case.reference, True),),
    "due": ((Case.next_due_at, True), (Case.id, True)),
    "updated": ((Case.updated_at, False), (Case.id, False)),
}
MAX_PER_PAGE = 200
# A page number past this shows an empty page: an OFFSET must stay within the database's
# integers (a tampered page=10**30 was a 500 on both databases).
MAX_PAGE = 1_000_000
# Past this many matches a list says "more than 1,000" instead of counting them all:
# nobody pages through a thousand requests, they narrow the filters.
COUNT_LIMIT = 1000
# Shorter search terms match whole references only (CONTRACT v1.1: any part of at
# least 4 characters); trigram indexes need 3 characters to help at all.
MIN_PART = 4
# The arguments the list reads itself; the others go to ``case_list_filter``'s receivers.
# ``search`` is the handle of a kept search (mla/cases/searches.py), read by the pages.
OWN_ARGS = frozenset({"q", "direction", "kind", "state", "counterpart", "assignee", "urgent",
                      "overdue", "open", "sort", "page", "per_page", "cursor", "search"})
REFERENCE_RE = re.compile(r"(MLA|EXT)-(IN|OUT)-\d{4}-\d{5}")


def visible_cases(actor: User) -> Select[Case]:
    """Deny by default: prosecutors see their authority's requests only; other domains
    narrow it further through ``case_scope`` (a sandbox trainee: their own copy)."""
    stmt = select(Case)
    for _receiver, condition in case_scope.send(actor):
        if condition is not None:
            stmt = stmt.where(condition)
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
    # Other domains' filters (``case_list_filter``), as (name, value) pairs.
    more: tuple[tuple[str, str], ...] = ()

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
            urgent=is_set(args.get("urgent")),
            overdue=is_set(args.get("overdue")),
            open_only=is_set(args.get("open")),
            sort=sort if sort in SORTS else "newest",
            more=other_args(args),
        )

    def to_args(self) -> dict[str, str]:
        """The query-string arguments ``from_args`` reads back into these filters (only
        the ones set): links, saved filters and redirects carry filters this way."""
        args = {"q": self.q, "direction": self.direction, "kind": self.kind,
                "state": self.state, "counterpart": self.counterpart,
                "assignee": self.assignee, "urgent": "1" if self.urgent else "",
                "overdue": "1" if self.overdue else "", "open": "1" if self.open_only else "",
                "sort": "" if self.sort == "newest" else self.sort}
        args.update(dict(self.more))
        return {name: value for name, value in args.items() if value}

    def exact_reference(self) -> str | None:
        """The reference ``q`` names whole (any case, spaces around ignored), if it does."""
        term = self.q.strip().upper()
        return term if REFERENCE_RE.fullmatch(term) else None


def is_set(value: Any) -> bool:
    """A ticked filter, as a form sends it ("on", "1") or an API client ("true", "yes"):
    the values marshmallow's Boolean reads as true, so page and API agree."""
    return isinstance(value, str) and value.strip().lower() in {"1", "on", "true", "t", "y",
                                                                 "yes"}


def other_args(args: Any) -> tuple[tuple[str, str], ...]:
    """The query arguments the list does not read itself (bounded: a link, not a file)."""
    return tuple(sorted((str(name), str(value)[:100]) for name, value in args.items()
                        if name not in OWN_ARGS and isinstance(value, str)))[:30]


def filtered_cases(actor: User, filters: CaseFilters) -> Select[Case]:
    stmt = visible_cases(actor)
    if filters.more:
        for _receiver, condition in case_list_filter.send(actor, args=dict(filters.more)):
            if condition is not None:
                stmt = stmt.where(condition)
    if filters.q:
        term = filters.q.strip()
        if REFERENCE_RE.fullmatch(term.upper()):
            # A whole reference: one indexed lookup, no scan of the titles.
            stmt = stmt.where(Case.reference == term.upper())
        else:
            stmt = stmt.where(or_(*_text_matches(term)))
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


def _text_matches(term: str) -> list[ColumnElement[bool]]:
    """What `q` matches, as conditions each served by an index (trigram on PostgreSQL,
    FTS5 on SQLite), so the planner may combine them (BitmapOr) or walk the sort's index
    and filter.

    The persons' requests are looked up first and passed as ids: a subquery inside the
    OR became a SubPlan that no index serves, and every rare term scanned the table.
    """
    named = db.session.scalars(select(Person.case_id).where(
        # A person's exact name, through the keyed blind index (names are encrypted).
        Person.name_index.in_(key_ring().blind_indexes(term, purpose="person.name"))
    ).limit(COUNT_LIMIT)).all()
    matches: list[ColumnElement[bool]] = [
        Case.reference == term.upper(),
        Case.counterpart_reference == term,
    ]
    if named:
        matches.append(Case.id.in_(named))
    if len(term) >= fulltext.MIN_LENGTH and db.session.get_bind().dialect.name == "sqlite":
        # SQLite: the FTS5 trigram table finds the matches (mla/cases/fulltext.py). Up to
        # COUNT_LIMIT of them go in as ids, as the persons' do: fetched by primary key and
        # sorted, a few rows. More is a common term ("fraud"): reading the sort's index in
        # order with the LIKEs below as a filter meets a page of them within the first
        # rows, where fetching and sorting every match (or an FTS probe per row) would not.
        found = db.session.scalars(fulltext.matching_rowids(
            term, by_part=len(term) >= MIN_PART).limit(COUNT_LIMIT + 1)).all()
        if len(found) <= COUNT_LIMIT:
            if found:
                matches.append(Case.id.in_(found))
            return matches
    if len(term) >= 3:
        matches.append(Case.title_search.contains(term.casefold(), autoescape=True))
    if len(term) >= MIN_PART:
        matches.append(Case.reference.contains(term.upper(), autoescape=True))
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches.append(Case.counterpart_reference.ilike(f"%{escaped}%", escape="\\"))
    return matches


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    # Exact up to COUNT_LIMIT (or always, when asked for); past it, COUNT_LIMIT + 1.
    total: int
    is_exact: bool = True
    has_more: bool = False
    next_cursor: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.has_more


def parse_page_args(args: Any, default_per_page: int = 50) -> tuple[int, int]:
    def _int(name: str, default: int) -> int:
        try:
            return int(args.get(name, default))
        except (TypeError, ValueError):
            return default

    page = min(MAX_PAGE, max(1, _int("page", 1)))
    per_page = min(MAX_PER_PAGE, max(1, _int("per_page", default_per_page)))
    return page, per_page


class BadCursor(ValueError):
    """A `cursor` this list did not hand out (or for another sort)."""


def encode_cursor(sort: str, case: Case) -> str:
    values = []
    for column, _ascending in KEYSETS[sort]:
        value = getattr(case, column.key)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    raw = json.dumps([sort, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, values = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise BadCursor(cursor) from None
    keyset = KEYSETS[sort]
    if cursor_sort != sort or not isinstance(values, list) or len(values) != len(keyset):
        raise BadCursor(cursor)
    parsed: list[Any] = []
    for (column, _ascending), value in zip(keyset, values, strict=True):
        if value is not None and column.key.endswith("_at"):
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise BadCursor(cursor) from None
        elif value is not None and not isinstance(value, int | str):
            raise BadCursor(cursor)
        parsed.append(value)
    return parsed


def _after(sort: str, values: list[Any]) -> ColumnElement[bool]:
    """Rows after ``values`` in ``sort``'s order (NULLs last), as index range conditions."""
    condition: ColumnElement[bool] = false()
    # Built from the last key outwards: (a, b) > (x, y) is a > x OR (a = x AND b > y).
    for (column, ascending), value in reversed(list(zip(KEYSETS[sort], values, strict=True))):
        if value is None:
            # Only the NULLs after this one: NULLs sort last and compare equal here.
            condition = and_(column.is_(None), condition)
            continue
        beyond = column > value if ascending else column < value
        if column is Case.next_due_at:
            beyond = or_(beyond, column.is_(None))
        condition = or_(beyond, and_(column == value, condition))
    return condition


def _bounded_count(stmt: Select[Case], exact: bool) -> tuple[int, bool]:
    """The matching rows, counted exactly or only up to COUNT_LIMIT + 1.

    The exact count of every request, for a reader who sees them all and filters
    nothing, is the tally the triggers keep (mla/cases/tally.py). Any other exact count
    is ``count(*)`` on the table itself: with the visibility map set (autovacuum; the
    bench's load runs VACUUM ANALYZE) PostgreSQL answers it with an index-only scan of
    the narrowest index that serves the filters, not the heap.
    """
    unordered = stmt.order_by(None)
    if exact and unordered.whereclause is None and \
            unordered.get_final_froms() == [Case.__table__]:
        # Every request, nothing filtered: the number the triggers keep (mla/cases/tally.py).
        return tally.total(), True
    if exact:
        counted = unordered.with_only_columns(func.count(), maintain_column_froms=True)
    else:
        counted = select(func.count()).select_from(
            unordered.with_only_columns(Case.id).limit(COUNT_LIMIT + 1).subquery())
    total = db.session.scalar(counted) or 0
    return total, exact or total <= COUNT_LIMIT


def case_page(actor: User, filters: CaseFilters, page: int, per_page: int, *,
              exact_total: bool = False, cursor: str | None = None) -> Page:
    """One page of the list, by ``page`` number or after ``cursor`` (keyset, any depth).

    The count reads at most COUNT_LIMIT + 1 index entries unless ``exact_total``.
    Raises BadCursor for a cursor this list did not hand out.
    """
    stmt = filtered_cases(actor, filters)
    total, is_exact = _bounded_count(stmt, exact_total)
    # The assignee's name, not their authority (User.authority is joined by default, its
    # state with it): two joins and two objects per row that neither the list nor the
    # API shows; read on access if anything does.
    listed = stmt.options(joinedload(Case.assignee).lazyload(User.authority),
                          joinedload(Case.country)) \
        .order_by(*SORTS[filters.sort]).limit(per_page + 1)
    if cursor:
        listed = listed.where(_after(filters.sort, decode_cursor(filters.sort, cursor)))
    else:
        listed = listed.offset((page - 1) * per_page)
    rows = list(db.session.scalars(listed).unique().all())
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = encode_cursor(filters.sort, rows[-1]) if has_more else None
    return Page(rows, page, per_page, total, is_exact, has_more, next_cursor)


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
        raise NotFound(_("No request with that reference is visible to you."))
    return case


def find_visible_reference(actor: User, reference: str) -> bool:
    """Whether ``reference`` names a request the actor may see (one indexed lookup)."""
    stmt = visible_cases(actor).where(Case.reference == reference.upper())
    return db.session.scalar(stmt.with_only_columns(Case.id).limit(1)) is not None


def dashboard_counts(actor: User) -> dict[str, int]:
    """Open, urgent, overdue and own requests, each counted through its own index and
    only up to COUNT_LIMIT + 1 (the panel shows "1000+").

    One statement, four scalar subqueries: a single scan of every open row with four
    FILTERs (as before) read the whole table on every home page.
    """
    open_cases = visible_cases(actor).where(Case.is_closed.is_(False))

    def count(*conditions: ColumnElement[bool], order_by: Any = None) -> Any:
        matching = open_cases.where(*conditions).with_only_columns(Case.id)
        if order_by is not None:
            matching = matching.order_by(order_by)
        return select(func.count()).select_from(
            matching.limit(COUNT_LIMIT + 1).subquery()).scalar_subquery()

    row = db.session.execute(select(
        count(true()), count(Case.is_urgent.is_(True)),
        # In due order, read from ix_cases_open_due alone: unordered, PostgreSQL took the
        # overdue requests for spread evenly through the table and scanned it until it
        # had found COUNT_LIMIT + 1 (every closed request first: they are the older).
        count(Case.next_due_at < now(), order_by=Case.next_due_at),
        count(Case.assignee_id == actor.id),
    )).one()
    return {"open": row[0], "urgent": row[1], "overdue": row[2], "mine": row[3]}


def assignable_roles() -> tuple[str, ...]:
    """Trainees take requests only in a training sandbox: elsewhere they change nothing."""
    staff = ("caseworker", "supervisor", "admin")
    return (*staff, "trainee") if current_settings().is_sandbox else staff


def staff_choices() -> list[tuple[int, str]]:
    """Who a request can be assigned to (cached per process: shared, never modify)."""
    return _staff_choices(assignable_roles())


@cached_by_tables("users")
def _staff_choices(roles: tuple[str, ...]) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.display_name)
        .where(User.role.in_(roles), User.is_enabled.is_(True))
        .order_by(User.display_name)
    ).all()
    return [(row.id, row.display_name) for row in rows]
