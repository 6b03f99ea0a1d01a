"""The client's address behind reverse proxies (README, Production).

Behind nginx, ``REMOTE_ADDR`` is the proxy. werkzeug's ProxyFix takes the
client's address (and scheme, host, port) from the ``X-Forwarded-*`` headers,
trusting exactly as many hops as the operator says (``MLA_TRUSTED_PROXIES``):
it reads the entries the trusted proxies appended, from the right, so a client
cannot choose its address by sending a forged ``X-Forwarded-For``. Without
proxies (0, the default) the headers are ignored. The sign-in limits, the
per-address lockout and the audit trail all read the address this gives.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask, count: int) -> None:
    if count <= 0:
        return
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)
