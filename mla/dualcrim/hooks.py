"""Workflow guards provided by dual criminality."""

from __future__ import annotations

from flask_babel import gettext as _

from mla.dualcrim.queries import unassessed_offences
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
    return _("Dual criminality not yet assessed for: %(offences)s",
             offences=", ".join(offence.label for offence in missing))
