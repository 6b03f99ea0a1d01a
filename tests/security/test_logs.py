"""No secret from a URL and no person's name reaches a log line."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def feed_url(db, create_user):
    from mla.deadlines.ical import create_feed

    _row, token = create_feed(create_user("caseworker"))
    db.session.commit()
    return token, f"/calendar/feed/{token}.ics"


def test_access_log_lines_lose_feed_tokens_and_queries(client, feed_url, caplog):
    token, url = feed_url
    assert client.get(url).status_code == 200
    caplog.set_level(logging.INFO)
    # The shapes gunicorn's and the development server's access loggers log in.
    logging.getLogger("gunicorn.access").info(
        '%(h)s "%(r)s" %(s)s "%(f)s"',
        {"h": "10.0.0.1", "r": f"GET {url} HTTP/1.1", "s": "200",
         "f": "https://comity.example/requests/?q=Jean+Fictif&page=2"})
    logging.getLogger("werkzeug").info('%s - - "%s" %s', "10.0.0.1",
                                       "GET /requests/?q=Jean%20Fictif HTTP/1.1", 200)
    text = caplog.text
    assert token not in text and "Jean" not in text and "Fictif" not in text
    assert "/calendar/feed/[redacted].ics" in text and "/requests/?[redacted]" in text


def test_the_app_names_the_route_not_the_path_when_a_request_fails(app, feed_url, caplog):
    from mla.core.errors import route_label

    token, url = feed_url
    with app.test_request_context(url + "?q=Jean"):
        app.preprocess_request()
        label = route_label()
        app.logger.error("unhandled error on %s", label)
    assert "Jean" not in caplog.text and token not in caplog.text
    assert "/calendar/feed/<secret:token>.ics" in caplog.text
