"""An unexpected error that leaves the database session failed (a flush refused in the
middle of a page) still answers with Comity's own error page, in the page's frame and
language, not the web server's bare 'Internal Server Error'."""

from __future__ import annotations

import pytest

from mla.audit.models import AuditEntry
from mla.extensions import db as _db


@pytest.fixture
def failing_home(app, monkeypatch):
    def broken_panels(_app):
        # What a lost lock or a refused write does: the statement fails and the session
        # needs a rollback before it can read anything again (the signed-in user).
        _db.session.expire_all()
        _db.session.add(AuditEntry(action=None))
        _db.session.flush()

    monkeypatch.setattr("mla.core.views.panels", broken_panels)
    monkeypatch.setattr(app, "testing", False)


def test_error_page_after_a_failed_statement(db, client, login_as, create_user, failing_home):
    user = create_user("caseworker", display_name="Casey Caseworker")
    login_as(user)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "500 — Something went wrong" in page
    assert "The error has been logged." in page
    assert "Casey Caseworker" in page  # the page's own frame, the user still signed in
