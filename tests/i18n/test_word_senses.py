"""One English word, two senses: "State" is a request's place in its workflow on the
request list but a country on the treaty and time-zone pages; "Address" is where a
request came from on the network in the audit trail but a person's home on a request.
Arabic, Russian and Chinese have a word for each; each page must use the right one."""

from __future__ import annotations

import re

import pytest


def _headings(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", page)]


@pytest.mark.parametrize("language, status, country", [
    ("ar", "الحالة", "الدولة"), ("ru", "Состояние", "Государство"), ("zh", "状态", "国家")])
def test_the_request_list_names_the_workflow_state_not_a_country(
        db, client, login_as, create_user, make_case, language, status, country):
    user = create_user("caseworker")
    user.language = language
    make_case(user)
    db.session.commit()
    login_as(user)
    headings = _headings(client.get("/requests/").get_data(as_text=True))
    assert status in headings and country not in headings
    zones = _headings(client.get("/deadlines/time-zones").get_data(as_text=True))
    assert country in zones


def test_the_audit_trail_names_a_network_address(db, client, login_as, create_user):
    auditor = create_user("auditor")
    auditor.language = "ar"
    db.session.commit()
    login_as(auditor)
    headings = _headings(client.get("/audit/").get_data(as_text=True))
    assert "عنوان الشبكة" in headings and "عنوان الإقامة" not in headings
