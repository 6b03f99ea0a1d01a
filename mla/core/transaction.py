"""The request is the unit of work: services flush, this boundary commits once.

A response below 400 commits; anything else rolls back, so a refused form or a
guard that blocks leaves nothing half-saved. Callbacks registered with
``after_commit`` (mail, dispatcher wake-ups) run only once the commit succeeded.
CLI commands and scheduled jobs use ``unit_of_work()``.

A read (GET) may still have to write a record of itself: the audit entry of a
consultation or of a refusal. ``write_after_read`` keeps that write for the end of the
request, in a short write transaction of its own, before the response leaves: on
SQLite a read transaction that has read cannot take the write lock once another
writer committed since it began (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits
out), so two people opening request pages at once got 500s. A read changes nothing
else, so splitting it from its record loses no atomicity; if the record cannot be
written the page is not served (503).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from mla.core.db import is_read_only, reset_read_only, set_read_only
from mla.core.errors import error_response, route_label
from mla.extensions import db

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def after_commit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` after the current unit of work commits (dropped on rollback)."""
    pending: list[Callable[[], Any]] = db.session.info.setdefault("after_commit", [])
    pending.append(callback)


def on_rollback(callback: Callable[[], Any]) -> None:
    """Undo a side effect outside the database (a stored file) if this unit of work
    rolls back; dropped once it commits."""
    pending: list[Callable[[], Any]] = db.session.info.setdefault("on_rollback", [])
    pending.append(callback)


# Tied to the session's own events, so a commit or rollback made anywhere (not only
# through this module) settles the pending clean-ups.
@event.listens_for(Session, "after_commit")
def _forget_clean_ups(session: Session) -> None:
    session.info.pop("on_rollback", None)


@event.listens_for(Session, "after_rollback")
def _run_clean_ups(session: Session) -> None:
    for callback in reversed(session.info.pop("on_rollback", [])):
        try:
            callback()
        except Exception:
            log.exception("rollback clean-up failed")


def write_after_read(write: Callable[[], Any]) -> None:
    """Run ``write`` in this unit of work; in a read request, at its end, in a write
    transaction of its own (see the module's docstring)."""
    if not is_read_only():
        write()
        return
    pending: list[Callable[[], Any]] = db.session.info.setdefault("after_read", [])
    pending.append(write)


def commit_even_if_refused() -> None:
    """Keep this unit of work although the response is an error (failed sign-ins:
    the throttle counter and its audit entry must survive the 401)."""
    db.session.info["commit_on_error"] = True


def _run_after_commit() -> None:
    for callback in db.session.info.pop("after_commit", []):
        try:
            callback()
        except Exception:  # one failed side effect must not hide the committed change
            current_app.logger.exception("after-commit callback failed")


def commit() -> None:
    db.session.info.pop("commit_on_error", None)
    writes: list[Callable[[], Any]] = db.session.info.pop("after_read", [])
    db.session.commit()
    if writes:
        # The read's transaction is over; the next one begins as a writer's
        # (BEGIN IMMEDIATE on SQLite: it waits for the lock instead of failing).
        token = set_read_only(False)
        try:
            for write in writes:
                write()
            db.session.commit()
        except BaseException:
            rollback()
            raise
        finally:
            reset_read_only(token)
    _run_after_commit()


def rollback() -> None:
    db.session.info.pop("after_read", None)
    db.session.info.pop("after_commit", None)
    db.session.info.pop("commit_on_error", None)
    db.session.rollback()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit once at the end of a CLI command or job; roll back on any error."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()


def init_transaction_boundary(app: Flask) -> None:
    @app.before_request
    def _begin() -> None:
        # An app context may outlive one request (tests): start every request with
        # an empty `g`, as production does, so no user or CSRF token leaks across.
        for key in list(g):
            g.pop(key, None)
        g._mla_read_only_token = set_read_only(request.method in READ_METHODS)

    @app.after_request
    def _finish(response: Response) -> Response:
        if response.status_code >= 400 and not db.session.info.get("commit_on_error"):
            rollback()
            return response
        try:
            commit()
        except IntegrityError:
            rollback()
            current_app.logger.warning("commit refused by a constraint on %s", route_label())
            return _conflict_response()
        except OperationalError:
            rollback()
            current_app.logger.exception("database unavailable on commit for %s", route_label())
            return _unavailable_response()
        return response

    @app.teardown_request
    def _end(exc: BaseException | None) -> None:
        if exc is not None:
            rollback()
        token = g.pop("_mla_read_only_token", None)
        if token is not None:
            reset_read_only(token)


def _conflict_response() -> Response:
    return error_response(409, "conflict", _(
        "The change conflicts with data saved meanwhile; reload and try again."))


def _unavailable_response() -> Response:
    if request.method in READ_METHODS:  # only a read's own record was to be written
        message = _("The database is busy; try again in a moment.")
    else:
        message = _("The database is busy; your change was not saved. Try again.")
    token = set_read_only(True)  # the page reads the signed-in user: never wait for a writer
    try:
        return error_response(503, "unavailable", message)
    except OperationalError:
        rollback()
        return Response(message, status=503, mimetype="text/plain")
    finally:
        reset_read_only(token)
