"""A page number past anything a database can offset (a typed or tampered ``page=``)
answers a page, never a 500: PostgreSQL refuses an OFFSET beyond a bigint and SQLite
one beyond a 64-bit integer."""

from __future__ import annotations

import pytest

HUGE = "9" * 30


@pytest.mark.parametrize(("role", "url"), [
    ("caseworker", f"/requests/?page={HUGE}"),
    ("caseworker", f"/custody?page={HUGE}"),
    ("auditor", f"/audit/?page={HUGE}"),
    ("prosecutor", f"/portal/?page={HUGE}"),
])
def test_a_huge_page_number_answers_a_page(role, url, create_user, login_as):
    answer = login_as(create_user(role)).get(url)
    assert answer.status_code < 500, answer.status_code


def test_a_huge_page_number_in_the_api_is_not_a_500(create_user, api_token, client):
    answer = client.get(f"/api/v1/cases?page={HUGE}",
                        headers=api_token(create_user("caseworker")))
    assert answer.status_code < 500, answer.status_code
