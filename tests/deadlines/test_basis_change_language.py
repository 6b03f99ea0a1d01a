"""When a corrected legal basis stops a clock and starts another, what the edit says
names both clocks in the reader's language, as the recomputed clock's line already did."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from babel.dates import format_date
from flask_babel import force_locale
from sqlalchemy import select

from mla.cases.editing import update_case
from mla.cases.models import CaseEvent
from mla.core.clock import now
from mla.deadlines.models import Deadline
from mla.deadlines.rules import get_rule
from mla.deadlines.services import calendar_of
from mla.reference.models import Instrument
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


def test_a_corrected_basis_is_named_and_its_new_clocks_due_day_written_for_the_reader(
        db, make_case, login_as):
    """The correction's lines name the legal bases as the request page does and write the
    new clock's due day in the language's own form: no instrument code, no ISO date."""
    case = make_case(kind="extradition", legal_basis="ECE")
    apply_transition(case.created_by, case, "record_arrest", expected_version=1,
                     values={"arrested_on": (now().date() - timedelta(days=3)).isoformat()})
    db.session.commit()
    with force_locale("fr"):
        update_case(case.created_by, case, {"legal_basis": "UNTOC"}, expected_version=2)
        untoc = db.session.get(Instrument, "UNTOC").title_text
        ece = db.session.get(Instrument, "ECE").title_text
    db.session.commit()
    started = db.session.scalar(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == "provisional_arrest_domestic"))
    due = calendar_of(started).local_date(started.due_at)
    assert untoc != db.session.get(Instrument, "UNTOC").title, "translated"
    [edit] = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "edited")).all()
    said = " ".join(edit.data["consequences"])
    assert f"au titre de {untoc}" in said and "UNTOC." not in said, said
    assert format_date(due, "medium", locale="fr") in said, said
    assert due.isoformat() not in said, said

    page = login_as(case.created_by).get(f"/requests/{case.reference}",
                                          headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    line = html[html.index('class="small mb-1 edit-changes"'):]
    line = unescape(line[:line.index("</div>")])
    assert ece in line and untoc in line, line
    assert "ECE" not in line.replace(ece, "") and "UNTOC" not in line.replace(untoc, ""), line


def test_a_corrected_date_received_is_written_as_a_day_in_the_readers_language(
        db, make_case, login_as):
    case = make_case(direction="incoming")
    old = case.received_at.date()
    new = old - timedelta(days=2)
    update_case(case.created_by, case, {"received_on": new.isoformat()},
                expected_version=case.version)
    db.session.commit()
    html = login_as(case.created_by).get(f"/requests/{case.reference}",
                                          headers={"Accept-Language": "fr"}
                                          ).get_data(as_text=True)
    line = html[html.index('class="small mb-1 edit-changes"'):]
    line = line[:line.index("</div>")]
    assert format_date(old, "medium", locale="fr") in line, line
    assert format_date(new, "medium", locale="fr") in line, line
    assert new.isoformat() not in line and old.isoformat() not in line, line
