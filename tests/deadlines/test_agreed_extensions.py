"""Extensions exist only where the text gives them (EIO art. 12(5), 12(6); UNTOC art. 18(24)).

Each test has the case the article allows and the one the old rules allowed
("+30 days x 3" for EIO execution, "+30 x 5" for the requester's deadline) that
is now refused.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from mla.core.errors import ServiceError
from mla.deadlines.rules import RuleError, get_rule, parse_rules
from mla.deadlines.services import extend_deadline, start_deadline, view_of
from mla.notifications.models import Letter
from tests.deadlines.conftest import utc


@pytest.fixture
def eio_case(make_case):
    return make_case(kind="mla", legal_basis="EIO", counterpart_country="FR", measures=[])


def test_eio_art_12_5_recognition_extends_once_by_at_most_30_days_with_reasons(
        eio_case, set_now, db):
    d = start_deadline(eio_case, "eio_recognition", actor="t", at=utc(2026, 3, 2, 9),
                       values={"received_on": date(2026, 3, 2)})
    assert d.due_at == utc(2026, 4, 1, 23, 59, 59)       # 2 March not counted, + 30
    set_now(utc(2026, 3, 25, 9))
    with pytest.raises(ServiceError):                     # more than 30 days
        extend_deadline("t", d, reason="Court vacation", days=31)
    with pytest.raises(ServiceError):                     # art. 12(5) gives days, not a date
        extend_deadline("t", d, reason="Court vacation", agreed_on=date(2026, 4, 20))
    extend_deadline("t", d, reason="The competent court sits again on 20 April", days=20)
    assert d.due_at == utc(2026, 4, 21, 23, 59, 59)
    letter = db.session.scalars(select(Letter).where(Letter.case_id == eio_case.id)).one()
    assert letter.template_code == "eio_delay_notice"
    assert "court sits again" in letter.body              # the reasons go to the issuer
    with pytest.raises(ServiceError, match="as often as"):  # one extension, no more
        extend_deadline("t", d, reason="still not practicable", days=5)


def test_eio_art_12_6_execution_moves_only_to_a_new_time_agreed(eio_case, set_now, db):
    d = start_deadline(eio_case, "eio_execution", actor="t", at=utc(2026, 4, 1, 9),
                       values={"recognised_on": date(2026, 4, 1)})
    assert d.due_at == utc(2026, 6, 30, 23, 59, 59)      # 1 April + 90
    set_now(utc(2026, 6, 20, 9))
    # The old rule let the executing authority add 30 days on its own, three times.
    with pytest.raises(ServiceError) as refused:
        extend_deadline("t", d, reason="Witness abroad", days=30)
    assert refused.value.details == {"field": "days"}
    with pytest.raises(ServiceError) as no_date:
        extend_deadline("t", d, reason="Witness abroad")
    assert no_date.value.details == {"field": "agreed_on"}
    with pytest.raises(ServiceError, match="later"):
        extend_deadline("t", d, reason="Witness abroad", agreed_on=date(2026, 6, 30))
    extend_deadline("t", d, reason="Agreed by e-mail with the issuing prosecutor on 19 June",
                    agreed_on=date(2026, 9, 15))
    assert d.due_at == utc(2026, 9, 15, 23, 59, 59)      # exactly the date agreed
    assert view_of(d).status == "extended"
    letter = db.session.scalars(select(Letter).where(Letter.case_id == eio_case.id)).one()
    assert "September 15, 2026" in letter.body and "12(6)" in letter.body
    # A later agreement replaces it again: each move is an agreement, not a quota.
    extend_deadline("t", d, reason="Second agreement", agreed_on=date(2026, 10, 1))
    assert d.due_at == utc(2026, 10, 1, 23, 59, 59)


def test_untoc_art_18_24_requester_deadline_moves_only_to_a_date_agreed_with_requester(
        make_case, set_now):
    case = make_case(kind="mla", legal_basis="UNTOC", counterpart_country="FR", measures=[])
    d = start_deadline(case, "requester_deadline", actor="t", at=utc(2026, 3, 2, 9),
                       values={"due_on": date(2026, 5, 1)})
    assert d.due_at == utc(2026, 5, 1, 21, 59, 59)       # the end of 1 May in Paris
    # The old rule let the requested state add 30 days itself, five times.
    with pytest.raises(ServiceError):
        extend_deadline("t", d, reason="We are busy", days=30)
    extend_deadline("t", d, reason="Requesting prosecutor agreed by telephone",
                    agreed_on=date(2026, 6, 1))
    assert d.due_at == utc(2026, 6, 1, 21, 59, 59)


def test_rules_file_refuses_an_agreed_date_rule_with_a_number_of_days():
    with pytest.raises(RuleError, match="fixed"):
        parse_rules('[rule.x]\ntitle = "x"\ncitation = "c"\ndays = 5\n'
                    'extension = "agreed_date"\nextension_days = 30\nmax_extensions = 3\n')
    with pytest.raises(RuleError, match="fixed"):
        parse_rules('[rule.x]\ntitle = "x"\ncitation = "c"\ndays = 5\n'
                    'extension_days = 30\nmax_extensions = 3\n')


def test_shipped_rules_extend_only_as_the_articles_say():
    assert get_rule("eio_recognition").extension == "fixed"
    assert (get_rule("eio_recognition").extension_days,
            get_rule("eio_recognition").max_extensions) == (30, 1)
    assert get_rule("eio_execution").extension == "agreed_date"
    assert get_rule("requester_deadline").extension == "agreed_date"
    assert not get_rule("ece_provisional_arrest").can_extend
