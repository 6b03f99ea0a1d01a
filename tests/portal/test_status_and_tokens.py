from __future__ import annotations

import pytest

from mla.portal.serializers import PROSECUTOR_CASE_FIELDS, restrict_payload
from mla.portal.status import STAGES, stage_for
from mla.workflow.registry import current_all
from tests.conftest import _csrf_from


def test_every_state_of_every_workflow_says_who_is_waiting():
    missing = [(wf.name, name) for wf in current_all() for name, state in wf.states.items()
               if not state.terminal and (wf.name, name) not in STAGES]
    assert missing == []


@pytest.mark.parametrize(("workflow", "direction", "state", "waiting_on"), [
    ("outgoing_mla", "outgoing", "draft", "central_authority"),
    ("outgoing_mla", "outgoing", "information_requested", "domestic_authority"),
    ("outgoing_mla", "outgoing", "under_execution", "counterpart"),
    ("outgoing_mla", "outgoing", "closed_refused", "nobody"),
    ("incoming_mla", "incoming", "in_execution", "domestic_authority"),
    ("incoming_mla", "incoming", "awaiting_information", "counterpart"),
    ("incoming_extradition", "incoming", "judicial_phase", "court"),
    ("outgoing_mla", "outgoing", "some_new_supplementary_state", "domestic_authority"),
])
def test_stage_for(workflow, direction, state, waiting_on):
    assert stage_for(workflow, direction, state).waiting_on == waiting_on


def test_restrict_payload_is_an_allow_list(prosecutor_setup):
    case = prosecutor_setup["mine"]
    data = {key: None for key in PROSECUTOR_CASE_FIELDS}
    data.update({"persons": ["Jean Fictif"], "assignee": "someone", "history": [],
                 "deadlines": []})
    restricted = restrict_payload(prosecutor_setup["me"], case, data)
    assert "persons" not in restricted and "assignee" not in restricted
    assert restrict_payload(prosecutor_setup["staff"], case, data) is data


def test_tokens_page_shows_and_revokes_own_tokens(create_user, api_token, client, login_as, db):
    from mla.auth.models import ApiToken

    me, other = create_user("caseworker"), create_user("prosecutor")
    mine_headers = api_token(me)
    api_token(other)
    mine, theirs = db.session.query(ApiToken).order_by(ApiToken.id).all()
    login_as(me)
    html = client.get("/account/tokens").get_data(as_text=True)
    assert mine.prefix in html and theirs.prefix not in html
    token = _csrf_from(html)
    assert client.post(f"/account/tokens/{theirs.id}/revoke",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"/account/tokens/{mine.id}/revoke",
                       data={"csrf_token": token}).status_code == 302
    assert client.get("/api/v1/cases", headers=mine_headers).status_code == 401
    db.session.rollback()
    assert db.session.get(ApiToken, theirs.id).revoked_at is None


def test_making_a_token_shows_it_once(create_user, client, login_as):
    login_as(create_user("prosecutor"))
    token = _csrf_from(client.get("/account/tokens").get_data(as_text=True))
    html = client.post("/account/tokens", data={"csrf_token": token, "label": "CMS",
                                                "valid_days": "30"}).get_data(as_text=True)
    assert 'id="new-token"' in html and "cmt_" in html
    assert "cmt_" not in client.get("/account/tokens").get_data(as_text=True).split("<code>")[0]


def test_admin_revokes_anyones_token(create_user, api_token, client, login_as, db):
    from mla.auth.models import ApiToken

    user = create_user("prosecutor")
    headers = api_token(user)
    token_id = db.session.query(ApiToken.id).scalar()
    login_as(create_user("admin"))
    html = client.get("/admin/tokens").get_data(as_text=True)
    assert user.username in html
    response = client.post(f"/account/tokens/{token_id}/revoke",
                           data={"csrf_token": _csrf_from(html)})
    assert response.status_code == 302
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
