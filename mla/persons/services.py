"""The persons' token index, the person search, and links between requests.

Tokens are kept by the reactions to ``case_registered`` and ``case_updated``
(mla.persons.hooks), so every channel that creates or corrects a request (form, API,
imports, loaders) indexes its persons and looks for links in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, delete, func, inspect, or_, select
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.sql.util import ClauseAdapter

from mla.audit.services import record_audit
from mla.auth.actors import Actor
from mla.auth.models import User
from mla.cases.models import Case, Person, reference_key
from mla.cases.queries import visible_cases
from mla.cases.services import add_event, registered_in_this_transaction
from mla.core.clock import now
from mla.core.crypto import KeyRing, key_ring
from mla.core.errors import ServiceError
from mla.extensions import db
from mla.persons.models import (
    REASON_ORDER,
    CaseLink,
    CompetingDecision,
    LinkReason,
    LinkStatus,
    PersonToken,
)
from mla.persons.tokens import TokenKind, name_tokens, person_tokens, search_digests

# Kinds that, shared between two persons, suggest they are the same person.
_LINKING = (TokenKind.NAME_KEY, TokenKind.IDENTIFIER)


# -- the index -------------------------------------------------------------------------
def index_person(person: Person, ring: KeyRing | None = None, *,
                 is_new: bool = False) -> list[PersonToken]:
    """Replace a person's tokens with those of its current (decrypted) values (``is_new``:
    the person was added in this unit of work, so it has none to delete)."""
    ring = ring or key_ring()
    if not is_new:
        db.session.execute(delete(PersonToken).where(PersonToken.person_id == person.id))
    values = person.decrypted()
    rows = [PersonToken(person_id=person.id, case_id=person.case_id, kind=t.kind,
                        digest=t.digest)
            for t in person_tokens(ring, full_name=values["full_name"],
                                   date_of_birth=values["date_of_birth"],
                                   identifiers=values["identifiers"])]
    db.session.add_all(rows)
    return rows


def index_case_persons(case: Case) -> list[PersonToken]:
    """Index the request's persons; returns the tokens written. A request registered in
    this unit of work has no tokens yet: nothing to delete first."""
    is_new = registered_in_this_transaction(case)
    if not is_new:
        db.session.execute(delete(PersonToken).where(
            PersonToken.case_id == case.id,
            PersonToken.person_id.not_in([p.id for p in case.persons])))
    rows = [row for person in case.persons for row in index_person(person, is_new=is_new)]
    db.session.flush()
    return rows


def rebuild_person_index(ring: KeyRing | None = None, batch_size: int = 500,
                         progress: Callable[[int], object] | None = None) -> int:
    """Compute every person's tokens again (under ``ring``'s index key, by default the
    running ring's): after the migration that created the table, and after the
    blind-index key rotates. Flushes each batch; the caller commits. Returns the number
    of persons indexed."""
    ring = ring or key_ring()
    done = 0
    last_id = 0
    while True:
        batch = list(db.session.scalars(
            select(Person).where(Person.id > last_id).order_by(Person.id).limit(batch_size)))
        if not batch:
            return done
        for person in batch:
            index_person(person, ring)
        db.session.flush()
        done += len(batch)
        last_id = batch[-1].id
        if progress is not None:
            progress(len(batch))


# -- search ------------------------------------------------------------------------------
def _persons_with_all_tokens(words: list[str]) -> Select[int]:
    """Ids of persons indexed under every word (each word's digest under the current key
    and, during a key rotation, the previous one)."""
    ring = key_ring()
    digests = [d for w in words for d in search_digests(ring, TokenKind.NAME, w)]
    return (select(PersonToken.person_id)
            .where(PersonToken.kind == TokenKind.NAME, PersonToken.digest.in_(digests))
            .group_by(PersonToken.person_id)
            .having(func.count(func.distinct(PersonToken.digest)) >= len(words)))


def search_persons(actor: User, name: str, limit: int = 200) -> list[Person]:
    """Persons whose name holds every word of ``name`` (whole words, any order, case and
    accents ignored), on requests ``actor`` may see; newest request first."""
    words = name_tokens(name)
    if not words:
        return []
    visible = visible_cases(actor).whereclause  # on the joined request itself
    stmt = (select(Person).join(Case, Person.case_id == Case.id)
            .where(Person.id.in_(_persons_with_all_tokens(words)),
                   *([] if visible is None else [visible]))
            .options(contains_eager(Person.case))
            .order_by(Case.created_at.desc(), Person.id).limit(limit))
    return list(db.session.scalars(stmt))


def get_person_for(actor: User, person_id: int) -> Person:
    stmt = select(Person).where(Person.id == person_id,
                                Person.case_id.in_(visible_cases(actor).with_only_columns(Case.id)))
    person = db.session.scalar(stmt)
    if person is None:
        raise ServiceError(_("No person with that number is visible to you."), code="not_found",
                           status=404)
    return person


@dataclass
class Match:
    """Another person who may be this one, and why."""

    person: Person
    reasons: list[LinkReason] = field(default_factory=list)

    @property
    def reason(self) -> LinkReason:
        return min(self.reasons, key=REASON_ORDER.index)


def _tokens_of(person_ids: Iterable[int],
               known: Iterable[PersonToken] | None = None) -> dict[int, dict[str, set[str]]]:
    """The persons' tokens by kind: read, or taken from ``known`` (those just written)."""
    found: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    ids = list(person_ids)
    if not ids:
        return {}
    rows = ((t.person_id, t.kind, t.digest) for t in known) if known is not None else \
        db.session.execute(select(PersonToken.person_id, PersonToken.kind, PersonToken.digest)
                           .where(PersonToken.person_id.in_(ids)))
    for pid, kind, digest in rows:
        if pid in ids:
            found[pid][kind].add(digest)
    return found


def _reasons(mine: dict[str, set[str]], theirs: dict[str, set[str]]) -> list[LinkReason]:
    reasons = []
    if mine.get(TokenKind.IDENTIFIER, set()) & theirs.get(TokenKind.IDENTIFIER, set()):
        reasons.append(LinkReason.IDENTIFIER)
    if mine.get(TokenKind.NAME_KEY, set()) & theirs.get(TokenKind.NAME_KEY, set()):
        my_dob, their_dob = mine.get(TokenKind.DATE_OF_BIRTH), theirs.get(TokenKind.DATE_OF_BIRTH)
        if my_dob and their_dob:
            if my_dob & their_dob:
                reasons.append(LinkReason.NAME_AND_DATE_OF_BIRTH)
            # Same name, different dates of birth: two people.
        else:
            reasons.append(LinkReason.NAME)
    return reasons


def same_copy(copy_id: int | None) -> ColumnElement[bool]:
    """Requests of one sandbox copy (``cases.sandbox_copy_id``: NULL outside a sandbox and
    for the trainer's copy). Every trainee's copy names the same fictional persons, so a
    link is only ever looked for within one copy."""
    return Case.sandbox_copy_id.is_(None) if copy_id is None else Case.sandbox_copy_id == copy_id


def matching_persons(persons: list[Person], *, exclude_case_id: int | None = None,
                     copy_id: int | None = None,
                     tokens: list[PersonToken] | None = None) -> dict[int, list[Match]]:
    """For each of ``persons``, the persons on other requests (of the same sandbox copy)
    who may be the same person: indexed lookups on the shared tokens (never a decryption
    of other persons). ``tokens``: the persons' own, when the caller just wrote them."""
    mine = _tokens_of((p.id for p in persons), tokens)
    digests = {d for tokens in mine.values() for kind in _LINKING for d in tokens.get(kind, ())}
    if not digests:
        return {}
    stmt = select(PersonToken.person_id).where(PersonToken.digest.in_(digests)).distinct()
    if exclude_case_id is not None:
        stmt = stmt.where(PersonToken.case_id != exclude_case_id)
    candidate_ids = set(db.session.scalars(stmt)) - {p.id for p in persons}
    others = {p.id: p for p in db.session.scalars(select(Person).join(
        Case, Case.id == Person.case_id).where(Person.id.in_(candidate_ids),
                                               same_copy(copy_id)))} if candidate_ids else {}
    theirs = _tokens_of(set(others))
    result: dict[int, list[Match]] = {}
    for person in persons:
        matches = []
        for other_id, their_tokens in theirs.items():
            reasons = _reasons(mine.get(person.id, {}), their_tokens)
            if reasons:
                matches.append(Match(others[other_id], reasons))
        if matches:
            result[person.id] = sorted(matches, key=lambda m: (REASON_ORDER.index(m.reason),
                                                               -m.person.case_id))
    return result


def requests_about(actor: User, person: Person) -> list[Match]:
    """The other requests (visible to ``actor``) naming someone who may be this person."""
    others = [m for m in matching_persons([person], copy_id=person.case.sandbox_copy_id)
              .get(person.id, []) if m.person.case_id != person.case_id]
    if not others:
        return []
    # Only the matches' requests are checked: never every visible request's id.
    visible = set(db.session.scalars(visible_cases(actor).with_only_columns(Case.id).where(
        Case.id.in_({m.person.case_id for m in others}))))
    return [m for m in others if m.person.case_id in visible]


# -- links -------------------------------------------------------------------------------
def _counterpart_matches(case: Case) -> list[Case]:
    reference = case.counterpart_reference.strip()
    if not reference:
        return []
    return list(db.session.scalars(select(Case).where(
        Case.counterpart_country == case.counterpart_country,
        _same_reference(reference), Case.id != case.id, same_copy(case.sandbox_copy_id))))


def _same_reference(reference: str) -> ColumnElement[bool]:
    """The same counterpart reference whatever its case: its key (``reference_key``,
    computed in Python, as the register import's bulk search compares it), on the key's
    index."""
    return Case.counterpart_reference_key == reference_key(reference)


@dataclass
class Candidate:
    """Another request that may concern the same person or file, and why."""

    reasons: set[LinkReason] = field(default_factory=set)
    persons: list[list[int]] = field(default_factory=list)  # [this person, other person]

    def ordered_reasons(self) -> list[LinkReason]:
        return sorted(self.reasons, key=REASON_ORDER.index)


def link_candidates(case: Case, tokens: list[PersonToken] | None = None
                    ) -> dict[int, Candidate]:
    """Other requests (by id) that may concern the same person or file as ``case``
    (``tokens``: its persons' tokens, when the caller just wrote them)."""
    found: dict[int, Candidate] = defaultdict(Candidate)
    for person_id, matches in matching_persons(list(case.persons), exclude_case_id=case.id,
                                               copy_id=case.sandbox_copy_id,
                                               tokens=tokens).items():
        for match in matches:
            entry = found[match.person.case_id]
            entry.reasons.update(match.reasons)
            entry.persons.append([person_id, match.person.id])
    for other in _counterpart_matches(case):
        found[other.id].reasons.add(LinkReason.COUNTERPART_REFERENCE)
    return dict(found)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def detect_links(actor: Actor, case: Case,
                 tokens: list[PersonToken] | None = None) -> list[CaseLink]:
    """Record the possible links of ``case`` not yet on file (a link already confirmed
    or dismissed stays as decided; a possible one takes the new reasons). Returns the
    links found now for the first time. ``tokens``: as index_case_persons returned them."""
    new = []
    for other_id, found in link_candidates(case, tokens).items():
        low, high = _pair(case.id, other_id)
        reasons = found.ordered_reasons()
        details = {"reasons": [str(r) for r in reasons], "persons": found.persons}
        link = db.session.scalar(select(CaseLink).where(CaseLink.case_id == low,
                                                        CaseLink.other_case_id == high))
        if link is not None:
            if link.is_possible:
                link.reason, link.details = reasons[0], details
            continue
        link = CaseLink(case_id=low, other_case_id=high, reason=reasons[0], details=details,
                        status=LinkStatus.POSSIBLE, found_at=now())
        db.session.add(link)
        new.append(link)
    if new:
        db.session.flush()
        add_event(case, actor, "link_found", is_internal=True,
                  data={"count": len(new), "links": [lk.id for lk in new]})
        record_audit(actor, "case.link_found", case, links=[lk.id for lk in new])
    return new


def relink(actor: Actor, case: Case) -> list[CaseLink]:
    """The request was put in a sandbox copy after it was registered: its links still
    undecided to requests of another copy go, and links are looked for within its copy."""
    other = aliased(Case)
    stale = db.session.scalars(select(CaseLink).join(other, or_(
        (CaseLink.case_id == case.id) & (other.id == CaseLink.other_case_id),
        (CaseLink.other_case_id == case.id) & (other.id == CaseLink.case_id)))
        .where(CaseLink.status == LinkStatus.POSSIBLE,
               other.sandbox_copy_id.is_not(None) if case.sandbox_copy_id is None else
               or_(other.sandbox_copy_id.is_(None),
                   other.sandbox_copy_id != case.sandbox_copy_id))).all()
    for link in stale:
        db.session.delete(link)
    db.session.flush()
    return detect_links(actor, case)


@cache
def _link_sides() -> tuple[type[Case], type[Case]]:
    """The two requests of a link, aliased once per process: an alias built per call
    rebuilt its column collections every time (a fifth of a request page's time, which
    asks twice). Not at import: aliasing configures the mappers, and a command may
    import this module before every model is loaded."""
    return aliased(Case, name="link_low"), aliased(Case, name="link_high")


def links_of(actor: User, case: Case, *, include_dismissed: bool = True) -> list[CaseLink]:
    """The links of ``case`` to requests ``actor`` may see (a prosecutor: only among
    their authority's requests)."""
    low, high = _link_sides()
    stmt = (select(CaseLink)
            .join(low, low.id == CaseLink.case_id).join(high, high.id == CaseLink.other_case_id)
            .where(or_(CaseLink.case_id == case.id, CaseLink.other_case_id == case.id),
                   *_both_visible(actor, low, high)))
    if not include_dismissed:
        stmt = stmt.where(CaseLink.status != LinkStatus.DISMISSED)
    return list(db.session.scalars(stmt.order_by(CaseLink.found_at, CaseLink.id)))


def get_link_for(actor: User, case: Case, link_id: int) -> CaseLink:
    for link in links_of(actor, case):
        if link.id == link_id:
            return link
    raise ServiceError(_("No such link on this request."), code="not_found", status=404)


def decide_link(actor: User, case: Case, link: CaseLink, *, confirm: bool,
                note: str = "") -> CaseLink:
    """Confirm or dismiss a possible link; the decision shows on both requests."""
    if not link.can_decide():
        raise ServiceError(_("This link was already decided."), code="conflict", status=409)
    link.status = LinkStatus.CONFIRMED if confirm else LinkStatus.DISMISSED
    link.decided_at = now()
    link.decided_by_id = actor.id
    link.decision_note = note.strip()
    other = link.other_than(case.id)
    for side, counterpart in ((case, other), (other, case)):
        add_event(side, actor, "link_decided", is_internal=True,
                  data={"link": link.id, "status": str(link.status),
                        "other": counterpart.reference})
    record_audit(actor, "case.link_" + ("confirm" if confirm else "dismiss"), case,
                 link=link.id, other=other.reference)
    db.session.flush()
    return link


def links_payload(actor: User, case: Case) -> list[dict[str, str]]:
    """The case object's ``links`` (CONTRACT v1.1): possible and confirmed ones."""
    return links_by_case(actor, [case])[case.id]


def person_reason_labels() -> dict[str, object]:
    """Why two requests may be linked, as a caseworker reads it."""
    return {
        LinkReason.IDENTIFIER: _l("same identifier (passport, ID or file number)"),
        LinkReason.NAME_AND_DATE_OF_BIRTH: _l("same name and date of birth"),
        LinkReason.COUNTERPART_REFERENCE: _l("same counterpart state and reference"),
        LinkReason.NAME: _l("same name (no date of birth to compare)"),
    }


# -- competing requests ----------------------------------------------------------------
# The article governing two open extradition requests for one person, by legal basis.
COMPETING_RULES: dict[str, object] = {
    "ECE": _l("European Convention on Extradition, art. 17: the requested Party decides "
              "having regard to all the circumstances, especially the relative seriousness "
              "and place of commission of the offences, the dates of the requests, the "
              "nationality of the person and the possibility of later extradition to "
              "another State."),
    "EAW": _l("Framework Decision 2002/584/JHA, art. 16: the executing judicial authority "
              "decides with due consideration of all the circumstances, especially the "
              "relative seriousness and place of the offences, the dates of the warrants "
              "and whether each was issued for prosecution or for a sentence; Eurojust's "
              "advice may be sought (art. 16(2))."),
    "UNTOC": _l("UNTOC, art. 16: no rule of priority; decide under domestic law and any "
                "applicable treaty, weighing the seriousness and place of the offences, the "
                "dates of the requests, nationality and later re-extradition, and consult "
                "the requesting States (art. 16(16))."),
}
DEFAULT_COMPETING_RULE = _l("Two extradition requests for the same person are open: decide "
                            "which prevails under the applicable treaty or domestic law and "
                            "record why.")


# What the articles name as criteria (ECE art. 17; FD 2002/584 art. 16(1); UNTOC art. 16
# leaves it to the treaty or domestic law); Eurojust's advice only for warrants.
COMPETING_CRITERIA: dict[str, object] = {
    "seriousness": _l("Relative seriousness of the offences"),
    "place": _l("Place where the offences were committed"),
    "dates": _l("Dates of the requests or warrants"),
    "nationality": _l("Nationality of the person"),
    "re_extradition": _l("Possibility of later extradition to the other State"),
    "purpose": _l("Prosecution or execution of a sentence"),
    "eurojust": _l("Eurojust's advice (FD 2002/584 art. 16(2))"),
}
CRITERIA_BY_BASIS = {
    "ECE": ("seriousness", "place", "dates", "nationality", "re_extradition"),
    "EAW": ("seriousness", "place", "dates", "purpose", "eurojust"),
}
DEFAULT_CRITERIA = ("seriousness", "place", "dates", "nationality", "re_extradition")


def criteria_for(case: Case) -> tuple[str, ...]:
    return CRITERIA_BY_BASIS.get(case.legal_basis, DEFAULT_CRITERIA)


@dataclass(frozen=True)
class Competing:
    other: Case
    link: CaseLink
    rule: object
    decision: CompetingDecision | None = None


def competing_requests(actor: User, case: Case) -> list[Competing]:
    """Open extradition requests or warrants that may concern the same person as this
    open one (a link on a person, possible or confirmed, not a shared reference only)."""
    if case.kind != "extradition" or case.is_closed:
        return []
    found = []
    for link in links_of(actor, case, include_dismissed=False):
        reasons = set(link.details.get("reasons", [link.reason]))
        if reasons <= {LinkReason.COUNTERPART_REFERENCE}:
            continue
        other = link.other_than(case.id)
        if other.kind == "extradition" and not other.is_closed:
            rule = COMPETING_RULES.get(case.legal_basis, DEFAULT_COMPETING_RULE)
            decision = db.session.scalar(select(CompetingDecision).where(
                CompetingDecision.link_id == link.id))
            found.append(Competing(other, link, rule, decision))
    return found


def decide_competing(actor: User, case: Case, link: CaseLink, *, prevailing: Case,
                     criteria: dict[str, str], reasons: str) -> CompetingDecision:
    """Record which of two competing extradition requests prevails and why: every
    criterion the governing article names must be addressed, and the reasons given."""
    if not any(c.link.id == link.id for c in competing_requests(actor, case)):
        raise ServiceError(_("These requests are not competing."), code="conflict", status=409)
    other = link.other_than(case.id)
    if prevailing.id not in (case.id, other.id):
        raise ServiceError(_("Choose one of the two requests."), code="invalid",
                           details={"field": "prevailing"})
    for code in criteria_for(case):
        if not (criteria.get(code) or "").strip():
            raise ServiceError(_("Say how this weighed (the article names it)."),
                               code="invalid", details={"field": code})
    if not reasons.strip():
        raise ServiceError(_("Give the reasons for the decision."), code="invalid",
                           details={"field": "reasons"})
    if db.session.scalar(select(CompetingDecision.id).where(
            CompetingDecision.link_id == link.id)) is not None:
        raise ServiceError(_("This decision was already recorded."), code="conflict",
                           status=409)
    decision = CompetingDecision(
        link_id=link.id, prevailing_case_id=prevailing.id, reasons=reasons.strip(),
        criteria={c: criteria[c].strip() for c in criteria_for(case)},
        decided_at=now(), decided_by_id=actor.id)
    db.session.add(decision)
    if link.is_possible:  # deciding between them says they concern the same person
        link.status, link.decided_at, link.decided_by_id = LinkStatus.CONFIRMED, now(), actor.id
    for side, counterpart in ((case, other), (other, case)):
        add_event(side, actor, "competing_decided", is_internal=True,
                  data={"other": counterpart.reference, "prevailing": prevailing.reference})
    record_audit(actor, "case.competing_decide", case, link=link.id,
                 other=other.reference, prevailing=prevailing.reference)
    db.session.flush()
    return decision


def _both_visible(actor: User, low: type[Case],
                  high: type[Case]) -> list[ColumnElement[bool]]:
    """``actor`` may see both requests of a link, as conditions on the two joined
    requests themselves. ``CaseLink.case_id IN (SELECT id FROM cases ...)`` said the
    same, but SQLite planned it as a loop over every request (2 s for a page of 50 at
    20,000 requests, minutes after ANALYZE); staff see every request and get no
    condition at all."""
    condition = visible_cases(actor).whereclause
    if condition is None:
        return []
    return [ClauseAdapter(inspect(side).selectable).traverse(condition) for side in (low, high)]


def links_by_case(actor: User, cases: list[Case]) -> dict[int, list[dict[str, str]]]:
    """Every case's ``links`` for a page of cases, in one statement."""
    found: dict[int, list[dict[str, str]]] = {c.id: [] for c in cases}
    if not cases:
        return found
    ids = list(found)
    low, high = _link_sides()
    rows = db.session.execute(
        select(CaseLink.case_id, CaseLink.other_case_id, CaseLink.reason, CaseLink.status,
               low.reference, high.reference)
        .join(low, low.id == CaseLink.case_id).join(high, high.id == CaseLink.other_case_id)
        .where(or_(CaseLink.case_id.in_(ids), CaseLink.other_case_id.in_(ids)),
               CaseLink.status != LinkStatus.DISMISSED,
               *_both_visible(actor, low, high))
        .order_by(CaseLink.found_at, CaseLink.id))
    for case_id, other_id, reason, status, low_ref, high_ref in rows:
        if case_id in found:
            found[case_id].append({"reference": high_ref, "reason": reason, "status": status})
        if other_id in found:
            found[other_id].append({"reference": low_ref, "reason": reason, "status": status})
    return found


# -- before saving -------------------------------------------------------------------------
@dataclass(frozen=True)
class TypedPerson:
    """A person as typed in a form, not yet saved."""

    full_name: str
    date_of_birth: str = ""
    identifiers: str = ""


@dataclass
class Preview:
    """A request already on file that the request being typed may be linked to."""

    case: Case
    reasons: list[LinkReason]
    names: list[str]  # the names typed that match


def preview_links(actor: User, persons: list[TypedPerson], *, counterpart_country: str = "",
                  counterpart_reference: str = "", exclude_case_id: int | None = None
                  ) -> list[Preview]:
    """What registering (or correcting) a request with these values would link it to,
    among the requests ``actor`` may see: the same rules as ``detect_links``, computed
    from the typed values without saving anything."""
    ring = key_ring()
    found: dict[int, Candidate] = defaultdict(Candidate)
    names: dict[int, list[str]] = defaultdict(list)
    for typed in persons:
        if not typed.full_name.strip():
            continue
        mine: dict[str, set[str]] = defaultdict(set)
        for token in person_tokens(ring, full_name=typed.full_name,
                                   date_of_birth=typed.date_of_birth,
                                   identifiers=typed.identifiers):
            mine[token.kind].add(token.digest)
        digests = {d for kind in _LINKING for d in mine.get(kind, ())}
        if not digests:
            continue
        stmt = select(PersonToken.person_id).where(PersonToken.digest.in_(digests)).distinct()
        if exclude_case_id is not None:
            stmt = stmt.where(PersonToken.case_id != exclude_case_id)
        theirs = _tokens_of(set(db.session.scalars(stmt)))
        case_of: dict[int, int] = {}
        if theirs:
            case_of = {pid: cid for pid, cid in db.session.execute(
                select(Person.id, Person.case_id).where(Person.id.in_(list(theirs))))}
        for other_id, tokens in theirs.items():
            reasons = _reasons(mine, tokens)
            if reasons:
                found[case_of[other_id]].reasons.update(reasons)
                if typed.full_name not in names[case_of[other_id]]:
                    names[case_of[other_id]].append(typed.full_name)
    reference = counterpart_reference.strip()
    if reference and counterpart_country:
        for other_id in db.session.scalars(select(Case.id).where(
                Case.counterpart_country == counterpart_country.upper(),
                _same_reference(reference))):
            if other_id != exclude_case_id:
                found[other_id].reasons.add(LinkReason.COUNTERPART_REFERENCE)
    if not found:
        return []
    visible = visible_cases(actor).where(Case.id.in_(list(found)))
    if exclude_case_id is not None:  # a correction: within the request's sandbox copy
        visible = visible.where(same_copy(db.session.scalar(
            select(Case.sandbox_copy_id).where(Case.id == exclude_case_id))))
    cases = sorted(db.session.scalars(visible), key=lambda c: (
        REASON_ORDER.index(found[c.id].ordered_reasons()[0]), -c.id))
    return [Preview(c, found[c.id].ordered_reasons(), names[c.id]) for c in cases]


def preview_for_form(actor: User, form: object, case: Case | None = None) -> list[Preview]:
    """``preview_links`` for a registration or correction form as posted (its
    ``persons`` entries and counterpart fields); nothing when it was not posted."""
    entries = getattr(form, "persons", None)
    if entries is None or not getattr(form, "is_submitted", lambda: False)():
        return []
    typed = []
    for entry in entries:
        person = entry.form
        dob = person.date_of_birth.data
        typed.append(TypedPerson(full_name=person.full_name.data or "",
                                 date_of_birth=dob.isoformat() if dob else "",
                                 identifiers=person.identifiers.data or ""))
    country = getattr(form, "counterpart_country", None)
    reference = getattr(form, "counterpart_reference", None)
    return preview_links(actor, typed,
                         counterpart_country=(country.data or "") if country else "",
                         counterpart_reference=(reference.data or "") if reference else "",
                         exclude_case_id=case.id if case is not None else None)
