"""Guards and effects the workflow engine ships itself.

Guards read the request as it is; each answers None when it holds, or a short
sentence saying what is missing. Effects flush, never commit.
"""

from __future__ import annotations

from flask_babel import gettext as _

from mla.cases.services import add_event
from mla.workflow.grounds import chosen_ground
from mla.workflow.hooks import Argument, TransitionContext, effect, guard

# --- guards ----------------------------------------------------------------------


@guard("has_offences")
def has_offences(ctx: TransitionContext) -> str | None:
    if ctx.case.offences:
        return None
    return _("No offence is recorded on the request")


@guard("has_measures")
def has_measures(ctx: TransitionContext) -> str | None:
    if ctx.case.measures:
        return None
    return _("The assistance requested (measures) is not recorded")


@guard("has_person_sought")
def has_person_sought(ctx: TransitionContext) -> str | None:
    if any(p.role == "suspect" for p in ctx.case.persons):
        return None
    return _("The person sought is not recorded")


@guard("has_domestic_authority")
def has_domestic_authority(ctx: TransitionContext) -> str | None:
    if ctx.case.domestic_authority_id is not None or ctx.values.get("executing_authority_id"):
        return None
    return _("No domestic authority (executing body or requesting office) is recorded")


@guard("has_counterpart_authority")
def has_counterpart_authority(ctx: TransitionContext) -> str | None:
    if ctx.case.counterpart_authority_id is not None:
        return None
    return _("The foreign authority to address is not recorded")


@guard("has_assignee")
def has_assignee(ctx: TransitionContext) -> str | None:
    if ctx.case.assignee_id is not None:
        return None
    return _("Nobody at the central authority is assigned to the request")


@guard("four_eyes")
def four_eyes(ctx: TransitionContext) -> str | None:
    """Whoever drafted the request, or put it up for approval (the step that entered its
    current state), does not approve it too: a signature is a second person's."""
    actor_id = getattr(ctx.actor, "id", None)
    if actor_id is None:
        return None
    if ctx.case.created_by_id == actor_id:
        return _("You drafted this request: someone else must approve it (four eyes)")
    proposal = next((e for e in reversed(ctx.case.events)
                     if e.kind == "transition" and e.to_state == ctx.case.state
                     and e.from_state != ctx.case.state), None)
    if proposal is None or proposal.actor_id != actor_id:
        return None
    return _("You submitted this for approval: someone else must approve it (four eyes)")


@guard("custody_limit_given_when_arrested")
def custody_limit_given_when_arrested(ctx: TransitionContext) -> str | None:
    """A person held abroad on our request: the foreign custody limit must be recorded,
    or no clock counts down to it (outgoing extradition, ``person_located``)."""
    if ctx.values.get("arrested_on") and not ctx.values.get("due_on"):
        return _("The person is held abroad: give the date the formal request is due by "
                 "(the foreign custody limit)")
    return None


@guard("no_referral_duty")
def no_referral_duty(ctx: TransitionContext) -> str | None:
    """Closing without referral is not possible when the refusal's ground obliges the
    requested state to submit the case for prosecution (UNTOC art. 16(10); ECE art. 6(2))."""
    found = chosen_ground(ctx.case)
    if found is None or found.duty != "aut_dedere":
        return None
    return _("Extradition was refused because the person is a national: the case must be "
             "submitted for domestic prosecution (%(citation)s)",
             citation=found.citation_text_for(ctx.case.legal_basis))


# --- effects ---------------------------------------------------------------------

_CUSTODY = {"yes": True, "no": False}


@effect("set_custody", Argument(required=True, choices=lambda: _CUSTODY))
def set_custody(ctx: TransitionContext, arg: str | None) -> None:
    """'set_custody:yes' on arrest, 'set_custody:no' on release or surrender."""
    if arg not in _CUSTODY:
        raise ValueError(f"set_custody needs yes or no, got {arg!r}")
    for person in ctx.case.persons:
        if person.role == "suspect":
            person.is_in_custody = _CUSTODY[arg]


@effect("require_document", Argument(required=True))
def require_document(ctx: TransitionContext, arg: str | None) -> None:
    """Put 'document X is now needed' on the timeline (e.g. require_document:translation)."""
    if not arg:
        raise ValueError("require_document needs a document code")
    add_event(ctx.case, ctx.actor, "document_required",
              data={"label": _("Document required: %(code)s", code=arg.replace("_", " ")),
                    "document": arg})
