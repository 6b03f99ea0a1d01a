"""Where a request stands, in plain words: who is waiting on whom, what happens next.

Derived from the workflow state. An explicit table keyed by (workflow, state)
wins; otherwise the state's name places it in a stage of the lifecycle
(DOMAIN.md, "Lifecycles"), so a state added to a workflow file still reads
sensibly until it gets its own line here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from mla.cases.models import Case
from mla.workflow.registry import state_label

# Who the request is waiting on. "domestic_authority" is the prosecutor's own office.
WAITING_ON = {
    "domestic_authority": _l("your office"),
    "central_authority": _l("the central authority"),
    "counterpart": _l("the foreign authority"),
    "court": _l("the court"),
    "nobody": _l("nobody: the request is closed"),
}


@dataclass(frozen=True)
class Stage:
    waiting_on: str
    next_step: object  # a lazy string

    @property
    def waiting_on_label(self) -> object:
        return WAITING_ON[self.waiting_on]


@dataclass(frozen=True)
class Standing:
    state: str
    label: str
    waiting_on: str
    waiting_on_label: object
    next_step: object
    can_answer: bool
    is_closed: bool


_CA = "central_authority"
_FOREIGN = "counterpart"
_YOU = "domestic_authority"

# Explicit lines for states whose name alone says too little.
STAGES: dict[tuple[str, str], Stage] = {
    ("outgoing_mla", "draft"): Stage(_CA, _l(
        "The central authority reviews your draft: it may return it for correction, or "
        "prepare it for translation and signature.")),
    ("outgoing_mla", "returned"): Stage(_YOU, _l(
        "The central authority returned the draft for correction: answer with the missing "
        "information.")),
    ("incoming_mla", "assigned"): Stage(_YOU, _l(
        "Your office has been asked to execute the request; send the results to the central "
        "authority.")),
}

# (keywords in the state name, stage per direction) in order; the first match wins.
_RULES: tuple[tuple[tuple[str, ...], dict[str, Stage]], ...] = (
    (("closed", "executed", "refused", "withdrawn", "surrendered", "cancelled", "rejected"),
     {"any": Stage("nobody", _l("Nothing more will happen on this request."))}),
    (("supplementary", "returned", "correction", "more_info", "clarification"),
     {"outgoing": Stage(_YOU, _l(
         "More information is needed from your office before the request can go on: answer "
         "below.")),
      "incoming": Stage(_FOREIGN, _l(
          "The requesting state has been asked for more information; the request waits for "
          "its answer."))}),
    (("judicial", "hearing", "court"),
     {"any": Stage("court", _l("The court decides; the central authority follows the "
                               "proceedings."))}),
    (("assigned", "in_execution", "execution_domestic", "executing"),
     {"incoming": Stage(_YOU, _l("Your office executes the request and sends the results to "
                                 "the central authority.")),
      "outgoing": Stage(_FOREIGN, _l("The requested state executes the request; the central "
                                     "authority asks for progress at intervals."))}),
    (("transmitted", "sent", "acknowledged", "abroad", "under_execution", "awaiting_foreign",
      "foreign_decision", "located", "arrested_abroad"),
     {"outgoing": Stage(_FOREIGN, _l("The requested state is dealing with the request; the "
                                     "central authority asks for progress at intervals.")),
      "incoming": Stage(_CA, _l("The central authority is dealing with the request."))}),
)
_DEFAULT = Stage(_CA, _l("The central authority is dealing with the request and will tell "
                         "you when your office needs to act."))


def stage_for(workflow: str, direction: str, state: str, *, is_closed: bool = False) -> Stage:
    if is_closed:
        return _RULES[0][1]["any"]
    explicit = STAGES.get((workflow, state))
    if explicit is not None:
        return explicit
    name = state.lower()
    for keywords, by_direction in _RULES:
        if any(word in name for word in keywords):
            stage = by_direction.get(direction) or by_direction.get("any")
            if stage is not None:
                return stage
    return _DEFAULT


def standing(case: Case) -> Standing:
    stage = stage_for(case.workflow_name, case.direction, case.state, is_closed=case.is_closed)
    return Standing(
        state=case.state,
        label=state_label(case.workflow_name, case.state),
        waiting_on=stage.waiting_on,
        waiting_on_label=stage.waiting_on_label,
        next_step=stage.next_step,
        can_answer=stage.waiting_on == _YOU,
        is_closed=case.is_closed or stage.waiting_on == "nobody",
    )
