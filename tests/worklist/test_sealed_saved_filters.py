"""A saved list's filters are sealed at rest: its search may be a person's exact name.
The list and the saved filters' page read them back whole and lead to the same list."""

from __future__ import annotations

from sqlalchemy import select

from tests.notifications.test_sealed_outbox import _stored

MARKER = b"Quarrelwood"


def test_a_saved_search_is_ciphertext_and_the_list_leads_back_to_it(
        db, client, create_user, login_as, csrf_token):
    from mla.worklist.models import SavedFilter

    worker = create_user("caseworker")
    login_as(worker)
    response = client.post("/requests/filters", data={
        "csrf_token": csrf_token("/requests/"), "name": "Her requests",
        "back": "q=Tamsin+Quarrelwood&urgent=1"})
    assert response.status_code == 302
    target = "/requests/?q=Tamsin+Quarrelwood&amp;urgent=1"
    db.session.commit()
    assert not any(MARKER in value for value in _stored(
        "SELECT name, query FROM saved_filters") + _stored(
        "SELECT details FROM audit_entries"))

    assert db.session.scalars(select(SavedFilter.query)).one() \
        == "q=Tamsin+Quarrelwood&urgent=1"
    assert f'href="{target}">Her requests</a>' in client.get(
        "/requests/filters").get_data(as_text=True)
    assert f'href="{target}">Her requests</a>' in client.get(
        "/requests/").get_data(as_text=True)


def test_a_saved_list_without_filters_reads_back_empty(db, client, create_user, login_as,
                                                       csrf_token):
    from mla.worklist.models import SavedFilter

    login_as(create_user("caseworker"))
    assert client.post("/requests/filters", data={
        "csrf_token": csrf_token("/requests/"), "name": "Everything",
        "back": ""}).status_code == 302
    db.session.commit()
    assert _stored("SELECT query FROM saved_filters") != [b""]  # sealed, even when empty
    assert db.session.scalars(select(SavedFilter.query)).one() == ""
    assert 'href="/requests/">Everything</a>' in client.get(
        "/requests/filters").get_data(as_text=True)
