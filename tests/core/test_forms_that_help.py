"""Forms that help: sensible defaults, and a trainee on a live instance is offered
nothing that would answer 403 nor listed as someone to assign to."""

from __future__ import annotations

import re

import pytest

from mla.cases.queries import staff_choices
from mla.cases.services import assign_case
from mla.core.errors import ServiceError
from mla.settings import current_settings


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected',
                       select)
    return next(g for g in chosen.groups() if g is not None) if chosen else ""


def test_dual_criminality_check_does_not_start_with_one_state_twice(create_user, login_as,
                                                                     client):
    login_as(create_user("caseworker"))
    html = client.get("/dual-criminality/check").get_data(as_text=True)
    assert _selected(html, "requested_country") == current_settings().home_country
    assert _selected(html, "requesting_country") == ""


def test_a_trainee_on_a_live_instance_is_offered_no_step_no_note_no_assignment(
        make_case, create_user, login_as, client):
    assert not current_settings().is_sandbox
    case = make_case(create_user("caseworker"))
    login_as(create_user("caseworker"))
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    for offered in ("/steps/", f'action="/requests/{case.reference}/notes"',
                    f'action="/requests/{case.reference}/assign"'):
        assert offered in html  # what a caseworker is offered
    login_as(create_user("trainee"))
    html = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    assert "/steps/" not in html
    assert f'action="/requests/{case.reference}/notes"' not in html
    assert f'action="/requests/{case.reference}/assign"' not in html
    assert "Trainee accounts change nothing outside a training sandbox" in html


def test_a_trainee_is_not_someone_to_assign_to_on_a_live_instance(make_case, create_user, db):
    worker = create_user("caseworker")
    trainee = create_user("trainee")
    assert worker.id in dict(staff_choices()) and trainee.id not in dict(staff_choices())
    case = make_case(worker)
    with pytest.raises(ServiceError):
        assign_case(worker, case, trainee.id)
