"""Sandbox and production never mix.

A training instance is full of fictional cases, a clock the trainer moves and
accounts whose passwords were printed for a class; a production instance holds
real personal data. Two things could make them meet: a database URL or a key
ring file copied from one to the other. So:

- the key ring records the mode it was created for (``KeyRing.mode``; files
  written before this was recorded carry none and are judged by the database);
- the database records, in ``deployment_identity``, the mode of the instance that
  first started on it and the key ring's ``instance_id``.

``check_deployment(app)`` runs in ``create_app``. It refuses to start (ConfigError,
saying why and what to change) when either record disagrees with ``MLA_MODE``, or
when the key ring is not the one the database was set up with. On a database
that is not migrated yet (no ``deployment_identity`` table) it does nothing: the
identity is written by the first start after ``db upgrade`` - in practice the
``reference load`` (or ``sandbox load``) that follows it.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, OperationalError

from mla.core.clock import now
from mla.core.crypto import EXTENSION_KEY, KeyRing
from mla.extensions import db
from mla.sandbox.clock import install_offset_provider
from mla.sandbox.models import DeploymentIdentity
from mla.settings import ConfigError, Settings

log = logging.getLogger(__name__)

IDENTITY_TABLE = "deployment_identity"


def check_key_ring(settings: Settings, ring: KeyRing) -> None:
    if ring.mode and ring.mode != settings.mode:
        raise ConfigError(
            f"The key ring {settings.key_ring_source} was created for a {ring.mode} instance; "
            f"this instance runs with MLA_MODE={settings.mode} and refuses to use it. "
            f"Give the {settings.mode} instance its own key ring (MLA_KEY_FILE)"
            + (" and its own database (MLA_DATABASE_URL)." if settings.is_sandbox else ".")
        )


def check_identity(settings: Settings, ring: KeyRing, mode: str, key_ring_id: str) -> None:
    if mode != settings.mode:
        raise ConfigError(
            f"The database at MLA_DATABASE_URL belongs to a {mode} instance; this instance "
            f"runs with MLA_MODE={settings.mode} and refuses to start on it. "
            f"A {settings.mode} instance needs its own database"
            + (" (see docs/sandbox.md: `make sandbox`)." if settings.is_sandbox else ".")
        )
    if key_ring_id != ring.instance_id:
        raise ConfigError(
            f"The database was set up with another key ring (instance id {key_ring_id[:8]}…) "
            f"than the one at {settings.key_ring_source} (instance id {ring.instance_id[:8]}…). "
            "Point MLA_KEY_FILE (or MLA_KEY_RING) at the key ring of this database; every "
            "application server of one database uses the same ring; a ring from another "
            "instance cannot read its personal data."
        )


def check_deployment(app: Flask) -> None:
    """Refuse to start when mode, database and key ring disagree (see module doc)."""
    settings: Settings = app.extensions["mla.settings"]
    ring: KeyRing = app.extensions[EXTENSION_KEY]
    check_key_ring(settings, ring)
    with app.app_context():
        try:
            recorded = _read_or_record(settings, ring)
        except OperationalError as exc:
            db.session.rollback()
            if settings.is_sandbox:
                raise ConfigError(
                    "The sandbox cannot reach its database to check that it is not a "
                    f"production one: {exc.orig}") from None
            log.error("deployment identity not checked: database unreachable (%s)", exc.orig)
            return
        finally:
            db.session.remove()
    if recorded is not None:
        check_identity(settings, ring, *recorded)

    install_offset_provider()


def _read_or_record(settings: Settings, ring: KeyRing) -> tuple[str, str] | None:
    if not inspect(db.session.connection()).has_table(IDENTITY_TABLE):
        log.info("deployment identity not checked yet: the database has no %s table "
                 "(run `flask --app wsgi db upgrade`)", IDENTITY_TABLE)
        db.session.rollback()
        return None
    identity = db.session.get(DeploymentIdentity, 1)
    if identity is None:
        db.session.add(DeploymentIdentity(id=1, mode=settings.mode,
                                          key_ring_id=ring.instance_id, created_at=now()))
        try:
            db.session.commit()
            log.info("recorded this database as a %s instance", settings.mode)
            return settings.mode, ring.instance_id
        except IntegrityError:  # another process recorded it first: judge by theirs
            db.session.rollback()
            identity = db.session.get(DeploymentIdentity, 1)
            if identity is None:  # pragma: no cover - the row cannot vanish
                return None
    recorded = (identity.mode, identity.key_ring_id)
    db.session.rollback()
    return recorded
