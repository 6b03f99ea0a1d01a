"""A caseworker's day on the request list: the navigation bar's search box, work in bulk."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def me(create_user, login_as):
    user = create_user("caseworker")
    login_as(user)
    return user


def test_every_page_has_a_labelled_search_box_that_goes_to_the_list(client, me):
    for path in ("/", "/requests/", "/custody/"):
        html = client.get(path).get_data(as_text=True)
        form = re.search(r'<form method="get" action="/requests/" role="search"[^>]*>(.*?)</form>',
                         html, re.S)
        assert form, path
        assert '<label class="visually-hidden" for="nav-search">' in form.group(1)
        assert 'name="q"' in form.group(1) and 'aria-keyshortcuts="/"' in form.group(1)


def test_a_whole_reference_opens_the_request_and_a_part_lists_it(client, me, make_case):
    case = make_case(me)
    response = client.get("/requests/", query_string={"q": f" {case.reference.lower()} "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{case.reference}")
    part = case.reference[-5:]
    listed = client.get("/requests/", query_string={"q": part})
    assert listed.status_code == 200
    assert case.reference in listed.get_data(as_text=True)


def test_a_whole_reference_not_visible_is_listed_as_nothing_found(client, me):
    response = client.get("/requests/", query_string={"q": "MLA-IN-2020-99999"})
    assert response.status_code == 200
    assert "No request matches these filters." in response.get_data(as_text=True)
