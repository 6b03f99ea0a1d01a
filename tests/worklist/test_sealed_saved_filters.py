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
    assert "Quarrelwood" not in response.headers["Location"]
    db.session.commit()
    assert not any(MARKER in value for value in _stored(
        "SELECT name, query FROM saved_filters") + _stored(
        "SELECT details FROM audit_entries"))

    saved = db.session.scalars(select(SavedFilter)).one()
    assert saved.query == "q=Tamsin+Quarrelwood&urgent=1"
    # Its link names it by number; opening it keeps the words for the session, out of
    # the address (mla/cases/searches.py), and lists what they find.
    target = f"/requests/filters/{saved.id}"
    opened = client.get(target)
    assert opened.status_code == 303
    assert "Quarrelwood" not in opened.headers["Location"]
    assert "urgent=1" in opened.headers["Location"]
    assert 'value="Tamsin Quarrelwood"' in client.get(
        opened.headers["Location"]).get_data(as_text=True)
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
    saved = db.session.scalars(select(SavedFilter)).one()
    assert saved.query == ""
    assert f'href="/requests/filters/{saved.id}">Everything</a>' in client.get(
        "/requests/filters").get_data(as_text=True)
    assert client.get(f"/requests/filters/{saved.id}").headers["Location"] == "/requests/"
