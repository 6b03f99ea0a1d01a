"""What a deadline's refusal says reads as a sentence for both kinds of citation: a legal
reference may be the sentence's subject ("Directive 2014/41/EU, art. 12(3) and 12(5)
extends by a number of days, ..."), a citation in words may not ("Internal service level
of the central authority does not allow ..."): the sentence says what is refused, the
citation follows a label."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from mla.cases.models import CaseEvent
from mla.core.errors import ServiceError
from mla.deadlines import services
from mla.deadlines.rules import get_rule
from mla.deadlines.services import extend_deadline, start_deadline
from tests.deadlines.conftest import utc

SLA = "Internal service level of the central authority"
DOMESTIC = "Domestic law (60 days is the period most bilateral treaties set)"


def _refusal(deadline, **kwargs) -> str:
    with pytest.raises(ServiceError) as refused:
        extend_deadline("t", deadline, reason="Court vacation", **kwargs)
    return str(refused.value)


def _in_words(monkeypatch, code: str, citation: str) -> None:
    """The rule ``code`` as if its file gave the citation in words."""
    rule = replace(get_rule(code), citation=citation, citation_is_words=True)
    real = services.get_rule
    monkeypatch.setattr(services, "get_rule", lambda c: rule if c == code else real(c))


def test_a_rule_in_words_that_gives_no_extension(make_case):
    assert get_rule("provisional_arrest_domestic").citation_is_words
    case = make_case(kind="extradition", legal_basis="UNTOC", measures=[])
    d = start_deadline(case, "provisional_arrest_domestic", actor="t", at=utc(2026, 3, 2),
                       values={"arrested_on": date(2026, 3, 1)})
    assert _refusal(d) == (
        f"This deadline cannot be extended. Applicable rule: {DOMESTIC}.")


def test_a_legal_citation_still_says_it_does_not_allow(make_case):
    case = make_case(kind="extradition", legal_basis="ECE", measures=[])
    d = start_deadline(case, "ece_provisional_arrest", actor="t", at=utc(2026, 3, 2),
                       values={"arrested_on": date(2026, 3, 1)})
    assert _refusal(d) == ("European Convention on Extradition 1957 (CETS 24), art. 16(4) "
                           "does not allow this deadline to be extended.")


def test_a_rule_in_words_extended_as_often_as_it_allows(make_case, set_now):
    assert get_rule("sla_decision").citation_is_words
    case = make_case(kind="mla", legal_basis="UNTOC", counterpart_country="FR", measures=[])
    d = start_deadline(case, "sla_decision", actor="t", at=utc(2026, 3, 2, 9),
                       values={"received_on": date(2026, 3, 2)})
    set_now(utc(2026, 3, 20, 9))
    assert _refusal(d, agreed_on=date(2026, 4, 20)) == (
        "This deadline is extended by a number of days, not to a date. "
        f"Applicable rule: {SLA}.")
    for _ in range(get_rule("sla_decision").max_extensions):
        extend_deadline("t", d, reason="Awaiting the court's file", days=5)
    assert _refusal(d, days=5) == (
        f"This deadline has been extended as often as its rule allows. Applicable rule: {SLA}.")


def test_a_rule_in_words_that_moves_only_to_an_agreed_date(make_case, set_now, monkeypatch):
    _in_words(monkeypatch, "eio_execution", "The issuing authority's time limit")
    case = make_case(kind="mla", legal_basis="EIO", counterpart_country="FR", measures=[])
    d = start_deadline(case, "eio_execution", actor="t", at=utc(2026, 4, 1, 9),
                       values={"recognised_on": date(2026, 4, 1)})
    set_now(utc(2026, 6, 20, 9))
    assert _refusal(d, days=30) == (
        "This deadline is not extended by a number of days: enter the new date agreed with "
        "the other side. Applicable rule: The issuing authority's time limit.")


def test_a_rule_in_words_between_parties_only(make_case, db, monkeypatch):
    _in_words(monkeypatch, "ece_ap3_consent_notice", "The simplified extradition protocol")
    case = make_case(kind="extradition", legal_basis="ECE", counterpart_country="FR",
                     measures=[])
    assert start_deadline(case, "ece_ap3_consent_notice", actor="t", at=utc(2026, 3, 2),
                          values={"arrested_on": date(2026, 3, 1)}) is None
    note = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "deadline")).one()
    assert note.comment.endswith(
        ": not applicable, the two states are not both parties to the instrument. "
        "Applicable rule: The simplified extradition protocol.")
