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
        # Posted (with its CSRF token): the words stay out of the address.
        form = re.search(r'<form method="post" action="/requests/search" role="search"[^>]*>'
                         r'(.*?)</form>', html, re.S)
        assert form, path
        assert 'name="csrf_token"' in form.group(1)
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


def _tokens(html: str) -> dict[str, str]:
    return {value.split(":")[0]: value
            for value in re.findall(r'name="selected" value="([^"]+)"', html)}


def _bulk(client, csrf_token, tokens, **form):
    data = {"csrf_token": csrf_token("/requests/"), "selected": tokens, "back": "urgent=1",
            **form}
    return client.post("/requests/bulk", data=data)


def test_bulk_assign_changes_each_with_history_and_audit_and_names_the_refused(
        client, db, me, make_case, create_user, csrf_token):
    from sqlalchemy import select

    from mla.audit.models import AuditEntry
    from mla.cases.models import Case, CaseEvent
    from mla.cases.services import assign_case

    cases = [make_case(me) for _ in range(4)]
    colleague = create_user("caseworker", display_name="Ana Colleague")
    tokens = _tokens(client.get("/requests/").get_data(as_text=True))
    assert set(tokens) == {c.reference for c in cases}
    # Meanwhile someone else assigns the last one: the list's view of it is stale.
    stale = cases[-1]
    assign_case(me, db.session.get(Case, stale.id), me.id)
    db.session.commit()
    response = _bulk(client, csrf_token, list(tokens.values()), action="assign",
                     assignee_id=str(colleague.id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/requests/?urgent=1")
    page = client.get("/requests/").get_data(as_text=True)
    assert "3 assigned to Ana Colleague" in page
    assert f"Not done for 1: {stale.reference} (changed since the list was shown" in page
    db.session.expire_all()
    for case in cases[:3]:
        assert db.session.get(Case, case.id).assignee_id == colleague.id
        assert db.session.scalar(select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "assigned",
            CaseEvent.actor_id == me.id)) is not None
    assert db.session.get(Case, stale.id).assignee_id == me.id
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.assign")).all()
    assert len(audits) == 4  # three in bulk, one before


def test_bulk_assign_never_to_a_trainee_and_not_by_a_trainee(
        client, db, me, make_case, create_user, csrf_token, login_as):
    case = make_case(me)
    trainee = create_user("trainee")
    listed = client.get("/requests/").get_data(as_text=True)
    offered = re.search(r'id="bulk-assignee".*?</select>', listed, re.S).group(0)
    assert me.display_name in offered and trainee.display_name not in offered
    tokens = list(_tokens(listed).values())
    _bulk(client, csrf_token, tokens, action="assign", assignee_id=str(trainee.id))
    assert "Choose a caseworker or supervisor." in client.get("/requests/").get_data(as_text=True)
    login_as(trainee)
    page = client.get("/requests/").get_data(as_text=True)
    assert 'value="assign"' not in page
    # A trainee on a live instance changes nothing: refused before the view runs.
    assert _bulk(client, csrf_token, tokens, action="assign",
                 assignee_id=str(me.id)).status_code == 403
    db.session.expire_all()
    assert case.assignee_id is None


def test_bulk_note_and_an_empty_selection(client, db, me, make_case, csrf_token):
    from sqlalchemy import select

    from mla.cases.models import CaseEvent

    cases = [make_case(me) for _ in range(2)]
    tokens = list(_tokens(client.get("/requests/").get_data(as_text=True)).values())
    _bulk(client, csrf_token, tokens, action="note", note="Chased by phone")
    notes = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "note")).all()
    assert sorted(n.case_id for n in notes) == sorted(c.id for c in cases)
    _bulk(client, csrf_token, [], action="note", note="x")
    assert "Select at least one request." in client.get("/requests/").get_data(as_text=True)


def test_export_of_a_selection_has_the_list_columns_and_no_formula(
        client, db, me, make_case, csrf_token):
    import io

    import openpyxl

    case = make_case(me, title="=HYPERLINK(\"http://x\")")
    make_case(me)
    token = _tokens(client.get("/requests/").get_data(as_text=True))[case.reference]
    csv = _bulk(client, csrf_token, [token], action="csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "Reference,Title,Counterpart,State,Assigned to,Registered,Next due,Urgent"
    assert len(lines) == 2 and lines[1].startswith(f"{case.reference},\"'=HYPERLINK")
    xlsx = _bulk(client, csrf_token, [token], action="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["A2"].value == case.reference
    assert sheet["B2"].value == case.title and sheet["B2"].data_type == "s"


def test_saved_filters_are_each_users_own_and_can_be_renamed_and_deleted(
        client, db, me, create_user, login_as, csrf_token):
    from mla.worklist.models import SavedFilter

    token = csrf_token("/requests/")
    response = client.post("/requests/filters", data={
        "csrf_token": token, "name": "  My   urgent ", "back": "urgent=1&assignee=me&page=3"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/requests/?assignee=me&urgent=1"
    listed = client.get("/requests/?assignee=me&urgent=1").get_data(as_text=True)
    mine = db.session.query(SavedFilter).one()
    assert ('<a class="btn btn-sm btn-outline-secondary" '
            f'href="/requests/filters/{mine.id}">My urgent</a>') in listed
    opened = client.get(f"/requests/filters/{mine.id}")
    assert opened.headers["Location"] == "/requests/?assignee=me&urgent=1"
    # The same name twice: said next to the field, nothing saved.
    again = client.post("/requests/filters", data={"csrf_token": token, "name": "My urgent",
                                                   "back": "overdue=1"})
    assert again.status_code == 422
    assert 'id="new-filter-name-error">You already have filters named My urgent.' in \
        again.get_data(as_text=True)
    # Without the CSRF token nothing is saved.
    refused = client.post("/requests/filters", data={"name": "x", "back": ""})
    assert refused.status_code in {400, 422}
    saved = db.session.query(SavedFilter).one()
    other = create_user("caseworker")
    login_as(other)
    token = csrf_token("/requests/")
    assert "My urgent" not in client.get("/requests/filters").get_data(as_text=True)
    assert client.post(f"/requests/filters/{saved.id}/delete",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/requests/filters/{saved.id}/rename",
                       data={"csrf_token": token, "name": "Mine now"}).status_code == 404
    login_as(me)
    token = csrf_token("/requests/")
    assert client.post(f"/requests/filters/{saved.id}/rename",
                       data={"csrf_token": token, "name": "Urgent, mine"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(SavedFilter, saved.id).name == "Urgent, mine"
    assert client.post(f"/requests/filters/{saved.id}/delete",
                       data={"csrf_token": token}).status_code == 302
    assert db.session.query(SavedFilter).count() == 0


FILTERS = [
    {}, {"urgent": "1"}, {"urgent": "true", "direction": "incoming"}, {"q": "EXT-IN"},
    {"kind": "extradition", "sort": "reference"}, {"assignee": "me", "open": "yes"},
    {"counterpart": "xb"}, {"overdue": "on"}, {"q": "fraud", "sort": "oldest"},
]


@pytest.mark.parametrize("args", FILTERS, ids=lambda a: "&".join(f"{k}={v}" for k, v in a.items()))
def test_a_filter_means_the_same_in_the_page_the_api_and_the_export(
        client, db, me, make_case, api_token, args):
    make_case(me, is_urgent=True, urgency_reason="Trial date", assignee_id=me.id)
    make_case(me, kind="extradition", legal_basis="ECE", counterpart_country="XB",
              title="Robbery, fugitive", measures=[])
    make_case(me, direction="outgoing", title="Fraud ring abroad", assignee_id=me.id,
              is_urgent=True, urgency_reason="Limitation period")
    page = client.get("/requests/", query_string=args)
    assert page.status_code == 200
    on_page = re.findall(r'name="selected" value="([A-Z]+-[A-Z]+-\d{4}-\d{5}):',
                         page.get_data(as_text=True))
    api = client.get("/api/v1/cases", query_string=args, headers=api_token(me))
    assert api.status_code == 200, api.get_json()
    in_api = [item["reference"] for item in api.get_json()["items"]]
    export = client.get("/requests/export.csv", query_string=args)
    in_export = [line.split(",")[0] for line in export.get_data(as_text=True).splitlines()[1:]]
    assert on_page == in_api == in_export
    if args:
        assert len(on_page) < 3, "each filter narrows the list here"
