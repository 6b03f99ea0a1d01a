"""Outbox channels come from the domains' registrations, not from a list in the schema."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mla.core.plugins import EXTENSION_KEY, Domain, outbox_channels
from mla.notifications.models import OutboxMessage
from mla.notifications.outbox import enqueue


def test_the_installed_channels_are_what_the_domains_register(app):
    # notifications: in_app, email; exchange: packages to a counterpart's Comity.
    assert outbox_channels(app) == frozenset({"in_app", "email", "exchange"})


def test_a_channel_no_domain_registered_is_refused(db):
    with pytest.raises(ValueError, match="fax"):
        enqueue("k-1", "fax", subject="Hello")
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_domain_brings_its_own_channel_without_a_migration(app, db, monkeypatch):
    courier = Domain(name="courier", outbox_channels={"courier": lambda *_: None})
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, [*app.extensions[EXTENSION_KEY],
                                                        courier])
    assert enqueue("k-2", "courier", subject="To the counterpart's system")
    assert db.session.scalars(select(OutboxMessage.channel)).one() == "courier"
