"""Workflow guards provided by dual criminality."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from mla.auth.actors import Actor
from mla.cases.signals import case_updated
from mla.dualcrim.queries import latest_assessments, unassessed_offences
from mla.dualcrim.services import mark_assessments_outdated
from mla.dualcrim.untoc import untoc_scope
from mla.workflow.hooks import TransitionContext, guard


@guard("dual_criminality_assessed")
def dual_criminality_assessed(ctx: TransitionContext) -> str | None:
    """Holds when every offence of the case has a recorded assessment."""
    case = ctx.case
    if not case.offences:
        return _("Dual criminality cannot be assessed: the request lists no offence.")
    missing = unassessed_offences(case)
    if not missing:
        return None
    latest = latest_assessments(case)
    never = [o.label for o in missing if o.id not in latest]
    outdated = [o.label for o in missing if o.id in latest]
    reasons = []
    if never:
        reasons.append(_("Dual criminality not yet assessed for: %(offences)s",
                         offences=", ".join(never)))
    if outdated:
        reasons.append(_("Dual-criminality assessment out of date (the request was corrected) "
                         "for: %(offences)s", offences=", ".join(outdated)))
    return " ".join(reasons)


@guard("untoc_scope_holds")
def untoc_scope_holds(ctx: TransitionContext) -> str | None:
    """Extradition under UNTOC only within its scope (arts. 3, 16(1)); other bases pass."""
    if ctx.case.legal_basis != "UNTOC" or ctx.case.kind != "extradition":
        return None
    scope = untoc_scope(ctx.case)
    if scope.holds:
        return None
    return _("Outside the scope of UNTOC: %(problems)s. Domestic law's minimum penalty "
             "(art. 16(7)) is %(months)s months.", problems="; ".join(scope.problems),
             months=scope.domestic_minimum_months)


# What a correction may change under a decision, and how the reason reads.
_CASE_GROUNDS = {
    "legal_basis": lambda: _("the legal basis changed"),
    "counterpart_country": lambda: _("the counterpart state changed"),
}
_OFFENCE_GROUNDS = {
    "iccs": lambda: _("the offence's ICCS codes changed"),
    "max_penalty_months": lambda: _("the offence's maximum penalty changed"),
}


@case_updated.connect
def outdate_assessments(case: Any, *, actor: Actor, changes: Any, **_kwargs: Any) -> list[str]:
    """A correction of the request: the decisions it undermines no longer count."""
    said: list[str] = []
    case_grounds = [text() for name, text in _CASE_GROUNDS.items() if changes.changed(name)]
    if case_grounds:
        outdated = mark_assessments_outdated(actor, case, "; ".join(case_grounds))
        said += _sentences(outdated)
    labels = {offence.id: offence.label for offence in case.offences}
    for offence_id in changes.offences_changed(*_OFFENCE_GROUNDS):
        grounds = [text() for name, text in _OFFENCE_GROUNDS.items()
                   if name in changes.offences[offence_id]]
        outdated = mark_assessments_outdated(actor, case, "; ".join(grounds), [offence_id])
        said += _sentences(outdated, labels)
    return said


def _sentences(outdated: list[Any], labels: dict[int, str] | None = None) -> list[str]:
    names = dict.fromkeys((labels or {}).get(a.offence_id, a.offence_label) for a in outdated)
    return [_("The dual-criminality assessment of %(offence)s is out of date (%(reason)s); "
              "assess it again.", offence=name, reason=outdated[0].outdated_reason)
            for name in names]
