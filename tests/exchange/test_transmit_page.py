"""Transmit electronically from the request page, in process: the step, the sealed
package and its outbox row commit together and the page redirects (the two-instance
test does the same through gunicorn, where an exception shows only as a 500)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from mla.cases.models import Case
from mla.exchange.models import ExchangeMessage
from mla.notifications.models import OutboxMessage
from tests.exchange.test_cli_file_channel import (  # noqa: F401
    _outgoing,
    instances,
)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found, "no CSRF token"
    return found.group(1)


def test_transmit_from_the_page_queues_the_sealed_package(instances):  # noqa: F811
    a, b = instances
    # B names an exchange address (nothing listens there: nothing is delivered here).
    named = b.cli("identity", "--address", "http://127.0.0.1:9/exchange/v1/inbox")
    assert named.exit_code == 0, named.output
    (a.tmp / "counterpart.json").write_text(named.stdout)
    trusted = a.cli("trust", str(a.tmp / "counterpart.json"))
    assert trusted.exit_code == 0, trusted.output
    reference = _outgoing(a)
    client = a.app.test_client()
    login = client.get("/login")
    assert client.post("/login", data={
        "username": "cw", "password": "correct horse battery staple",
        "csrf_token": _csrf(login.get_data(as_text=True))}).status_code == 302
    page = client.get(f"/requests/{reference}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/requests/[^"]*/exchange/transmit)"'
                     r'[^>]*>(.*?)</form>', page, re.S)
    assert form, "no transmit form on the request page"
    fields = dict(re.findall(r'name="(csrf_token|version)"[^>]*value="([^"]*)"',
                             form.group(2)))

    sent = client.post(form.group(1), data=fields)

    assert sent.status_code == 302, sent.get_data(as_text=True)[:2000]
    assert a.scalar(select(Case.state).where(Case.reference == reference)) == "transmitted"
    assert a.scalar(select(func.count()).select_from(ExchangeMessage).join(
        Case, Case.id == ExchangeMessage.case_id).where(Case.reference == reference)) == 1
    assert a.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.channel == "exchange")) >= 1
    # The page after the redirect shows the request as transmitted, its package queued.
    after = client.get(f"/requests/{reference}")
    assert after.status_code == 200
