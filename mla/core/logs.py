"""What reaches a log: never a secret from a URL, never a search for a person's name.

Access logs (gunicorn's ``gunicorn.access``, the development server's
``werkzeug``) write each request line; Comity's own error messages name the
request. Two things in a URL must not be kept there:

- every query string: the request list's search (``q=``, a person's name among
  others), filters, and the ``next=`` of the sign-in redirect, which repeats them.
  Nothing an operator needs from an access log is in a query, so all of them go;
- path parts that are credentials: a route declares one with the ``secret``
  converter (``/calendar/feed/<secret:token>.ics``), and every such part is
  replaced, whatever the route.

A filter on those loggers rewrites each record's message before any handler
formats it. Comity's own messages name the route pattern, not the path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from flask import Flask
from werkzeug.routing import BaseConverter

REDACTED = "[redacted]"
# Loggers that write request lines or error messages about requests.
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "mla", "flask.app")
_QUERY = re.compile(r"\?[^\s\"']*")
_CONVERTER = re.compile(r"<(?:(?P<conv>[a-zA-Z_]\w*)(?:\([^)]*\))?:)?(?P<name>\w+)>")


class SecretConverter(BaseConverter):
    """A path part that is a credential (a calendar feed's token): never logged."""

    regex = r"[A-Za-z0-9_\-]{16,200}"


def secret_path_patterns(rules: Iterable[str]) -> list[re.Pattern[str]]:
    """For each route with a ``<secret:...>`` part, a pattern matching its paths whose
    groups are the secret parts."""
    patterns = []
    for rule in rules:
        if "<secret:" not in rule:
            continue
        regex, last = "", 0
        for match in _CONVERTER.finditer(rule):
            regex += re.escape(rule[last:match.start()])
            regex += r"([^/?#\s\"'<>]+)" if match["conv"] == "secret" else r"[^/?#\s\"'<>]+"
            last = match.end()
        patterns.append(re.compile(regex + re.escape(rule[last:])))
    return patterns


def redact(message: str, secret_paths: Iterable[re.Pattern[str]] = ()) -> str:
    for pattern in secret_paths:
        message = pattern.sub(_blank_groups, message)
    return _QUERY.sub("?" + REDACTED, message)


def _blank_groups(match: re.Match[str]) -> str:
    text, offset = match.group(0), match.start()
    for index in range(len(match.groups()), 0, -1):
        start, end = match.start(index) - offset, match.end(index) - offset
        text = text[:start] + REDACTED + text[end:]
    return text


class RedactingFilter(logging.Filter):
    def __init__(self, secret_paths: list[re.Pattern[str]]) -> None:
        super().__init__()
        self.secret_paths = secret_paths

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed record: leave it to the handler's own error path
        cleaned = redact(message, self.secret_paths)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def init_log_redaction(app: Flask) -> None:
    """The ``secret`` converter, before any route is added (see ``install_filter``)."""
    app.url_map.converters["secret"] = SecretConverter


def install_filter(app: Flask) -> RedactingFilter:
    """Once every route is added: the filter on the loggers that name requests."""
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    log_filter = RedactingFilter(secret_path_patterns(rules))
    loggers = [logging.getLogger(name) for name in LOGGERS]
    # Logger filters see what a logger logs itself; handler filters also see what its
    # children pass up (mla.notifications.dispatcher, ...).
    for target in [*loggers, *(h for lg in [logging.root, *loggers] for h in lg.handlers)]:
        for old in [f for f in target.filters if isinstance(f, RedactingFilter)]:
            target.removeFilter(old)
        target.addFilter(log_filter)
    app.extensions["mla.log_redaction"] = log_filter
    return log_filter
