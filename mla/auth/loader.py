"""Who is asking: a browser session record, or an API bearer token (never both)."""

from __future__ import annotations

from flask import Request, g, session

from mla.auth.models import User
from mla.auth.services import load_session, resolve_api_token
from mla.core.errors import API_PREFIX
from mla.extensions import login_manager

SESSION_KEY = "sid"


@login_manager.request_loader
def _load_user(request: Request) -> User | None:
    if request.path.startswith(API_PREFIX):
        # The API takes bearer tokens only: a browser cookie must not drive it (CSRF).
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        return resolve_api_token(secret.strip())
    record = load_session(session.get(SESSION_KEY))
    if record is None:
        if SESSION_KEY in session:
            session.clear()
        return None
    g.user_session = record
    return record.user
