from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.worklist.export_support import small_batches, west_home  # noqa: F401 (fixtures)


@pytest.fixture
def make_authority(db) -> Callable[..., Any]:
    from mla.directory.models import Authority

    def factory(name: str = "Public Prosecutor, Capital District", **kwargs: Any):
        values = {"country_code": "XZ", "kind": "prosecution", **kwargs}
        authority = Authority(name=name, **values)
        db.session.add(authority)
        db.session.commit()
        return authority

    return factory


@pytest.fixture
def prosecutor_setup(create_user, make_authority, make_case, db):
    """Two prosecution offices, a prosecutor in each, a request for each office."""
    ours = make_authority("Office A")
    theirs = make_authority("Office B")
    me = create_user("prosecutor", authority_id=ours.id)
    other = create_user("prosecutor", authority_id=theirs.id)
    staff = create_user("caseworker")
    mine = make_case(staff, domestic_authority_id=ours.id, title="Our request")
    not_mine = make_case(staff, domestic_authority_id=theirs.id, title="Their request")
    return {"ours": ours, "theirs": theirs, "me": me, "other": other, "staff": staff,
            "mine": mine, "not_mine": not_mine}


@pytest.fixture(autouse=True)
def request_context(app_ctx):
    """Services word their refusals through flask_babel, which reads the request's locale."""
    with app_ctx.test_request_context():
        yield
