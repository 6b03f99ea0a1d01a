"""A day in a letter reads as the letter's language writes it: one full stop after a
Russian day, whose words already end in one ("1 ноября 2026 г.", never "г.."), and the
first of a month as an ordinal in French ("le 1er novembre 2026")."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest

from mla.core.display import long_date, one_full_stop_after_days
from mla.core.transaction import unit_of_work
from mla.deadlines.services import start_deadline
from mla.directory.models import Authority
from mla.notifications.letters import LETTER_DIR, draft_letter, render_letter

LANGUAGES = ["en", "fr", "es", "ru", "ar", "zh"]
FIRST = date(2026, 11, 1)
# Every day a letter template names: the context's own and a step's values.
DAY_NAMES = {"today", "due_on", "start_on", "received_on"}
VALUE_DAYS = sorted({name for path in LETTER_DIR.glob("*.txt") for name in re.findall(
    r"\{\{ values\.(\w+_on|until) \}\}", path.read_text(encoding="utf-8"))})


@pytest.mark.parametrize(("language", "day"), [
    ("fr", "1er novembre 2026"), ("ru", "1 ноября 2026\u202fг."), ("en", "November 1, 2026"),
    ("es", "1 de noviembre de 2026"), ("zh", "2026年11月1日")])
def test_the_first_of_a_month_in_words(language, day):
    assert long_date(FIRST, language) == day
    assert long_date(date(2026, 11, 2), "fr") == "2 novembre 2026"


def test_one_full_stop_after_a_russian_day():
    day = long_date(FIRST, "ru")
    assert one_full_stop_after_days(f"арестовано {day}.", "ru") == f"арестовано {day}"
    assert one_full_stop_after_days(f"({day}).", "ru") == f"({day})."
    assert one_full_stop_after_days(f"{day}...", "ru") == f"{day}..."  # an ellipsis stays
    assert one_full_stop_after_days("2 de noviembre de 2026.", "es") == (
        "2 de noviembre de 2026.")


def _reminder(db, make_case, language: str):
    authority = Authority(name="Central authority", country_code="FR",
                          kind="central_authority", languages=[language],
                          email="entraide@example.fr")
    db.session.add(authority)
    db.session.commit()
    case = make_case(direction="incoming", kind="extradition", legal_basis="ECE",
                     counterpart_country="FR", counterpart_authority_id=authority.id,
                     measures=[], counterpart_reference="BEPI-2026-41")
    with unit_of_work():
        deadline = start_deadline(case, "ece_provisional_arrest", actor="t",
                                  values={"arrested_on": FIRST})
    with unit_of_work():
        return draft_letter(case, "formal_request_reminder", actor="t",
                            key=f"reminder-{language}", deadline=deadline)


def test_a_russian_letter_ends_a_sentence_on_a_day_with_one_full_stop(db, make_case):
    letter = _reminder(db, make_case, "ru")
    assert "подвергнуто временному аресту 1 ноября 2026\u202fг." in letter.body.splitlines()[2]
    assert letter.body.splitlines()[2].endswith("г.")
    assert "г.." not in letter.body and "г.." not in letter.subject


def test_a_french_letter_writes_the_first_of_the_month_as_an_ordinal(db, make_case):
    letter = _reminder(db, make_case, "fr")
    assert "a été arrêtée provisoirement le 1er novembre 2026." in letter.body
    assert " 1 novembre" not in letter.body


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_letter_doubles_a_full_stop_after_a_day(app, language):
    """Every template, every day it names on the first of a month: a sentence that ends
    on a day ends with one full stop ("г.." in Russian before), a French day is "1er"."""
    assert VALUE_DAYS
    day = long_date(FIRST, language)
    case = SimpleNamespace(reference="EXT-IN-2026-00001", counterpart_reference="R-1",
                           title="T")
    rule = SimpleNamespace(citation_is_words=False, citation_text="ECE art. 16(4)",
                           title_text="Rule")
    deadline = SimpleNamespace(soft_due_at=None, soft_days=18)
    codes = sorted({p.name.split(".")[0] for p in LETTER_DIR.glob("*.en.txt")})
    with app.test_request_context("/"):
        for code in codes:
            subject, body = render_letter(
                code, language, case=case, authority=None, rule=rule, deadline=deadline,
                home_country="Zembla", values=dict.fromkeys(VALUE_DAYS, day), recorded={},
                **dict.fromkeys(DAY_NAMES, day))
            assert day in body, code
            assert not re.search(r"\.\.(?!\.)", subject + body), (code, body)
            if language == "fr":
                assert "1er novembre" in body and " 1 novembre" not in body, code
