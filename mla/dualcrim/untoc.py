"""UNTOC as the basis for extradition: is the request within the Convention's scope?

Art. 16(1) applies to the offences covered by the Convention: those established
in accordance with arts. 5, 6, 8 and 23 (participation in an organized criminal
group, laundering, corruption, obstruction of justice), and "serious crime"
(art. 2(b): a maximum of at least four years' deprivation of liberty), where the
offence is transnational in nature and involves an organized criminal group
(art. 3(1)-(2)). Art. 16(7): extradition remains subject to the requested State's
domestic law, including its minimum penalty requirement (the dual-criminality
policy's ``extradition_minimum_months``). Facts only the caseworker knows
(transnational, organized group) are confirmed on the request by a step; the
penalty test reads the offences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from mla.cases.constants import LIFE_MONTHS
from mla.cases.models import Case, CaseEvent
from mla.dualcrim.services import get_policy
from mla.extensions import db

SERIOUS_CRIME_MONTHS = 48  # UNTOC art. 2(b): at least four years
SCOPE_STEP = "confirm_untoc_scope"


@dataclass(frozen=True)
class Scope:
    problems: tuple[str, ...]
    domestic_minimum_months: int

    @property
    def holds(self) -> bool:
        return not self.problems


def _answers(case: Case) -> dict[str, Any] | None:
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "transition",
                                CaseEvent.transition == SCOPE_STEP)
        .order_by(CaseEvent.id.desc())).first()
    return None if event is None else event.values


def untoc_scope(case: Case) -> Scope:
    minimum = get_policy().extradition_minimum_months
    answers = _answers(case)
    if answers is None:
        return Scope((_("The scope of UNTOC (arts. 3 and 16(1)) has not been confirmed for "
                        "this request"),), minimum)
    problems: list[str] = []
    covered = answers.get("convention_offence") == "yes"
    if not covered:
        for offence in case.offences:
            months = offence.max_penalty_months
            if months is None or months < SERIOUS_CRIME_MONTHS:
                problems.append(_(
                    "%(offence)s is not a serious crime under UNTOC art. 2(b): its maximum "
                    "is %(months)s, four years are needed (or an offence under arts. 5, 6, "
                    "8 or 23)", offence=offence.label,
                    months=_("life") if months and months >= LIFE_MONTHS else
                    _("%(n)s months", n=months) if months else _("not recorded")))
    if answers.get("transnational") != "yes":
        problems.append(_("The offence is not transnational in nature (UNTOC art. 3(2))"))
    if answers.get("organised_group") != "yes":
        problems.append(_("No organized criminal group is involved (UNTOC arts. 2(a), 3(1))"))
    return Scope(tuple(problems), minimum)
