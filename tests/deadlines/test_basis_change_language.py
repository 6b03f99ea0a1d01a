"""When a corrected legal basis stops a clock and starts another, the correction's
timeline entry says so in the reader's language, whoever made it: the clocks by their
titles, the legal basis by its name as the request page shows it, the due day as the
language writes it. The entry keeps codes and an ISO day; the page words them."""

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


def _corrected_lines(html: str) -> str:
    """The correction's entry on the request page: what changed and what it did."""
    start = html.index('class="small mb-1 edit-changes"')
    end = html.index("</li>", start)
    return unescape(html[start:end])


def test_a_corrected_basis_is_worded_in_the_readers_language(db, make_case, login_as):
    case = make_case(kind="extradition", legal_basis="ECE")
    apply_transition(case.created_by, case, "record_arrest", expected_version=1,
                     values={"arrested_on": (now().date() - timedelta(days=3)).isoformat()})
    db.session.commit()
    update_case(case.created_by, case, {"legal_basis": "UNTOC"}, expected_version=2)  # in English
    db.session.commit()
    started = db.session.scalar(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.rule_code == "provisional_arrest_domestic"))
    due = calendar_of(started).local_date(started.due_at)
    [edit] = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "edited")).all()
    # Kept as codes and an ISO day: no sentence in the language of whoever corrected it.
    assert {"clock": "stopped", "rule": "ece_provisional_arrest", "basis": "UNTOC"} in \
        edit.data["consequences"]
    assert {"clock": "started", "rule": "provisional_arrest_domestic", "basis": "UNTOC",
            "due": due.isoformat()} in edit.data["consequences"]

    page = login_as(case.created_by)
    for language in ("fr", "ar"):
        with force_locale(language):
            words = {name: get_rule(name).title_text
                     for name in ("ece_provisional_arrest", "provisional_arrest_domestic")}
            ece = db.session.get(Instrument, "ECE").title_text
            untoc = db.session.get(Instrument, "UNTOC").title_text
        assert untoc != db.session.get(Instrument, "UNTOC").title, "translated"
        lines = _corrected_lines(page.get(f"/requests/{case.reference}",
                                          headers={"Accept-Language": language}
                                          ).get_data(as_text=True))
        for title in (*words.values(), ece, untoc, format_date(due, "medium", locale=language)):
            assert title in lines, (language, title, lines)
        rest = lines
        for title in (*words.values(), ece, untoc):  # a clock's title may name "(ECE)"
            rest = rest.replace(title, "")
        for code in ("ECE", "UNTOC", due.isoformat()):
            assert code not in rest, (language, code, rest)


def test_a_corrected_date_received_is_written_as_a_day_in_the_readers_language(
        db, make_case, login_as):
    case = make_case(direction="incoming")
    old = case.received_at.date()
    new = old - timedelta(days=2)
    update_case(case.created_by, case, {"received_on": new.isoformat()},
                expected_version=case.version)
    db.session.commit()
    lines = _corrected_lines(login_as(case.created_by).get(
        f"/requests/{case.reference}", headers={"Accept-Language": "fr"}).get_data(as_text=True))
    assert format_date(old, "medium", locale="fr") in lines, lines
    assert format_date(new, "medium", locale="fr") in lines, lines
    assert new.isoformat() not in lines and old.isoformat() not in lines, lines
