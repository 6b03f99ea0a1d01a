"""The request list's search never puts the words in an address: the list form and the
header's box post them, the list opens at a handle (mla/cases/searches.py), and every
link of the list carries the handle. Another user's handle, or one of a session that
ended, reads as expired; an old ``?q=`` bookmark still works."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from mla.cases.queries import REFERENCE_RE
from mla.cases.services import PersonInput
from tests.notifications.test_sealed_outbox import _stored

NAME = "Tamsin Quarrelwood"
MARKERS = ("Quarrelwood", "Quarrelwood".lower(), "Tamsin")


@pytest.fixture
def found(db, make_case, create_user):
    """Three requests naming the person, two that do not."""
    worker = create_user("caseworker")
    named = [make_case(worker, title=f"Named {n}",
                       persons=[PersonInput(role="suspect", full_name=NAME)]) for n in range(3)]
    others = [make_case(worker, title=f"Other {n}") for n in range(2)]
    return worker, named, others


def _addresses(html: str) -> list[str]:
    """Every address a page renders: links, form targets, and the hidden ``back`` fields
    the list's tools turn into one."""
    return re.findall(r'(?:href|action)="([^"]*)"', html) + \
        re.findall(r'name="back" value="([^"]*)"', html)


def _no_words_in(*addresses: str) -> None:
    """No address names the person, nor carries a ``q`` that is not a whole reference."""
    for address in addresses:
        address = address.replace("&amp;", "&")
        for marker in MARKERS:
            assert marker not in address, address
        query = address.split("?", 1)[-1] if "?" in address else address
        for q in parse_qs(query).get("q", []):
            assert REFERENCE_RE.fullmatch(q), address


def _listed(html: str, cases) -> set[str]:
    return {c.reference for c in cases if f'value="{c.reference}:' in html
            or f">{c.reference}</a>" in html}


def _search(client, csrf_token, **form: str):
    response = client.post("/requests/search",
                           data={"csrf_token": csrf_token("/requests/"), **form})
    assert response.status_code == 303
    location = response.headers["Location"]
    _no_words_in(location)
    return location


def test_the_header_box_and_the_list_form_post_and_the_list_opens_at_a_handle(
        client, login_as, csrf_token, found, db):
    worker, named, others = found
    login_as(worker)
    home = client.get("/").get_data(as_text=True)
    box = re.search(r'<form method="post" action="/requests/search"[^>]*role="search"', home)
    assert box, "the header's search box posts"
    location = _search(client, csrf_token, q=NAME)
    assert parse_qs(urlsplit(location).query).keys() == {"search"}
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert _listed(html, named + others) == {c.reference for c in named}
    _no_words_in(*_addresses(html))
    # The words are shown where they were typed (the form's box), and nowhere else.
    assert html.count("Quarrelwood") == 1
    assert f'id="q" name="q" value="{NAME}"' in html

    # The list form, with other filters: those stay readable in the address.
    location = _search(client, csrf_token, q=NAME, sort="reference", urgent="")
    assert parse_qs(urlsplit(location).query).keys() == {"search", "sort"}
    html = client.get(location).get_data(as_text=True)
    shown = re.findall(r'>((?:MLA|EXT)-[A-Z]+-\d{4}-\d{5})</a>', html)
    assert shown == sorted(c.reference for c in named)

    # The words are sealed where they are kept.
    db.session.commit()
    assert not any(m.encode() in value for value in _stored(
        "SELECT words, token_hash FROM kept_searches") for m in MARKERS)
    assert not any(b"Quarrelwood" in value for value in _stored(
        "SELECT details FROM audit_entries"))


def test_the_handle_follows_pages_sort_export_bulk_and_saved_filters(
        client, login_as, csrf_token, found, db):
    worker, named, others = found
    login_as(worker)
    location = _search(client, csrf_token, q=NAME, sort="oldest")
    token = parse_qs(urlsplit(location).query)["search"][0]

    first = client.get(location + "&per_page=2").get_data(as_text=True)
    _no_words_in(*_addresses(first))
    assert _listed(first, named + others) == {c.reference for c in named[:2]}
    next_link = re.search(r'<a class="page-link" href="([^"]+)">Next</a>', first).group(1)
    next_link = next_link.replace("&amp;", "&")
    assert f"search={token}" in next_link and "cursor=" in next_link and "sort=oldest" in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert _listed(second, named + others) == {named[2].reference}
    previous = re.search(r'<a class="page-link" href="([^"]+)">Previous</a>', second).group(1)
    assert f"search={token}" in previous

    export = re.search(r'href="(/requests/export\.csv[^"]*)"', first).group(1)
    assert f"search={token}" in export
    rows = client.get(export.replace("&amp;", "&")).get_data(as_text=True).splitlines()[1:]
    assert sorted(row.split(",")[0] for row in rows) == sorted(c.reference for c in named)

    back = re.search(r'name="back" value="([^"]*)"', first).group(1).replace("&amp;", "&")
    bulk = client.post("/requests/bulk", data={
        "csrf_token": csrf_token("/requests/"), "back": back, "action": "note",
        "note": "Checked", "selected": []})
    assert bulk.status_code == 302
    _no_words_in(bulk.headers["Location"])
    assert f"search={token}" in bulk.headers["Location"]

    saved = client.post("/requests/filters", data={
        "csrf_token": csrf_token("/requests/"), "name": "Her requests", "back": back})
    assert saved.status_code == 302
    _no_words_in(saved.headers["Location"])
    db.session.commit()
    from mla.worklist.models import SavedFilter
    kept = db.session.scalars(select(SavedFilter)).one()
    assert parse_qs(kept.query) == {"q": [NAME], "sort": ["oldest"]}
    listing = client.get("/requests/").get_data(as_text=True)
    assert f'href="/requests/filters/{kept.id}">Her requests</a>' in listing
    opened = client.get(f"/requests/filters/{kept.id}")
    assert opened.status_code == 303
    _no_words_in(opened.headers["Location"])
    html = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert _listed(html, named + others) == {c.reference for c in named}


def test_another_users_handle_and_an_ended_sessions_reveal_nothing(
        client, login_as, csrf_token, found, create_user, db):
    from mla.cases.searches import KeptSearch

    worker, named, others = found
    login_as(worker)
    location = _search(client, csrf_token, q=NAME)

    login_as(create_user("caseworker"))  # another user, same browser
    page = client.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "This search has expired; search again." in html
    assert "Quarrelwood" not in html
    assert _listed(html, named + others) == {c.reference for c in named + others}
    export = client.get(location.replace("/requests/?", "/requests/export.csv?"))
    assert export.status_code == 302  # not the whole list instead of the search
    assert "Quarrelwood" not in export.get_data(as_text=True)

    login_as(worker)  # the same user, a new session: the old handle has ended
    html = client.get(location).get_data(as_text=True)
    assert "This search has expired; search again." in html and "Quarrelwood" not in html

    # Signing out forgets the session's searches.
    location = _search(client, csrf_token, q=NAME)
    db.session.commit()
    ended = db.session.scalars(select(KeptSearch.session_id).order_by(KeptSearch.id.desc())
                               .limit(1)).one()
    client.post("/logout", data={"csrf_token": csrf_token("/requests/")})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(KeptSearch)
                             .where(KeptSearch.session_id == ended)) == 0
    login_as(worker)
    html = client.get(location).get_data(as_text=True)
    assert "This search has expired; search again." in html

    # A session left idle past its limit: its searches go with the user's next one.
    from mla.auth.models import UserSession
    first = db.session.scalars(select(KeptSearch.session_id).order_by(KeptSearch.id)).first()
    db.session.get(UserSession, first).last_seen_at -= timedelta(days=1)
    db.session.commit()
    _search(client, csrf_token, q="Other")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(KeptSearch)
                             .where(KeptSearch.session_id == first)) == 0
    assert "Other" in [k.words for k in db.session.scalars(select(KeptSearch))]

    assert "expired" in client.get("/requests/?search=made-up").get_data(as_text=True)
    assert client.get("/requests/?search=%00%ff").status_code in {200, 400}


def test_an_old_bookmark_with_words_still_works_and_its_links_carry_a_handle(
        client, login_as, found):
    worker, named, others = found
    login_as(worker)
    page = client.get("/requests/", query_string={"q": NAME, "direction": "incoming"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _listed(html, named + others) == {c.reference for c in named}
    _no_words_in(*_addresses(html))
    export = re.search(r'href="(/requests/export\.csv[^"]*)"', html).group(1)
    assert "search=" in export and "direction=incoming" in export


def test_a_whole_reference_stays_in_the_address_and_opens_the_request(
        client, login_as, csrf_token, found):
    worker, named, _others = found
    login_as(worker)
    location = _search(client, csrf_token, q=named[0].reference.lower())
    assert parse_qs(urlsplit(location).query) == {"q": [named[0].reference]}
    opened = client.get(location)
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/requests/{named[0].reference}")


def test_another_users_saved_filter_is_missing(client, login_as, csrf_token, found,
                                               create_user):
    worker, _named, _others = found
    login_as(worker)
    client.post("/requests/filters", data={
        "csrf_token": csrf_token("/requests/"), "name": "Mine", "back": "urgent=1"})
    from mla.extensions import db
    from mla.worklist.models import SavedFilter
    kept = db.session.scalars(select(SavedFilter)).one()
    assert client.get(f"/requests/filters/{kept.id}").status_code == 303
    login_as(create_user("caseworker"))
    assert client.get(f"/requests/filters/{kept.id}").status_code == 404


def test_a_search_without_its_csrf_token_is_refused(client, login_as, found, db):
    from mla.cases.searches import KeptSearch

    worker, _named, _others = found
    login_as(worker)
    response = client.post("/requests/search", data={"q": NAME})
    assert response.status_code == 400
    assert "Quarrelwood" not in response.headers.get("Location", "")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(KeptSearch)) == 0
