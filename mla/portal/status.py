"""Where a request stands, in plain words: who is waiting on whom, what happens next.

Derived from the workflow state. An explicit table keyed by (workflow, state)
wins; otherwise the state's name places it in a stage of the lifecycle
(DOMAIN.md, "Lifecycles"). The workflow files carry no "waiting on" attribute:
this is the portal's reading of them, kept next to the words it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from mla.cases.models import Case
from mla.workflow.definitions import DefinitionError
from mla.workflow.registry import current, state_label

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

# One line per state of the shipped workflows; a state added to a file later falls
# back to the keyword rules below until it gets its own line here.
_CLOSED = Stage("nobody", _l("Nothing more will happen on this request."))
_REVIEW = _l("The central authority is reviewing the request.")
STAGES: dict[tuple[str, str], Stage] = {
    # outgoing MLA: your office asked for it
    ("outgoing_mla", "draft"): Stage(_CA, _l(
        "The central authority will review your draft: it may return it for correction, or "
        "prepare it for translation and signature.")),
    ("outgoing_mla", "ca_review"): Stage(_CA, _l(
        "The central authority is reviewing the request; it may return it to your office for "
        "correction.")),
    ("outgoing_mla", "returned"): Stage(_YOU, _l(
        "The central authority returned the request for correction: send what it asks for.")),
    ("outgoing_mla", "translation"): Stage(_CA, _l(
        "The request is being translated into a language the requested state accepts "
        "(UNTOC art. 18(14)).")),
    ("outgoing_mla", "awaiting_signature"): Stage(_CA, _l(
        "A supervisor signs the request before it is sent.")),
    ("outgoing_mla", "signed"): Stage(_CA, _l(
        "The central authority sends the signed request to the requested state.")),
    ("outgoing_mla", "transmitted"): Stage(_FOREIGN, _l(
        "The requested state has to acknowledge receipt; the central authority follows up.")),
    ("outgoing_mla", "under_execution"): Stage(_FOREIGN, _l(
        "The requested state executes the request; the central authority asks for progress "
        "at intervals (UNTOC art. 18(24)).")),
    ("outgoing_mla", "information_requested"): Stage(_YOU, _l(
        "The requested state asks for supplementary information: answer below.")),
    ("outgoing_mla", "results_received"): Stage(_CA, _l(
        "The central authority checks the results received and shares them with your "
        "office.")),
    # incoming MLA: your office executes it
    ("incoming_mla", "received"): Stage(_CA, _l(
        "The central authority acknowledges and registers the request.")),
    ("incoming_mla", "under_review"): Stage(_CA, _REVIEW),
    ("incoming_mla", "awaiting_information"): Stage(_FOREIGN, _l(
        "The requesting state has been asked for more information.")),
    ("incoming_mla", "decision"): Stage(_CA, _l(
        "The central authority decides whether to accept the request.")),
    ("incoming_mla", "refusal_proposed"): Stage(_CA, _l(
        "A supervisor decides on a proposed refusal.")),
    ("incoming_mla", "postponed"): Stage(_CA, _l(
        "Execution is postponed (UNTOC art. 18(25)); the central authority will say when it "
        "resumes.")),
    ("incoming_mla", "accepted"): Stage(_CA, _l(
        "The central authority sends the request to the executing body.")),
    ("incoming_mla", "in_execution"): Stage(_YOU, _l(
        "Your office executes the request: send the results, or ask for what is missing, "
        "below.")),
    ("incoming_mla", "execution_information_requested"): Stage(_FOREIGN, _l(
        "The requesting state has been asked for the information your office needs.")),
    ("incoming_mla", "execution_completed"): Stage(_CA, _l(
        "The central authority transmits the results to the requesting state.")),
    ("incoming_mla", "results_transmitted"): Stage(_CA, _l(
        "The results have been sent; the central authority will close the request.")),
    # incoming extradition
    ("incoming_extradition", "received"): Stage(_CA, _REVIEW),
    ("incoming_extradition", "arrested"): Stage(_FOREIGN, _l(
        "The person is provisionally arrested; the requesting state must send the formal "
        "request in time.")),
    ("incoming_extradition", "released_awaiting_request"): Stage(_FOREIGN, _l(
        "The person was released; the formal request is still awaited.")),
    ("incoming_extradition", "consent_given"): Stage(_CA, _l(
        "The person consents to surrender; the simplified procedure applies.")),
    ("incoming_extradition", "under_review"): Stage(_CA, _REVIEW),
    ("incoming_extradition", "awaiting_information"): Stage(_FOREIGN, _l(
        "The requesting state has been asked for supplementary information.")),
    ("incoming_extradition", "judicial_phase"): Stage("court", _l(
        "The court decides on extradition.")),
    ("incoming_extradition", "executive_decision"): Stage(_CA, _l(
        "The government takes the executive decision.")),
    ("incoming_extradition", "refusal_proposed"): Stage(_CA, _l(
        "A supervisor decides on a proposed refusal.")),
    ("incoming_extradition", "surrender_pending"): Stage(_CA, _l(
        "The surrender is being arranged.")),
    ("incoming_extradition", "surrender_scheduled"): Stage(_CA, _l(
        "The surrender is scheduled.")),
    ("incoming_extradition", "refused"): Stage(_YOU, _l(
        "Extradition was refused: consider prosecution at home (UNTOC art. 16(10)).")),
    # incoming European arrest warrant
    ("incoming_eaw", "received"): Stage(_CA, _l(
        "The warrant (or SIS alert) has been received; the central authority registers it.")),
    ("incoming_eaw", "under_review"): Stage(_CA, _l(
        "The warrant is being reviewed: contents, translation, grounds for non-execution.")),
    ("incoming_eaw", "awaiting_information"): Stage(_FOREIGN, _l(
        "The issuing judicial authority has been asked for supplementary information.")),
    ("incoming_eaw", "before_court"): Stage("court", _l(
        "The executing judicial authority decides on the surrender.")),
    ("incoming_eaw", "surrender_pending"): Stage(_CA, _l(
        "Surrender was ordered; it is being arranged within the time limit.")),
    ("incoming_eaw", "surrender_postponed"): Stage(_CA, _l(
        "The surrender is postponed, or temporary surrender is arranged.")),
    # outgoing extradition
    ("outgoing_extradition", "draft"): Stage(_CA, _REVIEW),
    ("outgoing_extradition", "decision_pending"): Stage(_CA, _l(
        "The decision to seek extradition is pending.")),
    ("outgoing_extradition", "notice_requested"): Stage(_FOREIGN, _l(
        "A notice or alert is out: the person is being sought abroad.")),
    ("outgoing_extradition", "formal_request_due"): Stage(_YOU, _l(
        "The person has been located or arrested abroad: the formal request is due; send "
        "the documents the package needs.")),
    ("outgoing_extradition", "translation"): Stage(_CA, _l(
        "The extradition package is being translated.")),
    ("outgoing_extradition", "package_review"): Stage(_CA, _l(
        "A supervisor approves the extradition package.")),
    ("outgoing_extradition", "ready_to_transmit"): Stage(_CA, _l(
        "The central authority sends the package to the requested state.")),
    ("outgoing_extradition", "transmitted"): Stage(_FOREIGN, _l(
        "The requested state decides on extradition.")),
    ("outgoing_extradition", "information_requested"): Stage(_YOU, _l(
        "The requested state asks for supplementary information: answer below.")),
    ("outgoing_extradition", "surrender_arranging"): Stage(_CA, _l(
        "Extradition was granted: the surrender is being arranged.")),
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


def _is_terminal(workflow: str, state: str) -> bool:
    try:
        found = current(workflow).state(state)
    except (LookupError, OSError, DefinitionError):
        return False
    return found is not None and found.terminal


def stage_for(workflow: str, direction: str, state: str, *, is_closed: bool = False) -> Stage:
    if is_closed or _is_terminal(workflow, state):
        return _CLOSED
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
