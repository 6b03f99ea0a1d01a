"""Anti-automation on sign-in, in front of the per-account lockout.

Two rate limits on ``POST /login`` and ``POST /login/code`` (counted together)
answer 429 before a password or code is even checked: one per client address
(``MLA_LOGIN_LIMIT_PER_IP``) and one for the whole instance
(``MLA_LOGIN_LIMIT_GLOBAL``), which bounds a guesser spread over many addresses.
Flask-Limiter does the counting: a well-kept library with the moving-window
strategy, a 429 with Retry-After, and shared storage (Redis, Memcached) for
several gunicorn workers through ``MLA_RATE_LIMIT_STORAGE``; the default,
memory, counts per worker process.

The lockout itself (services.authenticate) counts failures per account *and*
address, so a stranger's five wrong guesses lock the stranger's address out of
that account, never the account's owner signing in from elsewhere.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter

from mla.settings import Settings

EXTENSION_KEY = "mla.sign_in_limiter"
LOGIN_ENDPOINT = "auth.login"
# Both steps of signing in: the password, then the code.
SIGN_IN_ENDPOINTS = (LOGIN_ENDPOINT, "auth.login_code")


def client_ip() -> str:
    """The client's address; behind trusted proxies ProxyFix has already put it here."""
    return request.remote_addr or "unknown"


def _everyone() -> str:
    return "all-clients"


def init_sign_in_limits(app: Flask) -> Limiter:
    """Wrap the sign-in view in both limits (auth's setup, once its routes exist)."""
    settings: Settings = app.extensions["mla.settings"]
    limiter = Limiter(client_ip, app=app, enabled=settings.sign_in_limits,
                      storage_uri=settings.rate_limit_storage_uri, strategy="moving-window",
                      headers_enabled=True, key_prefix="comity")
    per_ip = limiter.shared_limit(settings.login_limit_per_ip, scope="sign-in-address",
                                  methods=["POST"])
    everyone = limiter.shared_limit(settings.login_limit_global, scope="sign-in",
                                    key_func=_everyone, methods=["POST"])
    for endpoint in SIGN_IN_ENDPOINTS:
        # flask-limiter types its wrapper as returning a sync or an async view's value.
        app.view_functions[endpoint] = everyone(  # type: ignore[assignment]
            per_ip(app.view_functions[endpoint]))
    app.extensions[EXTENSION_KEY] = limiter
    return limiter
