"""Digits that are not ASCII ('²': str.isdigit() accepts it, int() then fails) in a
request's edit form or its reopening are read as no number, never a 500."""

from __future__ import annotations

import re

from mla.cases.models import Case
from mla.workflow.services import apply_transition
from tests.cases.test_editing import _edit_form
from tests.conftest import _csrf_from


def test_an_edit_form_row_id_in_other_digits_is_not_a_500(db, make_case, client, login_as):
    case = make_case()
    login_as(case.created_by)
    _html, data = _edit_form(client, case.reference)
    row = next(name for name in data if re.fullmatch(r"offences-0-offence_id", name))
    for odd in ("²", "²" * 3, "9" * 40):
        response = client.post(f"/requests/{case.reference}/edit",
                               data={**data, row: odd, "title": "Corrected"})
        assert response.status_code < 500, odd


def test_reopening_with_a_version_in_other_digits_is_not_a_500(db, make_case, client,
                                                               login_as, create_user):
    case = make_case()
    apply_transition(case.created_by, case, "withdraw", expected_version=case.version,
                     comment="The requesting state withdrew it.")
    db.session.commit()
    login_as(create_user("supervisor"))
    page = client.get(f"/requests/{case.reference}").get_data(as_text=True)
    response = client.post(f"/requests/{case.reference}/reopen", data={
        "csrf_token": _csrf_from(page), "reason": "Withdrawn by mistake", "version": "²"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).is_closed  # a version that is no number: a conflict
