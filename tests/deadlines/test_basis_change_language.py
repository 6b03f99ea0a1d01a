"""When a corrected legal basis stops a clock and starts another, what the edit says
names both clocks in the reader's language, as the recomputed clock's line already did."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from mla.cases.editing import update_case
from mla.cases.models import CaseEvent
from mla.core.clock import now
from mla.deadlines.rules import get_rule
from mla.workflow.services import apply_transition


def test_the_clocks_a_corrected_basis_stops_and_starts_are_named_in_french(db, make_case):
    case = make_case(kind="extradition", legal_basis="ECE")
    apply_transition(case.created_by, case, "record_arrest", expected_version=1,
                     values={"arrested_on": (now().date() - timedelta(days=3)).isoformat()})
    db.session.commit()
    with force_locale("fr"):
        update_case(case.created_by, case, {"legal_basis": "UNTOC"}, expected_version=2)
        stopped = get_rule("ece_provisional_arrest").title_text
        started = get_rule("provisional_arrest_domestic").title_text
    db.session.commit()
    assert stopped != get_rule("ece_provisional_arrest").title, "translated"
    [edit] = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "edited")).all()
    said = edit.data["consequences"]
    assert any(stopped in line for line in said), said
    assert any(started in line for line in said), said
