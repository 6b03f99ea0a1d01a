"""What each role may see of a request: explicit allow-lists, in this one place.

Staff and auditors read the whole file. A prosecutor (or judge) reads only the
fields named here, for the pages (``prosecutor_case_view``) and for the JSON API
(``restrict_payload``): never the persons' identities (only how many there are
per role), never internal notes or internal timeline entries, never internal
documents, never the secure exchange between central authorities beyond where the
request's own transmission stands (``PORTAL_EXCHANGE_LINES``). A field added to a request
later stays hidden from them until it is added to a list below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from mla.auth.actors import Actor
from mla.cases.models import Case, CaseEvent
from mla.deadlines.serializers import case_deadlines
from mla.portal.status import standing
from mla.workflow.registry import state_label, step_label
from mla.workflow.values import open_question, question_text

RESTRICTED_ROLES = frozenset({"prosecutor"})
# "My requests" order: open requests first, then the newest (whatever ``sort`` says).
PORTAL_ORDER = (Case.is_closed.asc(), Case.created_at.desc(), Case.id.desc())

# -- the allow-lists -----------------------------------------------------------------
PROSECUTOR_CASE_FIELDS = (
    "reference", "direction", "kind", "state", "version", "counterpart_country",
    "legal_basis", "title", "created_at", "counterpart_reference", "is_urgent",
    "offences", "measures", "deadlines", "history", "links",
)
PROSECUTOR_PAGE_FIELDS = (
    *PROSECUTOR_CASE_FIELDS, "summary", "domestic_reference", "received_at",
    "counterpart_authority", "domestic_authority", "country_name", "instrument_title",
)
PROSECUTOR_OFFENCE_FIELDS = ("label", "statute", "max_penalty_months", "iccs_codes", "conduct")
PROSECUTOR_EVENT_FIELDS = ("at", "kind", "transition", "from_state", "to_state", "comment",
                           "actor_label", "questions", "note")

# The secure exchange is the central authorities' business: of its timeline entries a
# prosecutor reads only where the transmission of the request itself stands, in these
# words of the portal's own. Never the entry's comment (a refused package's comment is the
# counterpart system's own words, an unverified receipt's a technical reason), its code
# or its data. A refusal reads as a transmission still pending: the central authority
# sends the request again, or by another channel. Every other exchange entry (status
# updates and their confirmations, an action added later) stays off the portal.
EXCHANGE_SHOWN = "exchange"
PORTAL_EXCHANGE_LINES = {
    "sealed": _l("Electronic transmission to the foreign authority prepared"),
    "refused_by_counterpart": _l("Transmission to the foreign authority pending"),
    "receipt_unverified": _l("Transmitted electronically to the foreign authority"),
    "delivered": _l("Delivered electronically to the foreign authority"),
    "received": _l("Received electronically from the foreign authority"),
}
# Entries about a package other than the request (a status update's) are not shown.
_REQUEST_PACKAGE_KINDS = frozenset({None, "", "request"})
PROSECUTOR_DEADLINE_FIELDS = ("name", "title", "citation", "due_at", "status", "days_left",
                              "unit", "time_zone")

# Timeline words that date the steps a prosecutor asks about.
_SENT_WORDS = ("transmit", "sent", "send")
_ACK_WORDS = ("acknowledg",)


def is_restricted(actor: Actor) -> bool:
    return getattr(actor, "role", None) in RESTRICTED_ROLES


def _pick(data: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    return {key: data[key] for key in allowed if key in data}


def exchange_line(event: CaseEvent) -> Any:
    """What the portal says of a secure exchange entry (a lazy string), None: not shown."""
    data = event.data or {}
    if data.get("kind") not in _REQUEST_PACKAGE_KINDS:
        return None
    return PORTAL_EXCHANGE_LINES.get(str(data.get("action") or ""))


def visible_events(case: Case) -> list[CaseEvent]:
    """The timeline entries a prosecutor reads: not the internal ones, and of the secure
    exchange's only those ``PORTAL_EXCHANGE_LINES`` words."""
    return [e for e in case.events if not e.is_internal
            and (e.kind != EXCHANGE_SHOWN or exchange_line(e) is not None)]


def _event_row(event: CaseEvent) -> dict[str, Any]:
    if event.kind == EXCHANGE_SHOWN:
        # Its own words only: no comment, no label, no code from the entry's data.
        return _pick({"at": event.at, "kind": event.kind, "transition": None,
                      "from_state": None, "to_state": None, "comment": "",
                      "actor_label": event.actor_label, "questions": "",
                      "note": exchange_line(event), "label": None},
                     (*PROSECUTOR_EVENT_FIELDS, "label"))
    return _pick({
        "at": event.at, "kind": event.kind, "transition": event.transition,
        "from_state": event.from_state, "to_state": event.to_state, "comment": event.comment,
        "actor_label": event.actor_label,
        "label": (step_label(event.case.workflow_name, event.transition,
                             (event.data or {}).get("label"))
                  if event.kind == "transition" else (event.data or {}).get("label")),
        # Of the values a step recorded, only the questions asked are shared.
        "questions": question_text(event) if event.kind == "transition" else "",
        "note": None,
    }, (*PROSECUTOR_EVENT_FIELDS, "label"))


def prosecutor_deadlines(case: Case, *, running_only: bool = False) -> list[dict[str, Any]]:
    return [_pick(d, PROSECUTOR_DEADLINE_FIELDS) for d in case_deadlines(case)
            if not running_only or d.get("ended_at") is None]


def restrict_payload(actor: Actor, case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """The API's case payload as ``actor`` may see it (unchanged for staff)."""
    if not is_restricted(actor):
        return data
    allowed = _pick(data, PROSECUTOR_CASE_FIELDS)
    if "history" in allowed:
        # Picked from the payload too, without internal entries (mla.cases.serializers).
        allowed["history"] = [h for h in data["history"] if not h["is_internal"]]
    if "deadlines" in allowed:
        # Picked from the payload, not read again: a list loads a whole page's at once.
        allowed["deadlines"] = [_pick(d, PROSECUTOR_DEADLINE_FIELDS) for d in data["deadlines"]]
    return allowed


def _first_at(events: Iterable[CaseEvent], words: tuple[str, ...]) -> datetime | None:
    for event in events:
        text = f"{event.transition or ''} {event.to_state or ''}".lower()
        if event.kind == "transition" and any(word in text for word in words):
            return event.at
    return None


def person_counts(case: Case) -> dict[str, int]:
    return dict(sorted(Counter(p.role for p in case.persons).items()))


def prosecutor_case_view(case: Case) -> dict[str, Any]:
    """Everything the prosecutor's page of a request shows, and nothing else."""
    events = visible_events(case)
    full = {
        "reference": case.reference, "direction": case.direction, "kind": case.kind,
        "state": case.state, "version": case.version,
        "counterpart_country": case.counterpart_country,
        "country_name": case.country.name if case.country else case.counterpart_country,
        "legal_basis": case.legal_basis,
        "instrument_title": case.instrument.title_text if case.instrument else case.legal_basis,
        "title": case.title, "created_at": case.created_at,
        "counterpart_reference": case.counterpart_reference, "is_urgent": case.is_urgent,
        "summary": case.summary, "domestic_reference": case.domestic_reference,
        "received_at": case.received_at,
        "counterpart_authority": case.counterpart_authority.name
        if case.counterpart_authority else "",
        "domestic_authority": case.domestic_authority.name if case.domestic_authority else "",
        "offences": [_pick({
            "label": o.label, "statute": o.statute, "max_penalty_months": o.max_penalty_months,
            "iccs_codes": list(o.iccs_codes or []), "conduct": o.conduct,
        }, PROSECUTOR_OFFENCE_FIELDS) for o in case.offences],
        "measures": [m.code for m in case.measures],
        "deadlines": prosecutor_deadlines(case, running_only=True),
        "history": [_event_row(e) for e in events],
    }
    view = _pick(full, PROSECUTOR_PAGE_FIELDS)
    view["state_label"] = state_label(case.workflow_name, case.state)
    view["standing"] = standing(case)
    view["persons_by_role"] = person_counts(case)
    view["sent_at"] = _first_at(events, _SENT_WORDS)
    view["acknowledged_at"] = _first_at(events, _ACK_WORDS)
    view["open_questions"] = _asked_of_office(case, events)
    return view


def _asked_of_office(case: Case, events: list[CaseEvent]) -> str:
    """What the office is asked for: the open questions, or else, while the request waits
    on the office, the reason of the step that sent it there (a return for correction)."""
    question = open_question(case)
    if question is not None and not question.is_internal:
        return question_text(question)
    if not standing(case).can_answer:
        return ""
    entered = next((e for e in reversed(events) if e.kind == "transition"
                    and e.to_state == case.state and e.from_state != case.state), None)
    return entered.comment if entered is not None else ""


def prosecutor_list_row(case: Case) -> dict[str, Any]:
    """One line of "my requests"."""
    stand = standing(case)
    return {
        "reference": case.reference, "title": case.title, "direction": case.direction,
        "kind": case.kind, "country_name": case.country.name if case.country else "",
        "state_label": stand.label, "waiting_on": stand.waiting_on,
        "waiting_on_label": stand.waiting_on_label, "can_answer": stand.can_answer,
        "is_urgent": case.is_urgent, "created_at": case.created_at,
        "next_due_at": case.next_due_at,
    }
