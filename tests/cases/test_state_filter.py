"""The request list's state filter: a labelled select of the states' labels, grouped by
workflow, in the reader's language; its values are the state names links already use."""

from __future__ import annotations

import re

import pytest


def _state_select(html: str) -> str:
    found = re.search(r'<select[^>]*id="f-state"[^>]*>(.*?)</select>', html, re.S)
    assert found, "no state select on the list"
    return found.group(1)


def _options(select: str) -> dict[str, str]:
    return {value: label.strip() for value, label in
            re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)}


def _group(select: str, title: str) -> dict[str, str]:
    found = re.search(rf'<optgroup label="{re.escape(title)}">(.*?)</optgroup>', select, re.S)
    assert found, f"no group {title!r}"
    return _options(found.group(1))


def test_the_state_filter_offers_labels_grouped_by_workflow(client, create_user, login_as):
    login_as(create_user("caseworker"))
    html = client.get("/requests/").get_data(as_text=True)
    assert '<label class="form-label" for="f-state">State</label>' in html
    select = _state_select(html)
    options = _options(select)
    assert options[""] == "Any state"
    incoming = _group(select, "Incoming request for mutual legal assistance")
    assert incoming["received"] == "Received, not yet acknowledged"
    # Labels, never the internal names, are what a person reads.
    assert all(label != value for value, label in options.items() if value)


def test_the_state_filter_speaks_the_readers_language(client, create_user, login_as, db):
    reader = create_user("caseworker")
    reader.language = "fr"
    db.session.commit()
    login_as(reader)
    select = _state_select(client.get("/requests/").get_data(as_text=True))
    incoming = _group(select, "Demande d&#39;entraide judiciaire entrante")
    assert incoming["received"] == "Reçue, réception non encore accusée"


def test_a_chosen_state_filters_and_stays_chosen(client, create_user, login_as, make_case, db):
    me = create_user("caseworker")
    login_as(me)
    waiting, moved = make_case(me, title="Still waiting"), make_case(me, title="Moved on")
    moved.state = "under_review"
    db.session.commit()
    html = client.get("/requests/", query_string={"state": waiting.state}).get_data(as_text=True)
    assert waiting.reference in html and moved.reference not in html
    chosen = re.findall(r'<option value="([^"]*)" selected>', _state_select(html))
    assert chosen == [waiting.state]


@pytest.mark.parametrize("state", ["no_such_state", "<b>x</b>"])
def test_an_unknown_state_is_an_error_next_to_the_field(client, create_user, login_as, state):
    login_as(create_user("caseworker"))
    response = client.get("/requests/", query_string={"state": state})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'aria-describedby="f-state-error"' in html and 'aria-invalid="true"' in html
    error = re.search(r'<div class="invalid-feedback" id="f-state-error">(.*?)</div>', html, re.S)
    assert error and "choose one from the list" in error.group(1)
    assert "<b>x</b>" not in html
