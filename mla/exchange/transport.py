"""How a sealed package travels to a counterpart's exchange endpoint: one HTTPS POST.

The package is already signed and encrypted (mla.exchange.package); the transport
adds what the wire needs and nothing else: TLS with the system's certificate
verification, no redirects (a redirect could send the package somewhere the
directory never named), a time limit and a size limit on the answer.

Plain http is refused except to a loopback address (the tests' two instances on one
machine) or when the operator allows it explicitly (MLA_EXCHANGE_ALLOW_HTTP, e.g.
behind a TLS-terminating tunnel they trust).
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

# What the endpoint accepts and answers: a JOSE object (RFC 7515/7516 media type).
PACKAGE_MEDIA_TYPE = "application/jose"
INBOX_PATH = "/exchange/v1/inbox"
# An answer (a receipt, or a refusal in JSON) is small; anything larger is not ours.
MAX_ANSWER_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 30


class AddressRefused(ValueError):
    """The exchange address may not be used; the message says why (a caseworker reads it)."""


@dataclass(frozen=True)
class Answer:
    """What the counterpart's endpoint said: status, media type and body."""

    status: int
    media_type: str
    body: bytes

    @property
    def is_accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_refusal(self) -> bool:
        """A 4xx is the counterpart's word on this package: sending it again will not
        change it (but a 408 or 429 is about the moment, not the package)."""
        return 400 <= self.status < 500 and self.status not in (408, 429)

    def refusal(self) -> tuple[str, str]:
        """(code, reason) of a refusal answered as JSON, or a description of the answer."""
        try:
            error = json.loads(self.body.decode("utf-8"))["error"]
            return str(error["code"])[:60], str(error["message"])[:1000]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return f"http_{self.status}", f"HTTP {self.status}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_address(address: str, *, allow_http: bool = False) -> str:
    """The endpoint URL to post to, or AddressRefused saying why not."""
    try:
        parts = urllib.parse.urlsplit(address.strip())
    except ValueError:
        raise AddressRefused(f"not a URL: {address!r}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AddressRefused(f"not an https address: {address!r}")
    if parts.username or parts.password:
        raise AddressRefused("an exchange address carries no user name or password")
    if parts.scheme == "http" and not (allow_http or is_loopback(parts.hostname)):
        raise AddressRefused(
            f"plain http is refused for {parts.hostname} (use https, or set "
            "MLA_EXCHANGE_ALLOW_HTTP=1 for a channel you secure otherwise)")
    if parts.query or parts.fragment:
        raise AddressRefused("an exchange address has no query or fragment")
    path = parts.path.rstrip("/")
    if not path.endswith(INBOX_PATH):
        # The directory may hold the instance's base address: the inbox is below it.
        path = f"{path}{INBOX_PATH}"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener(context: ssl.SSLContext | None) -> urllib.request.OpenerDirector:
    tls = context or ssl.create_default_context()  # verifies the chain and the host name
    # No proxy from the environment: a package goes straight to the address trusted.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                       urllib.request.HTTPSHandler(context=tls),
                                       _NoRedirects())


def post_package(address: str, package: bytes, *, allow_http: bool = False,
                 context: ssl.SSLContext | None = None,
                 timeout: float = TIMEOUT_SECONDS) -> Answer:
    """POST the package; the counterpart's answer whatever its status. Raises
    AddressRefused before connecting, OSError (URLError, timeouts) when it cannot
    be reached or the answer is too large."""
    url = check_address(address, allow_http=allow_http)
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=package, method="POST",
        headers={"Content-Type": PACKAGE_MEDIA_TYPE, "Accept": f"{PACKAGE_MEDIA_TYPE}, "
                 "application/json", "User-Agent": "Comity-exchange/1"})
    try:
        response = _opener(context).open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        body = response.read(MAX_ANSWER_BYTES + 1)
        if len(body) > MAX_ANSWER_BYTES:
            raise OSError("the counterpart's answer is larger than any receipt")
        media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        return Answer(status=response.status or 0, media_type=media_type, body=body)
