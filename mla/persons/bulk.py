"""Links between requests found for many new requests at once (a register import).

``detect_links`` (mla.persons.services) looks for one request's links at a time: five
statements or more per request. A register of 100,000 rows cannot afford that, so
``detect_links_in_bulk`` applies the same rules as two joins over every new request's
tokens and counterpart reference, and writes the links and their timeline entries by
executemany: a fixed number of statements, whatever the number of requests.

The result is what registering the new requests one by one, in id order, would have
recorded: each new request is compared with every request already on file and with the
new ones before it (of the same sandbox copy); the link is the later request's finding,
so its timeline carries the ``link_found`` entry and its persons come first in the
link's ``details["persons"]`` pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import aliased

from mla.auth.actors import Actor
from mla.cases.models import Case, CaseEvent
from mla.core.clock import now
from mla.extensions import db
from mla.persons.models import REASON_ORDER, CaseLink, LinkReason, LinkStatus, PersonToken
from mla.persons.tokens import TokenKind

BATCH = 2_000
# Which requests are new: a condition on an alias of Case (e.g. an id range).
NewCases = Callable[[type[Case]], ColumnElement[bool]]


@dataclass(frozen=True)
class BulkLinks:
    """What one pass recorded: the links, and the new requests that found one."""

    links: int
    requests: int


@dataclass
class _Found:
    reasons: set[LinkReason] = field(default_factory=set)
    # (this person, other person, rank of the pair's strongest reason)
    persons: list[tuple[int, int, int]] = field(default_factory=list)

    def ordered_reasons(self) -> list[LinkReason]:
        return sorted(self.reasons, key=REASON_ORDER.index)

    def person_pairs(self) -> list[list[int]]:
        """As ``link_candidates`` lists them: this request's persons in id order, each
        one's matches strongest reason first."""
        return [[mine, theirs] for mine, theirs, _rank in
                sorted(self.persons, key=lambda p: (p[0], p[2], p[1]))]


def detect_links_in_bulk(actor: Actor, is_new: NewCases) -> BulkLinks:
    """Record the possible links of the requests ``is_new`` selects, which must have
    none yet (they were written in this transaction). Flushes; the caller commits."""
    _refresh_statistics()
    found = _person_matches(is_new)
    for this_case, other_case in _counterpart_matches(is_new):
        found[(this_case, other_case)].reasons.add(LinkReason.COUNTERPART_REFERENCE)
    if not found:
        return BulkLinks(0, 0)
    at = now()
    rows = [_link_row(this_case, other_case, entry, at)
            for (this_case, other_case), entry in sorted(found.items())]
    for batch in _batches(rows):
        db.session.execute(insert(_table(CaseLink)), batch)
    finder = {(min(this, other), max(this, other)): this for this, other in found}
    ids_by_case = _link_ids(is_new, finder)
    events = [_event(case_id, ids, actor, at) for case_id, ids in sorted(ids_by_case.items())]
    for batch in _batches(events):
        db.session.execute(insert(_table(CaseEvent)), batch)
    return BulkLinks(len(rows), len(events))


def _refresh_statistics() -> None:
    """PostgreSQL plans the joins from table statistics that know nothing of the rows
    this transaction just wrote (ANALYZE counts them: they are its own): without them
    it expects a handful of new requests and looks each spelling up in the reference's
    trigram index, minutes for 10,000 rows. SQLite's plans need no statistics here."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE cases, person_tokens"))


def _person_matches(is_new: NewCases) -> dict[tuple[int, int], _Found]:
    """Persons of a new request sharing an identifier or a name key with a person of an
    earlier request (of the same copy), with both dates of birth when both have one:
    one join of the new requests' tokens with every token, on the digest index."""
    mine, theirs = aliased(PersonToken), aliased(PersonToken)
    my_birth, their_birth = aliased(PersonToken), aliased(PersonToken)
    this, other = aliased(Case), aliased(Case)
    stmt = (
        select(mine.case_id, mine.person_id, theirs.case_id, theirs.person_id, mine.kind,
               my_birth.digest, their_birth.digest)
        .join(this, this.id == mine.case_id)
        .join(theirs, and_(theirs.digest == mine.digest, theirs.kind == mine.kind,
                           theirs.case_id != mine.case_id))
        .join(other, other.id == theirs.case_id)
        .outerjoin(my_birth, and_(my_birth.person_id == mine.person_id,
                                  my_birth.kind == TokenKind.DATE_OF_BIRTH))
        .outerjoin(their_birth, and_(their_birth.person_id == theirs.person_id,
                                     their_birth.kind == TokenKind.DATE_OF_BIRTH))
        .where(is_new(this),
               mine.kind.in_([TokenKind.IDENTIFIER, TokenKind.NAME_KEY]),
               _earlier(other, this, is_new),
               other.sandbox_copy_id.is_not_distinct_from(this.sandbox_copy_id)))
    found: dict[tuple[int, int], _Found] = defaultdict(_Found)
    pairs: dict[tuple[int, int], tuple[int, int, set[LinkReason]]] = {}
    for case_id, person_id, other_case_id, other_person_id, kind, born, other_born in \
            db.session.execute(stmt):
        reason = _reason(kind, born, other_born)
        if reason is None:
            continue
        entry = pairs.setdefault((person_id, other_person_id),
                                 (case_id, other_case_id, set()))
        entry[2].add(reason)
    for (person_id, other_person_id), (case_id, other_case_id, reasons) in pairs.items():
        link = found[(case_id, other_case_id)]
        link.reasons |= reasons
        rank = min(REASON_ORDER.index(r) for r in reasons)
        link.persons.append((person_id, other_person_id, rank))
    return found


def _reason(kind: str, born: str | None, other_born: str | None) -> LinkReason | None:
    """The rule of ``mla.persons.services._reasons`` for one shared token."""
    if kind == TokenKind.IDENTIFIER:
        return LinkReason.IDENTIFIER
    if born and other_born:
        # Same name, different dates of birth: two people.
        return LinkReason.NAME_AND_DATE_OF_BIRTH if born == other_born else None
    return LinkReason.NAME


def _earlier(other: type[Case], this: type[Case],
             is_new: NewCases) -> ColumnElement[bool]:
    """``other`` was on file before ``this`` was registered: not new, or new and
    registered before it (a lower id)."""
    return or_(other.id < this.id, ~is_new(other))


def _counterpart_matches(is_new: NewCases) -> list[tuple[int, int]]:
    """(new request, earlier request) carrying the same counterpart reference from the
    same country, whatever its case: their keys (``reference_key``, computed in Python
    when each row was written) equal, as ``_same_reference`` compares them."""
    new, other = aliased(Case), aliased(Case)
    stmt = (select(new.id, other.id).distinct()
            .join(other, and_(other.counterpart_reference_key == new.counterpart_reference_key,
                              _unindexed(other.counterpart_country) == new.counterpart_country,
                              other.id != new.id))
            .where(is_new(new), new.counterpart_reference_key != literal(""),
                   _same_copy(other.sandbox_copy_id, new.sandbox_copy_id),
                   _earlier(other, new, is_new)))
    return [(case_id, other_id) for case_id, other_id in db.session.execute(stmt)]


def _unindexed(column: Any) -> ColumnElement[Any]:
    """The column's value, in a form no index serves. SQLite has no index on the
    reference and would otherwise walk the country's index (or the copy's) for every
    new request, reading all of a country's requests each time; without one, it builds
    a temporary index for the statement. PostgreSQL hashes the join either way."""
    return func.coalesce(column, literal(""))


def _same_copy(copy_id: Any, other_copy_id: Any) -> ColumnElement[bool]:
    """Both NULL (no sandbox copy) or equal, unindexed (see ``_unindexed``): copy ids
    start at 1."""
    return func.coalesce(copy_id, literal(0)) == func.coalesce(other_copy_id, literal(0))


def _link_row(this_case: int, other_case: int, entry: _Found, at: Any) -> dict[str, Any]:
    reasons = entry.ordered_reasons()
    return {"case_id": min(this_case, other_case), "other_case_id": max(this_case, other_case),
            "reason": reasons[0], "status": LinkStatus.POSSIBLE, "found_at": at,
            "details": {"reasons": [str(r) for r in reasons],
                        "persons": entry.person_pairs()},
            "decision_note": ""}


def _link_ids(is_new: NewCases, finder: dict[tuple[int, int], int]) -> dict[int, list[int]]:
    """The ids of the links just written, by the request that found them (read back in
    one statement: the executemany returned none)."""
    low, high = aliased(Case), aliased(Case)
    rows = db.session.execute(
        select(CaseLink.id, CaseLink.case_id, CaseLink.other_case_id)
        .join(low, low.id == CaseLink.case_id).join(high, high.id == CaseLink.other_case_id)
        .where(or_(is_new(low), is_new(high))).order_by(CaseLink.id))
    by_case: dict[int, list[int]] = defaultdict(list)
    for link_id, case_id, other_case_id in rows:
        by_case[finder[(case_id, other_case_id)]].append(link_id)
    return by_case


def _event(case_id: int, link_ids: list[int], actor: Actor, at: Any) -> dict[str, Any]:
    """The ``link_found`` timeline entry ``detect_links`` adds (add_event's values)."""
    return {"case_id": case_id, "at": at, "actor_id": getattr(actor, "id", None),
            "actor_label": (getattr(actor, "username", None)
                            or (actor if isinstance(actor, str) else ""))[:100],
            "kind": "link_found", "transition": None, "from_state": None, "to_state": None,
            "comment": "", "is_internal": True,
            "data": {"count": len(link_ids), "links": link_ids}}


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while batch := list(islice(it, BATCH)):
        yield batch


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)
