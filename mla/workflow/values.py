"""What a step recorded, in words.

``apply_transition`` keeps every value a step's form asked for in its timeline
entry (its free text sealed, the rest in ``data["values"]``; ``CaseEvent.values``
reads both). This module reads them back, labelled as the form
labelled them and shown as the form offered them (a choice's label, an
authority's name, a refusal ground with its citation), for the timeline, the
request page, the prosecutors' portal and letters.

A step that asks the other side something names its field ``questions``: the
latest such step is the question an answer (a later step, or a prosecutor's
reply through the portal) refers to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from mla.cases.models import Case, CaseEvent
from mla.directory.models import Authority
from mla.extensions import db
from mla.treaties.services import treaty
from mla.workflow.definitions import FieldSpec, Workflow
from mla.workflow.grounds import GROUNDS_BY_CODE
from mla.workflow.registry import definition_for_case

QUESTIONS_FIELD = "questions"
# The timeline entry of an answer sent through the prosecutors' portal.
ANSWER_KIND = "supplementary_answer"


@dataclass(frozen=True)
class StepValue:
    name: str
    label: str
    text: str
    is_long: bool
    # A date field's text is ISO 8601 (letters write it in their own language): a page
    # writes it as a day in the reader's (the ``day`` filter).
    is_date: bool = False


def _display(spec: FieldSpec | None, raw: Any) -> str:
    if spec is None:
        return str(raw)
    if spec.type == "select":
        return dict(spec.choices).get(str(raw), str(raw))
    if spec.type == "refusal_ground":
        found = GROUNDS_BY_CODE.get(str(raw))
        return f"{found.label_text} ({found.citation_text})" if found else str(raw)
    if spec.type == "authority":
        authority = db.session.get(Authority, int(raw)) if str(raw).isdecimal() else None
        return authority.name if authority is not None else str(raw)
    if spec.type == "treaty":
        agreement = treaty(int(raw)) if str(raw).isdecimal() else None
        return agreement.name if agreement is not None else str(raw)
    if spec.type == "date" and isinstance(raw, date):
        return raw.isoformat()
    return str(raw)


def _workflow(case: Case) -> Workflow | None:
    try:
        return definition_for_case(case)
    except LookupError:
        return None


def event_values(case: Case, event: CaseEvent, *, workflow: Workflow | None = None
                 ) -> list[StepValue]:
    """The values a step's timeline entry holds, in the order the form asked for them."""
    values = event.values
    if event.kind != "transition" or not values:
        return []
    workflow = workflow or _workflow(case)
    transition = workflow.transition(event.transition or "") if workflow else None
    specs = {f.name: f for f in transition.fields} if transition else {}
    order = [name for name in specs if name in values]
    order += [name for name in values if name not in specs]
    return [StepValue(name=name, label=specs[name].label if name in specs
                      else name.replace("_", " ").capitalize(),
                      text=_display(specs.get(name), values[name]),
                      is_long=bool(specs.get(name)) and specs[name].type == "textarea",
                      is_date=bool(specs.get(name)) and specs[name].type == "date")
            for name in order if values[name] not in (None, "")]


def recorded_steps(case: Case) -> list[tuple[CaseEvent, list[StepValue]]]:
    """Every step that recorded values, oldest first, with what it recorded."""
    workflow = _workflow(case)
    found = []
    for event in case.events:
        shown = event_values(case, event, workflow=workflow)
        if shown:
            found.append((event, shown))
    return found


def latest_question(case: Case) -> CaseEvent | None:
    """The latest step that asked (or recorded) questions, or None."""
    for event in reversed(case.events):
        if event.kind == "transition" and event.values.get(QUESTIONS_FIELD):
            return event
    return None


def open_question(case: Case) -> CaseEvent | None:
    """The questions still waiting for an answer: the request is still in the state that
    asking them moved it to, and no step has been taken since."""
    question = latest_question(case)
    if question is None or case.is_closed or question.to_state != case.state:
        return None
    later = any(e.kind == "transition" and (e.id or 0) > (question.id or 0)
                for e in case.events)
    return None if later else question


def question_text(event: CaseEvent | None) -> str:
    if event is None:
        return ""
    return str(event.values.get(QUESTIONS_FIELD) or "")


def answers_to(case: Case, question: CaseEvent | None) -> list[str]:
    """The answers recorded since ``question`` was asked (the domestic authority's replies
    through the portal), oldest first."""
    if question is None:
        return []
    return [e.comment for e in case.events
            if e.kind == ANSWER_KIND and (e.data or {}).get("question_event_id") == question.id
            and e.comment]


def recorded_values(case: Case) -> dict[str, str]:
    """Each field's latest value across the request's steps, in words (for letters that
    state what an earlier step decided, such as the reasons of a proposed refusal)."""
    found: dict[str, str] = {}
    for _event, values in recorded_steps(case):
        found.update((v.name, v.text) for v in values)
    return found


def answered_question(case: Case, event: CaseEvent) -> CaseEvent | None:
    """The questions a step answered: it left the state that asking them entered, and it
    is the first step taken after them (e.g. "information received" after "ask")."""
    if event.kind != "transition" or event.from_state == event.to_state:
        return None
    previous = None
    for other in case.events:
        if other is event or (other.id or 0) >= (event.id or 0):
            break
        if other.kind == "transition":
            previous = other
    if previous is None or not question_text(previous) \
            or previous.to_state != event.from_state:
        return None
    return previous
